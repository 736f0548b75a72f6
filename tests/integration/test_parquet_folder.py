"""A Parquet folder pulled into again and again: every row of the union of the ranges exactly once
(issue 13, points 1, 2, 3 and 10)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow.dataset as ds
import pytest

from explore_pandas.api.client import Client
from explore_pandas.emulator import Emulator
from explore_pandas.engines.folder import merge
from explore_pandas.engines.parquet import write_parquet
from explore_pandas.exceptions import DataLatencyWarning, RowLimitWarning

LISBON = ZoneInfo("Europe/Lisbon")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LISBON)


def _write(client: Client, root: Path, start: datetime, end: datetime, **options: object) -> dict:  # type: ignore[type-arg]
    return write_parquet("calls", start=start, end=end, tz="Europe/Lisbon", client=client, progress=False,  # type: ignore[arg-type]
                         path=root, **options)


def _truth_ids(emu: Emulator, ranges: list[tuple[datetime, datetime]]) -> set[str]:
    ids: set[str] = set()
    for start, end in merge(ranges):
        ids |= set(emu.truth("calls", start, end)["call_id"].astype(str))
    return ids


def _ids(root: Path) -> pd.Series:
    return pd.read_parquet(root)["call_id"].astype(str)


def test_any_sequence_of_ranges_leaves_the_union_exactly_once(emu: Emulator, client: Client, tmp_path: Path) -> None:
    root = tmp_path / "calls"
    ranges = [(at("2026-09-01"), at("2026-10-15"))]
    _write(client, root, *ranges[0])
    assert len(emu.jobs()) == 2
    ranges.append((at("2026-09-01"), at("2026-11-01")))  # longer: only what follows is fetched
    summary = _write(client, root, *ranges[-1])
    assert len(emu.jobs()) == 3 and summary["skipped"] == 1
    assert summary["rows"] == emu.count_rows("calls", *ranges[-1])
    ranges.append((at("2026-09-10T06:00"), at("2026-09-20T18:00")))  # a sub-range: nothing to fetch
    summary = _write(client, root, *ranges[-1])
    assert len(emu.jobs()) == 3 and summary["written"] == []
    assert summary["rows"] == emu.count_rows("calls", *ranges[-1])
    ranges.append((at("2026-08-20T12:00"), at("2026-09-05")))  # overlapping, starting inside a day
    _write(client, root, *ranges[-1])
    ranges.append((at("2026-11-01"), at("2026-11-03T07:30")))  # ending inside a day, then its rest
    _write(client, root, *ranges[-1])
    ranges.append((at("2026-11-03"), at("2026-11-05")))
    _write(client, root, *ranges[-1])

    ids = _ids(root)
    assert ids.is_unique
    assert set(ids) == _truth_ids(emu, ranges)
    assert ds.dataset(root, partitioning="hive").count_rows() == len(ids)  # pyarrow reads the same
    day = pd.read_parquet(root / "day=2026-11-03")  # two windows wrote this day: different rows
    assert len(list((root / "day=2026-11-03").glob("*.parquet"))) == 2 and day["call_id"].is_unique


def test_fresh_rewrites_the_range_without_doubling_it(emu: Emulator, client: Client, tmp_path: Path) -> None:
    root = tmp_path / "calls"
    _write(client, root, at("2026-09-01"), at("2026-10-01"))
    _write(client, root, at("2026-09-10"), at("2026-09-20"), fresh=True)  # inside a recorded window
    ids = _ids(root)
    assert ids.is_unique and set(ids) == _truth_ids(emu, [(at("2026-09-01"), at("2026-10-01"))])


def test_a_window_truncated_under_warn_is_fetched_again_under_split(emu: Emulator, client: Client,
                                                                    tmp_path: Path) -> None:
    emu.configure(row_limit=2_000, total="matching")  # json's total tells the file is cut
    root = tmp_path / "calls"
    span = (at("2026-09-01"), at("2026-10-01"))
    with pytest.warns(RowLimitWarning, match="2,000 rows received of"):
        _write(client, root, *span, format="json", on_row_limit="warn")
    assert len(_ids(root)) == 2_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: every window under the limit now
        _write(client, root, *span, format="json", on_row_limit="split")
    ids = _ids(root)
    assert ids.is_unique and set(ids) == _truth_ids(emu, [span])


def test_a_window_inside_the_data_latency_is_fetched_again_later(emu: Emulator, client: Client,
                                                                 tmp_path: Path) -> None:
    root = tmp_path / "calls"
    end = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=1)
    span = (end - timedelta(days=2), end)
    with pytest.warns(DataLatencyWarning):
        _write(client, root, *span)
    jobs = len(emu.jobs())
    emu.clock.advance(600)  # ten minutes on for the API: the last window's rows are complete now
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataLatencyWarning)  # this machine's clock did not move
        _write(client, root, *span)
        assert len(emu.jobs()) == jobs + 1  # the window inside the latency, again (one job)
        _write(client, root, *span)
    assert len(emu.jobs()) == jobs + 1  # and now it is complete: nothing more
    ids = _ids(root)
    assert ids.is_unique and set(ids) == _truth_ids(emu, [span])


def test_what_a_killed_writer_left_is_removed_by_the_next_run(emu: Emulator, client: Client,
                                                              tmp_path: Path) -> None:
    root = tmp_path / "calls"
    _write(client, root, at("2026-09-01"), at("2026-09-03"))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead = int(gone.stdout)  # a process that has ended: its files are leftovers
    left = root / "day=2026-09-01" / f".part-x.parquet.{dead}.k2j4h1zz.partial"
    left.write_bytes(b"PAR1 half")
    live = root / "day=2026-09-02" / f".part-y.parquet.{os.getppid()}.abcdefgh.partial"
    live.write_bytes(b"PAR1 being written")  # a running process's: left alone
    meta = root / "_explore" / "windows" / f".x.json.{dead}.zz11yy22.partial"
    meta.write_text("{")
    _write(client, root, at("2026-09-01"), at("2026-09-03"))
    assert not left.exists() and not meta.exists() and live.exists()
    live.unlink()
    assert len(pd.read_parquet(root)) == emu.count_rows("calls", at("2026-09-01"), at("2026-09-03"))


def test_a_malformed_folder_record_is_skipped_and_its_window_fetched_again(emu: Emulator, client: Client,
                                                                          tmp_path: Path) -> None:
    from explore_pandas.exceptions import ExploreWarning

    root = tmp_path / "calls"
    span = (at("2026-09-01"), at("2026-10-15"))
    _write(client, root, *span)
    first = sorted((root / "_explore" / "windows").glob("*.json"))[0]
    named = json.loads(first.read_text())["files"]
    first.write_bytes(b"\xff{not json")
    with pytest.warns(ExploreWarning, match=re.escape(f"skipped the folder record {first}")) as seen:
        _write(client, root, *span)
    assert len(seen) == 1
    ids = _ids(root)
    assert ids.is_unique and set(ids) == _truth_ids(emu, [span])
    assert all((root / name).is_file() for name in named)  # written again


def test_a_lost_dataset_record_still_keeps_another_zone_out(emu: Emulator, client: Client, tmp_path: Path) -> None:
    from explore_pandas.exceptions import ValidationError

    root = tmp_path / "calls"
    _write(client, root, at("2026-09-01"), at("2026-09-03"))
    (root / "_explore" / "dataset.json").unlink()
    with pytest.raises(ValidationError, match="already holds another pull.*timezone='Europe/Lisbon', not 'UTC'"):
        write_parquet("calls", start="2026-09-01", end="2026-09-03", tz="UTC", client=client, progress=False,
                      path=root)


def test_a_folder_whose_records_cannot_be_written_is_refused_before_any_job(emu: Emulator, client: Client,
                                                                           tmp_path: Path) -> None:
    from explore_pandas.exceptions import ExploreError

    root = tmp_path / "calls"
    (root / "_explore").mkdir(parents=True)
    (root / "_explore" / "windows").write_text("a file where the records go")
    with pytest.raises(ExploreError, match=r"_explore/windows cannot be written"):
        _write(client, root, at("2026-09-01"), at("2026-09-03"))
    assert emu.jobs() == []
