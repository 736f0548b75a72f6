"""What killed writers leave is removed by the next run; what live ones hold is not (issue 13, point 10)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from explore_pandas.cli.commands import write_frame
from explore_pandas.files import remove_stale_partials, scratch_folder


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def test_a_file_output_loses_a_killed_runs_partial_file(tmp_path: Path) -> None:
    left = tmp_path / f".a.csv.{_dead_pid()}.k2j4h1zz.partial"
    left.write_text("half")
    live = tmp_path / f".a.csv.{os.getppid()}.abcdefgh.partial"
    live.write_text("being written")
    other = tmp_path / f".b.csv.{_dead_pid()}.zzzzzzzz.partial"
    other.write_text("another output's")
    write_frame(pd.DataFrame({"x": [1]}), tmp_path / "a.csv")
    assert not left.exists() and live.exists() and other.exists()
    assert (tmp_path / "a.csv").read_text() == "x\n1\n"
    assert remove_stale_partials(tmp_path) == [other]


def test_a_killed_pulls_scratch_folder_goes_with_the_next_pull() -> None:
    base = Path(tempfile.gettempdir())
    dead = base / f"explore-pull-{_dead_pid()}-abc"
    dead.mkdir()
    (dead / "calls-1.csv").write_text("account data")
    live = base / f"explore-pull-{os.getppid()}-def"
    live.mkdir(exist_ok=True)
    try:
        with scratch_folder("explore-pull-") as folder:
            assert Path(folder).name.startswith(f"explore-pull-{os.getpid()}-")
        assert not dead.exists() and live.exists() and not Path(folder).exists()
    finally:
        live.rmdir()
