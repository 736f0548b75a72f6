"""df.explore without sockets: frames with hand-built provenance, read_report replaced."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

import explore_pandas
from explore_pandas.exceptions import ExploreError, ValidationError
from explore_pandas.notebook.accessor import ExploreAccessor, NotFromExploreError

LISBON = ZoneInfo("Europe/Lisbon")


def _meta(start: str = "2026-08-01T00:00:00+01:00", end: str = "2026-08-03T00:00:00+01:00",
          jobs: tuple[str, ...] = ("j1", "j2"), rows: int = 2, truncated: bool = False) -> dict[str, Any]:
    bounds = [start, "2026-08-02T00:00:00+01:00", end] if len(jobs) == 2 else [start, end]
    windows = [
        {"start": a, "end": b, "job_id": j, "rows": 1, "total": None, "truncated": truncated and i == 0}
        for i, (a, b, j) in enumerate(zip(bounds, bounds[1:], jobs))
    ]
    return {
        "report": "calls", "timezone": "Europe/Lisbon", "format": "json", "start": start, "end": end,
        "on_row_limit": "split", "jobs": list(jobs), "windows": windows, "rows": rows,
        "truncated": truncated, "peak_concurrency": 2, "rate_limited": 0,
    }


def _frame(meta: dict[str, Any] | None = None) -> pd.DataFrame:
    df = pd.DataFrame({
        "call_id": ["a", "b"],
        "end_at": pd.to_datetime(["2026-08-01 10:00", "2026-08-02 11:00"]).tz_localize("Europe/Lisbon"),
        "start_at": pd.to_datetime(["2026-08-01 09:59", "2026-08-02 10:58"]).tz_localize("UTC"),
        "naive": pd.to_datetime(["2026-08-01", "2026-08-02"]),
        "talk_seconds": [12, 34],
    })
    df.attrs["explore"] = meta if meta is not None else _meta()
    return df


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Replaces read_report: records each call and answers with the following day."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def fake(report: str, **options: Any) -> pd.DataFrame:
        seen.append((report, options))
        start, end = (pd.Timestamp(options[k]) for k in ("start", "end"))
        start, end = (t.tz_localize("Europe/Lisbon") if t.tz is None else t.tz_convert("Europe/Lisbon")
                      for t in (start, end))
        df = pd.DataFrame({
            "call_id": ["c"],
            "end_at": pd.DatetimeIndex([start + pd.Timedelta(hours=1)]),
            "start_at": pd.DatetimeIndex([start.tz_convert("UTC")]),
            "naive": pd.to_datetime(["2026-08-03"]),
            "talk_seconds": [56],
        })
        df.attrs["explore"] = {
            **_meta(start.isoformat(), end.isoformat(), jobs=("j3",), rows=1),
            "peak_concurrency": 1, "rate_limited": 3,
        }
        return df

    monkeypatch.setattr("explore_pandas.engines.read.read_report", fake)
    return seen


def test_the_accessor_is_registered_without_importing_pandas() -> None:
    code = (
        "import sys, explore_pandas\n"
        "assert 'pandas' not in sys.modules, 'import explore_pandas imported pandas'\n"
        "import pandas as pd\n"
        "assert pd.DataFrame.explore.__name__ == 'ExploreAccessor'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert pd.DataFrame.explore is ExploreAccessor  # pandas was loaded first here: registered at once


def test_provenance_properties_read_attrs() -> None:
    df = _frame()
    assert df.explore.timezone == "Europe/Lisbon"
    assert df.explore.report_type.slug == "calls" and df.explore.report_type.display_name == "Calls"
    assert df.explore.truncated is False
    start, end = df.explore.timespan
    assert start == pd.Timestamp("2026-08-01", tz="Europe/Lisbon") and str(end.tz) == "Europe/Lisbon"
    jobs = df.explore.jobs
    assert jobs["job_id"].tolist() == ["j1", "j2"] and jobs["rows"].tolist() == [1, 1]
    assert str(jobs["start"].dtype).endswith("Europe/Lisbon]")
    assert df.explore.provenance == df.attrs["explore"] and df.explore.provenance is not df.attrs["explore"]


def test_provenance_survives_slicing_and_pickling() -> None:
    df = _frame(_meta(truncated=True))
    assert df[df["talk_seconds"] > 20].explore.truncated is True
    assert pickle.loads(pickle.dumps(df)).explore.jobs["job_id"].tolist() == ["j1", "j2"]


@pytest.mark.parametrize("member", ["jobs", "report_type", "timespan", "timezone", "truncated", "provenance"])
def test_a_frame_not_from_explore_says_so(member: str) -> None:
    df = pd.DataFrame({"x": [1]})
    with pytest.raises(NotFromExploreError, match=r"did not come from explore_pandas: use pd\.DataFrame\.explore\.read"):
        getattr(df.explore, member)
    assert getattr(df.explore, member, "absent") == "absent"  # an AttributeError, as pandas asks


def test_the_not_from_explore_error_is_both_kinds_and_pickles() -> None:
    assert issubclass(NotFromExploreError, AttributeError) and issubclass(NotFromExploreError, ExploreError)
    error = pickle.loads(pickle.dumps(NotFromExploreError("m")))
    assert isinstance(error, NotFromExploreError) and str(error) == "m"
    for method in ("refresh", "extend"):
        with pytest.raises(NotFromExploreError):
            getattr(pd.DataFrame({"x": [1]}).explore, method)(**({"end": "2026-09-01"} if method == "extend" else {}))


def test_read_on_the_class_delegates_to_read_report(calls: list[Any]) -> None:
    df = pd.DataFrame.explore.read("calls", start="2026-08-03", end="2026-08-04", tz="Europe/Lisbon", progress=False)
    assert calls == [("calls", {"start": "2026-08-03", "end": "2026-08-04", "tz": "Europe/Lisbon", "progress": False})]
    assert df.explore.jobs["job_id"].tolist() == ["j3"]


def test_refresh_repeats_the_request_and_leaves_the_frame(calls: list[Any]) -> None:
    df = _frame()
    before = df.copy(deep=True)
    fresh = df.explore.refresh(progress=False)
    report, options = calls[0]
    assert report == "calls" and options == {
        "start": "2026-08-01T00:00:00+01:00", "end": "2026-08-03T00:00:00+01:00", "tz": "Europe/Lisbon",
        "format": "json", "on_row_limit": "split", "fresh": True, "progress": False,
    }
    assert fresh is not df and fresh.explore.jobs["job_id"].tolist() == ["j3"]
    pd.testing.assert_frame_equal(df, before)
    assert df.attrs == before.attrs


def test_extend_fetches_from_the_frame_end_and_merges(calls: list[Any]) -> None:
    df = _frame()
    before = df.copy(deep=True)
    longer = df.explore.extend(end=datetime(2026, 8, 4, tzinfo=LISBON), progress=False)
    _, options = calls[0]
    assert options["start"] == datetime(2026, 8, 3, tzinfo=LISBON) and options["end"] == datetime(2026, 8, 4, tzinfo=LISBON)
    assert options["tz"] == "Europe/Lisbon" and options["format"] == "json" and options["on_row_limit"] == "split"
    assert longer["call_id"].tolist() == ["a", "b", "c"] and longer.index.tolist() == [0, 1, 2]
    assert longer.dtypes.equals(df.dtypes)
    meta = longer.attrs["explore"]
    assert meta["jobs"] == ["j1", "j2", "j3"] and meta["rows"] == 3
    assert meta["start"] == "2026-08-01T00:00:00+01:00" and meta["end"] == "2026-08-04T00:00:00+01:00"
    assert [w["end"] for w in meta["windows"]][:-1] == [w["start"] for w in meta["windows"]][1:]  # contiguous
    assert meta["peak_concurrency"] == 2 and meta["rate_limited"] == 3
    json.dumps(longer.attrs)
    pd.testing.assert_frame_equal(df, before)
    assert df.attrs == before.attrs


def test_extend_refuses_an_end_not_after_the_frame(calls: list[Any]) -> None:
    with pytest.raises(ValidationError, match="not after this frame's end") as raised:
        _frame().explore.extend(end="2026-08-02")
    assert raised.value.fields[0]["name"] == "end" and calls == []


def test_to_timezone_converts_every_aware_column_in_a_new_frame() -> None:
    df = _frame()
    before = df.copy(deep=True)
    ny = df.explore.to_timezone("America/New_York")
    unit = df["end_at"].dt.unit  # "us" (pandas 3 parses the fixture's strings to us), "ns" before
    assert str(ny["end_at"].dtype) == str(ny["start_at"].dtype) == f"datetime64[{unit}, America/New_York]"
    assert (ny["end_at"] == df["end_at"]).all()  # same instants
    assert ny["naive"].dtype == df["naive"].dtype and ny["talk_seconds"].tolist() == [12, 34]
    meta = ny.attrs["explore"]
    assert meta["timezone"] == "America/New_York" and ny.explore.timezone == "America/New_York"
    assert meta["start"] == "2026-07-31T19:00:00-04:00" and meta["windows"][0]["start"] == "2026-07-31T19:00:00-04:00"
    json.dumps(ny.attrs)
    pd.testing.assert_frame_equal(df, before)
    assert df.attrs == before.attrs and df.explore.timezone == "Europe/Lisbon"


def test_to_timezone_works_on_any_frame_and_its_index() -> None:
    index = pd.DatetimeIndex(["2026-08-01 12:00"], tz="UTC", name="at")
    df = pd.DataFrame({"x": [1]}, index=index)
    tokyo = df.explore.to_timezone("Asia/Tokyo")
    assert str(tokyo.index.tz) == "Asia/Tokyo" and tokyo.index[0].hour == 21 and tokyo.attrs == {}
    with pytest.raises(ValidationError, match="IANA"):
        df.explore.to_timezone("Mars/Olympus")


def test_the_public_name_of_the_accessor() -> None:
    assert "ReportForm" in explore_pandas.__all__


def _next_day_with(monkeypatch: pytest.MonkeyPatch, **columns: Any) -> None:
    """read_report answers with one call of 2026-08-03 holding ``columns``."""
    def fake(report: str, **options: Any) -> pd.DataFrame:
        end_at = pd.DatetimeIndex([pd.Timestamp("2026-08-03 01:00", tz="Europe/Lisbon")]).as_unit("us")  # as parsed
        df = pd.DataFrame({"call_id": ["c"], "end_at": end_at,
                           **columns})
        df.attrs["explore"] = _meta("2026-08-03T00:00:00+01:00", "2026-08-04T00:00:00+01:00", jobs=("j3",), rows=1)
        return df

    monkeypatch.setattr("explore_pandas.engines.read.read_report", fake)


def test_extend_keeps_a_categorical_when_new_days_bring_new_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    _next_day_with(monkeypatch, type=pd.Categorical(["voicemail"]))
    df = _frame()[["call_id", "end_at"]].assign(type=pd.Categorical(["outbound", "inbound"]))
    df.attrs["explore"] = _meta()
    longer = df.explore.extend(end="2026-08-04")
    assert isinstance(longer["type"].dtype, pd.CategoricalDtype)  # pd.concat alone would give plain strings
    assert longer["type"].tolist() == ["outbound", "inbound", "voicemail"]
    assert list(longer["type"].cat.categories) == ["inbound", "outbound", "voicemail"]


def test_a_frame_indexed_by_its_time_column_stays_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # what engine="dask" computes to: indexed by the time column, rows and job ids unknown
    _next_day_with(monkeypatch)
    meta = {**_meta(jobs=()), "engine": "dask", "rows": None, "jobs": []}
    df = _frame()[["call_id", "end_at"]].set_index("end_at")
    df.index = df.index.as_unit("us")  # as parsed files are (pandas 2 parses the fixture's strings to ns)
    df.attrs["explore"] = meta
    longer = df.explore.extend(end="2026-08-04")
    assert longer.index.name == "end_at" and list(longer.columns) == ["call_id"]
    assert longer["call_id"].tolist() == ["a", "b", "c"]
    assert longer.index.is_monotonic_increasing and str(longer.index.tz) == "Europe/Lisbon"
    merged = longer.attrs["explore"]
    assert merged["rows"] is None and "engine" not in merged  # unknown rows stay unknown; two engines
    assert df.explore.refresh().index.name == "end_at"


def test_repr_is_the_provenance_summary() -> None:
    assert repr(_frame().explore) == (
        "explore: calls 2026-08-01 .. 2026-08-03 Europe/Lisbon (end exclusive), format json\n"
        "  2 windows, 2 jobs, 2 rows, truncated: no\n"
        "  df.explore.jobs (per job), .refresh() (new jobs), .extend(end=...) (what follows)")
    one = _frame(_meta(start="2026-08-01T06:00:00+01:00", end="2026-08-01T18:00:00+01:00", jobs=("j1",), rows=1,
                       truncated=True))
    text = repr(one.explore)
    assert text.startswith("explore: calls 2026-08-01 06:00 .. 2026-08-01 18:00 Europe/Lisbon")
    assert "1 window, 1 job, 1 row, truncated: yes" in text


def test_repr_of_a_frame_not_from_explore_says_so_without_raising() -> None:
    assert "did not come from explore_pandas" in repr(pd.DataFrame({"a": [1]}).explore)
