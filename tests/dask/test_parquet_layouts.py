"""write_parquet and a report's older layout: its own time column, one layout per folder (issue 12, A1/B1)."""

from __future__ import annotations

import warnings
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from dask_support import FAST

from explore_pandas.api.client import Client
from explore_pandas.emulator import Emulator
from explore_pandas.engines.parquet import write_parquet
from explore_pandas.exceptions import ValidationError

DAY = datetime(2026, 11, 1, tzinfo=timezone.utc)
NEXT, AFTER = datetime(2026, 11, 2, tzinfo=timezone.utc), datetime(2026, 11, 3, tzinfo=timezone.utc)


def test_an_older_layout_is_partitioned_by_its_own_time_column_and_not_mixed(tmp_path: Path) -> None:
    root = tmp_path / "calls"
    with Emulator(seed=0, layouts={"calls": "pre2026"}, progression={"seconds": 0.1}) as emu, \
            Client(**emu.credentials) as client, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the emulator's range is recent: data-latency notes
        summary = write_parquet("calls", start=DAY, end=NEXT, tz="UTC", client=client, poll=FAST,
                                progress=False, path=root, ledger=False)
        back = pd.read_parquet(root)
        assert summary["rows"] == len(back) > 0
        assert back["end_time"].notna().all() and back["talk_time"].dtype == "timedelta64[us]"
        emu.configure(layouts={})
        with pytest.raises(ValidationError, match=r"'pre2026' layout.*is in the 'v1' layout"):
            write_parquet("calls", start=DAY, end=AFTER, tz="UTC", client=client, poll=FAST,
                          progress=False, path=root, ledger=False)


def test_two_windows_of_two_layouts_parsed_at_once_are_refused_not_mixed(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder's layout is claimed under a lock: with both windows in the two parse threads at
    once, the second one's check cannot miss the first one's files (issue 12, second pass, D1:
    this pull wrote both layouts into one folder 3 times out of 3)."""
    from explore_pandas.emulator import jobs as emulator_jobs

    start, switch, end = (datetime(2026, m, d, tzinfo=timezone.utc) for m, d in ((9, 15), (10, 16), (11, 1)))
    real = emulator_jobs.data.write_report

    def by_window(path, slug, fmt, begin, finish, **options):  # type: ignore[no-untyped-def]
        return real(path, slug, fmt, begin, finish, **{**options, "layout": "pre2026" if begin < switch else "v1"})

    monkeypatch.setattr(emulator_jobs.data, "write_report", by_window)
    root = tmp_path / "calls"
    with Emulator(seed=0, progression="immediate") as emu, Client(**emu.credentials) as client, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValidationError, match=r"one folder is one dataset of one schema"):
            write_parquet("calls", start=start, end=end, tz="UTC", client=client, poll=FAST, progress=False,
                          path=root, ledger=False)
        assert emu.stats()["jobs_created"] == 2  # two windows, one per layout
    kinds = {"end_time" in pd.read_parquet(f).columns for f in root.glob("day=*/*.parquet")}
    assert len(kinds) == 1  # one window's files, of one layout


@pytest.mark.parametrize("first", [{"columns": ["call_id", "talk_time"]}, {"dtype": {"talk_time": "str"}}])
def test_a_pull_of_other_columns_or_dtypes_into_a_folder_is_refused_not_mixed(tmp_path: Path, first: dict) -> None:
    """Break-it 16, second pass: files of two column sets read back as one, 49 columns lost."""
    root = tmp_path / "calls"
    with Emulator(seed=0, progression="immediate") as emu, Client(**emu.credentials) as client, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        span = {"tz": "UTC", "client": client, "poll": FAST, "progress": False, "path": root, "ledger": False}
        write_parquet("calls", start=DAY, end=NEXT, **first, **span)
        jobs = emu.stats()["jobs_created"]
        option = next(iter(first))
        with pytest.raises(ValidationError, match=rf"{root} already holds another pull \({option}="):
            write_parquet("calls", start=DAY, end=AFTER, **span)
        assert emu.stats()["jobs_created"] == jobs  # refused before any job
        write_parquet("calls", start=DAY, end=AFTER, **first, **span)  # the same shape extends it
    back = pd.read_parquet(root)
    assert len(back) == emu.count_rows("calls", DAY, AFTER)  # every row once, in one schema
