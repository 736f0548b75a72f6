"""Partitioned Parquet: one folder per local day, written window by window, resumable."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from dask_support import END, FAST, START

from explore_pandas.api.client import Client
from explore_pandas.cli import main as cli
from explore_pandas.emulator import Emulator
from explore_pandas.engines.parquet import write_parquet
from explore_pandas.exceptions import ValidationError


def _write(client: Client, path: Path, **options: object) -> dict:  # type: ignore[type-arg]
    kwargs: dict[str, object] = {"start": START, "end": END, "tz": "Europe/Lisbon", "client": client,
                                 "poll": FAST, "progress": False, "path": path}
    kwargs.update(options)
    return write_parquet("calls", **kwargs)  # type: ignore[arg-type]


def _files(root: Path) -> dict[str, tuple[int, int]]:
    """Every data file: relative path -> (inode, mtime_ns)."""
    return {str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.glob("day=*/*.parquet")}


def test_twelve_months_one_folder_per_local_day_every_row_once(emu: Emulator, client: Client, tmp_path: Path) -> None:
    root = tmp_path / "calls"
    summary = _write(client, root)
    truth = emu.truth("calls", START, END)
    days = sorted({d.name for d in root.iterdir() if d.name.startswith("day=")})
    local_days = truth["end_at"].dt.tz_convert("Europe/Lisbon").dt.strftime("day=%Y-%m-%d")
    assert days == sorted(set(local_days)) and len(days) == 365
    assert summary["rows"] == len(truth) and summary["files"] == len(days) == len(summary["written"])
    assert not list(root.rglob("*.partial"))  # no temporary file left

    back = pd.read_parquet(root)
    assert len(back) == len(truth) and back["call_id"].is_unique
    assert set(back["call_id"]) == set(truth["call_id"].astype(str))
    # a day folder holds that local day's rows, and the files keep the pandas engine's dtypes
    day = pd.read_parquet(root / "day=2026-03-29")  # Lisbon springs forward that day
    assert str(day["end_at"].dtype) == "datetime64[us, Europe/Lisbon]"
    assert set(day["end_at"].dt.strftime("%Y-%m-%d")) == {"2026-03-29"}
    assert emu.stats()["max_running"] <= 15 and len(emu.jobs()) == 12


def test_a_rerun_skips_complete_windows_and_rewrites_only_what_is_missing(emu: Emulator, client: Client,
                                                                         tmp_path: Path) -> None:
    root = tmp_path / "calls"
    _write(client, root)
    jobs = len(emu.jobs())
    before = _files(root)

    again = _write(client, root)  # nothing missing: no request for any window, no file touched
    assert again["skipped"] == 12 and again["written"] == [] and _files(root) == before
    requests = dict(emu.stats()["requests"])

    lost = sorted(before)[197]  # a day in the middle of some window
    (root / lost).unlink()
    resumed = _write(client, root)
    assert resumed["written"] == [lost] and resumed["skipped"] == 11
    after = _files(root)
    assert set(after) == set(before)
    assert {k: v for k, v in after.items() if k != lost} == {k: v for k, v in before.items() if k != lost}
    assert len(emu.jobs()) == jobs == 12  # re-attached to the window's recorded job: no new job
    assert emu.stats()["requests"].get("create", 0) == requests.get("create", 0)
    assert len(pd.read_parquet(root)) == emu.count_rows("calls", START, END)


def test_a_folder_of_another_pull_is_refused(emu: Emulator, client: Client, tmp_path: Path) -> None:
    root = tmp_path / "calls"
    _write(client, root, start="2026-09-01", end="2026-09-03")
    with pytest.raises(ValidationError, match="already holds another pull"):
        _write(client, root, start="2026-09-01", end="2026-09-03", tz="UTC")


def test_the_cli_writes_a_folder_when_the_output_ends_in_a_slash(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EXPLORE_ACCOUNT", "EXPLORE_CLIENT_ID", "EXPLORE_CLIENT_SECRET", "EXPLORE_BASE_URL",
                 "EXPLORE_TOKEN_URL", "EXPLORE_REGION"):
        monkeypatch.delenv(name, raising=False)
    out = str(tmp_path / "calls") + os.sep
    code = cli.main(["pull", "calls", "--start", "2026-09-01", "--end", "2026-09-04", "--tz", "Europe/Lisbon",
                     "-o", out])
    assert code == 0
    assert sorted(p.name for p in Path(out).iterdir() if p.name.startswith("day=")) == [
        "day=2026-09-01", "day=2026-09-02", "day=2026-09-03"]
    assert "rows in 3 day files" in capsys.readouterr().err


def test_at_most_two_windows_are_parsed_and_held_at_once(emu: Emulator, client: Client, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Twelve jobs finish together; the writer still parses (and holds) two windows at a time.
    import threading
    import time

    from explore_pandas.engines import parquet
    from explore_pandas.pulls import fetch

    parse_file, lock = fetch.parse_file, threading.Lock()
    held: list[int] = [0, 0]  # [now, most]

    def counted(*args: object, **kwargs: object) -> object:  # the real parser, counted
        with lock:
            held[0] += 1
            held[1] = max(held)
        try:
            time.sleep(0.5)  # long enough for every finished job to try to parse at once, on a loaded machine
            return parse_file(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            with lock:
                held[0] -= 1

    monkeypatch.setattr(fetch, "parse_file", counted)  # the parser every window goes through
    summary = _write(client, tmp_path / "calls", ledger=False)
    assert summary["rows"] == emu.count_rows("calls", START, END)
    assert emu.stats()["max_running"] > parquet.PARSE_SLOTS  # the jobs did run together
    assert held[1] == parquet.PARSE_SLOTS
