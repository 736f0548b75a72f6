"""df.explore against the emulator: read, refresh and extend lose and repeat no row."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pytest

import explore_pandas  # noqa: F401  (registers df.explore)
from explore_pandas.api.client import Client
from explore_pandas.api.polling import PollPolicy
from explore_pandas.emulator import Emulator

FAST = PollPolicy(initial=0.02, maximum=0.1, timeout=60)
LISBON = ZoneInfo("Europe/Lisbon")


@pytest.fixture
def options(emu: Emulator) -> Iterator[dict[str, object]]:
    with Client(**emu.credentials, timeout=(5, 30)) as client:
        yield {"client": client, "poll": FAST, "progress": False}


def _ids(emu: Emulator, start: datetime, end: datetime) -> list[str]:
    return emu.truth("calls", start, end)["call_id"].astype(str).tolist()


def test_read_from_the_class_then_provenance(emu: Emulator, options: dict[str, object]) -> None:
    start, end = datetime(2026, 8, 1, tzinfo=LISBON), datetime(2026, 9, 15, tzinfo=LISBON)
    df = pd.DataFrame.explore.read("calls", start=start, end=end, tz="Europe/Lisbon", format="json_bulk", **options)
    assert df["call_id"].tolist() == _ids(emu, start, end)
    assert sorted(df.explore.jobs["job_id"]) == sorted(job["id"] for job in emu.jobs())
    assert df.explore.timespan == (pd.Timestamp(start), pd.Timestamp(end))
    assert df.explore.report_type.slug == "calls" and df.explore.timezone == "Europe/Lisbon"
    assert df.explore.truncated is False
    json.dumps(df.attrs)


def test_refresh_creates_new_jobs_for_the_same_rows(emu: Emulator, options: dict[str, object]) -> None:
    start, end = datetime(2026, 8, 1, tzinfo=LISBON), datetime(2026, 8, 5, tzinfo=LISBON)
    df = pd.DataFrame.explore.read("calls", start=start, end=end, tz="Europe/Lisbon", format="json", **options)
    attrs = json.dumps(df.attrs, sort_keys=True)
    again = df.explore.refresh(**options)
    assert len(emu.jobs()) == 2 and again.explore.jobs["job_id"].tolist() != df.explore.jobs["job_id"].tolist()
    assert emu.jobs()[1]["request"]["format"] == "json"  # the same request, format included
    assert again["call_id"].tolist() == df["call_id"].tolist()
    assert json.dumps(df.attrs, sort_keys=True) == attrs  # the first frame is untouched


def test_extend_has_no_duplicate_and_no_gap_at_the_seam(emu: Emulator, options: dict[str, object]) -> None:
    # the seam (Sep 1 00:00 Lisbon) falls inside a 31-day window of the longer request,
    # and the extension itself needs two windows
    start, seam, end = (datetime(2026, 8, 10, tzinfo=LISBON), datetime(2026, 9, 1, tzinfo=LISBON),
                        datetime(2026, 10, 20, tzinfo=LISBON))
    df = pd.DataFrame.explore.read("calls", start=start, end=seam, tz="Europe/Lisbon", **options)
    longer = df.explore.extend(end=end, **options)
    assert longer["call_id"].tolist() == _ids(emu, start, end)  # every row once, in time order
    assert longer["call_id"].is_unique and len(longer) == len(df) + len(_ids(emu, seam, end))
    assert longer.dtypes.equals(df.dtypes)
    meta = longer.attrs["explore"]
    assert meta["start"] == start.isoformat() and meta["end"] == end.isoformat()
    assert meta["rows"] == len(longer) and len(meta["jobs"]) == len(emu.jobs()) == 1 + 2
    for before, after in zip(meta["windows"], meta["windows"][1:]):
        assert before["end"] == after["start"]
    assert len(df) == meta["windows"][0]["rows"]  # the original frame was not extended in place
    json.dumps(longer.attrs)


def test_to_timezone_then_extend_asks_in_the_new_zone(emu: Emulator, options: dict[str, object]) -> None:
    start, seam = datetime(2026, 9, 1, tzinfo=LISBON), datetime(2026, 9, 3, tzinfo=LISBON)
    end = datetime(2026, 9, 5, tzinfo=LISBON)
    ny = pd.DataFrame.explore.read("calls", start=start, end=seam, tz="Europe/Lisbon", **options).explore.to_timezone(
        "America/New_York")
    longer = ny.explore.extend(end=end, **options)
    assert emu.jobs()[-1]["request"]["timezone"] == "America/New_York"
    assert str(longer["end_at"].dtype).endswith("America/New_York]")
    assert longer["call_id"].tolist() == _ids(emu, start, end)


def test_read_and_write_parquet_take_a_preset(emu: Emulator, options: dict[str, object], tmp_path) -> None:
    import explore_pandas as xp
    from explore_pandas.api.presets import preset_range

    start, end = preset_range("yesterday", LISBON)
    df = pd.DataFrame.explore.read("calls", last="yesterday", tz="Europe/Lisbon", **options)
    assert df["call_id"].tolist() == _ids(emu, start, end)
    assert df.explore.timespan == (pd.Timestamp(start), pd.Timestamp(end))
    assert df.explore.volume()["rows"].sum() == len(df) and len(df.explore.volume()) in (23, 24, 25)
    summary = xp.write_parquet("calls", last="yesterday", tz="Europe/Lisbon", path=tmp_path / "calls",
                               **{k: v for k, v in options.items() if k != "poll"})
    assert summary["rows"] == len(df)
    with pytest.raises(xp.ValidationError, match="either last="):
        pd.DataFrame.explore.read("calls", last="7d", end="2026-11-01", **options)


def test_extend_and_refresh_keep_the_frames_shape_and_equal_a_direct_pull(emu: Emulator,
                                                                          options: dict[str, object]) -> None:
    """columns, dtype_backend and dtype are part of the request (break-it 16.2: extend() gave 52
    columns and text timestamps, refresh() the default backend)."""
    start, seam, end = (datetime(2026, 8, 1, tzinfo=LISBON), datetime(2026, 8, 4, tzinfo=LISBON),
                        datetime(2026, 8, 6, tzinfo=LISBON))
    shape = {"dtype_backend": "pyarrow", "columns": ["start_at", "call_id", "talk_time", "user_name"],
             "dtype": {"talk_time": "float64[pyarrow]"}}
    df = pd.DataFrame.explore.read("calls", start=start, end=seam, tz="Europe/Lisbon", **shape, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no drift warning: the two parts are one shape
        longer = df.explore.extend(end=end, **options)
        again = df.explore.refresh(**options)
    direct = pd.DataFrame.explore.read("calls", start=start, end=end, tz="Europe/Lisbon", **shape, **options)
    assert list(longer.columns) == shape["columns"] and list(again.columns) == shape["columns"]
    assert longer["start_at"].dtype == pd.ArrowDtype(pa.timestamp("us", tz="Europe/Lisbon"))
    assert longer["talk_time"].dtype == "float64[pyarrow]" and again.dtypes.equals(df.dtypes)
    assert longer["call_id"].tolist() == direct["call_id"].tolist() == _ids(emu, start, end)
    for column in shape["columns"]:  # equal values; text encoding is each frame's own choice
        assert longer[column].astype(str).tolist() == direct[column].astype(str).tolist(), column


def test_to_timezone_converts_pyarrow_timestamps(emu: Emulator, options: dict[str, object]) -> None:
    start, end = datetime(2026, 9, 1, tzinfo=LISBON), datetime(2026, 9, 2, tzinfo=LISBON)
    df = pd.DataFrame.explore.read("calls", start=start, end=end, tz="Europe/Lisbon", dtype_backend="pyarrow",
                                   **options)
    ny = df.explore.to_timezone("America/New_York")
    assert ny["start_at"].dtype == pd.ArrowDtype(pa.timestamp("us", tz="America/New_York"))
    assert (ny["start_at"] == df["start_at"]).all()  # the same instants
    assert ny["start_at"].iloc[0].hour != df["start_at"].iloc[0].hour and ny.explore.timezone == "America/New_York"
