"""Files shaped like the published ones (tests/data, each documented in its README) read right."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from explore_pandas.frames.parsing import read_file

DATA = Path(__file__).resolve().parent.parent / "data"


def _listed() -> list[tuple[str, str, str, str]]:
    rows = []
    for line in (DATA / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and "." in cells[0] and cells[0] != "file":
            rows.append((cells[0], cells[1], cells[2], cells[3]))
    return rows


LISTED = _listed()


def test_every_data_file_is_listed_with_where_its_shape_is_documented() -> None:
    files = {p.name for p in DATA.iterdir() if p.name != "README.md"}
    assert files == {row[0] for row in LISTED}
    assert all("§" in row[3] for row in LISTED)


@pytest.mark.parametrize(("name", "report", "layout", "where"), LISTED, ids=[r[0] for r in LISTED])
def test_published_shape_reads_in_its_layout_without_drift(name: str, report: str, layout: str,
                                                            where: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no SchemaDriftWarning: the registry knows the shape
        df = read_file(DATA / name, report=report, tz="Europe/Lisbon")
    assert df.attrs["explore"]["layout"] == layout
    assert df.attrs["explore"]["report"] == report
    assert len(df) >= 1
    for column in df.columns:
        assert df[column].dtype != object or df[column].dropna().map(type).isin([list, str]).all(), column
        if df[column].dtype == "float64":
            assert df[column].dropna().map(lambda v: v != int(v)).any() or column.startswith(
                ("float_", "evaluation_")), f"{column} holds whole numbers as floats"


def test_calls_pre2026_types_every_column_of_its_layout() -> None:
    frames = [read_file(DATA / f"calls_pre2026.{ext}", report="calls") for ext in ("json", "csv")]
    for df in frames:
        assert str(df["talk_time"].dtype) == "timedelta64[us]"
        assert df["talk_time"][0] == pd.Timedelta(seconds=6)
        assert str(df["waiting_time"].dtype) == "timedelta64[us]"
        assert df["waiting_time"][0] == pd.Timedelta(seconds=5)
        assert df["agent_speed_to_answer"][0] == pd.Timedelta(seconds=4)
        assert df["in_business_hours?"].tolist()[:1] == [True]
        assert df["in_business_hours?"].dtype == df["transfer?"].dtype == "boolean"
        assert df["start_time"][0] == pd.Timestamp("2022-06-30 16:42:24", tz="UTC")
        assert df["rating"].dtype == "Int64"
    csv = frames[1]
    assert csv["interaction_id"][1] == "0042" and csv["ivr_options"][0] == "1,2,1"
    assert csv["talk_time"][1] == pd.Timedelta(hours=12)
    pd.testing.assert_frame_equal(frames[0], csv.iloc[:1], check_categorical=False)


def test_user_status_reporting_layout_has_no_ring_groups() -> None:
    explore = read_file(DATA / "user_status_explore.json", report="user_status")
    legacy = read_file(DATA / "user_status_reporting.json", report="user_status")
    assert "ring_groups" in explore and "ring_groups" not in legacy
    assert legacy["status_time"].tolist() == [14, 60] and legacy["status_time"].dtype == "Int64"
    assert legacy["is_user_active"].tolist() == [True, False]


def test_calls_v1_in_csv_and_json_agree() -> None:
    csv = read_file(DATA / "calls_v1.csv", report="calls", tz="America/New_York")
    json = read_file(DATA / "calls_v1.json", report="calls", tz="America/New_York")
    pd.testing.assert_frame_equal(csv, json)
    assert csv["user_voice_rating"].tolist() == [0]
