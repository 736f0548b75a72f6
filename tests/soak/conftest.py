"""Fixtures of the fault soak: loopback only, one emulator per module, figures for the session.

The figures (runs, faults fired by kind, rows compared, jobs created versus
windows) are written as JSON under the session's pytest temporary directory
and printed in the terminal summary (no ``-s`` needed).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

_FIGURES: dict[str, Any] = {}


@pytest.fixture(scope="session")
def soak_figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Totals over every soak run of the session; written to ``soak/figures.json`` at the end."""
    figures: dict[str, Any] = {
        "runs": 0,
        "runs_passed": 0,
        "windows": 0,
        "jobs_created_by_pulls": 0,
        "foreign_jobs": 0,
        "creates_answer_lost": 0,
        "rows_compared": 0,
        "faults_fired": Counter(),
        "scenario": Counter(),
        "requests": Counter(),
        "max_running_seen": 0,
        "peak_concurrency_seen": 0,
        "wall_seconds": 0.0,
        "slowest_run_seconds": 0.0,
    }
    yield figures
    if figures["runs"]:
        out = tmp_path_factory.mktemp("soak") / "figures.json"
        plain = {k: dict(v) if isinstance(v, Counter) else v for k, v in figures.items()}
        out.write_text(json.dumps(plain, indent=1, sort_keys=True))
        _FIGURES.clear()
        _FIGURES.update(plain, path=str(out))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _FIGURES:
        return
    f = _FIGURES
    write = terminalreporter.write_line
    terminalreporter.section("fault soak figures")
    write(f"runs: {f['runs']} ({f['runs_passed']} passed), wall {f['wall_seconds']:.1f} s, "
          f"slowest run {f['slowest_run_seconds']:.2f} s")
    write(f"windows: {f['windows']}; jobs created by the pulls: {f['jobs_created_by_pulls']} "
          f"(+{f['foreign_jobs']} foreign jobs holding quota); creates whose answer was lost: "
          f"{f['creates_answer_lost']}")
    write(f"rows compared with the emulator's ground truth: {f['rows_compared']:,}")
    write(f"faults fired by kind: {json.dumps(f['faults_fired'], sort_keys=True)}")
    write(f"scenario features: {json.dumps(f['scenario'], sort_keys=True)}")
    write(f"max_running seen: {f['max_running_seen']}; peak client concurrency: {f['peak_concurrency_seen']}")
    write(f"figures file: {f['path']}")
