"""The picture of a pull: rows per local day (per hour under 2 days), empty bins and truncated windows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from explore_pandas.notebook.volume import volume, volume_html

LISBON = ZoneInfo("Europe/Lisbon")


def _frame(times: list[str], start: str, end: str, *, truncated: tuple[str, str] | None = None,
           tz: str = "Europe/Lisbon") -> pd.DataFrame:
    zone = ZoneInfo(tz)
    df = pd.DataFrame({"call_id": [str(i) for i in range(len(times))],
                       "end_at": pd.DatetimeIndex(pd.to_datetime(times)).tz_localize(tz)})
    bounds = [datetime.fromisoformat(v).replace(tzinfo=zone).isoformat() for v in (start, end)]
    windows = [{"start": bounds[0], "end": bounds[1], "rows": len(times), "truncated": False}]
    if truncated is not None:
        cut = [datetime.fromisoformat(v).replace(tzinfo=zone).isoformat() for v in truncated]
        windows = [{"start": cut[0], "end": cut[1], "truncated": True}]
    df.attrs["explore"] = {"report": "calls", "timezone": tz, "start": bounds[0], "end": bounds[1],
                           "windows": windows}
    return df


def test_days_without_rows_are_bins_of_zero_over_the_whole_range() -> None:
    df = _frame(["2026-11-02 09:00", "2026-11-02 17:00", "2026-11-04 10:00"], "2026-11-01", "2026-11-06")
    counts = volume(df)
    assert counts.attrs["volume_freq"] == "day"
    assert [f"{d:%m-%d}" for d in counts.index] == ["11-01", "11-02", "11-03", "11-04", "11-05"]
    assert counts["rows"].tolist() == [0, 2, 0, 1, 0]  # empty first, middle and last days are there
    assert str(counts.index.tz) == "Europe/Lisbon" and not counts["truncated"].any()


def test_local_days_across_a_dst_change_count_by_local_midnight() -> None:
    # 2026-10-25 has 25 hours in Lisbon; 23:30 local on the 24th is 22:30 UTC, still the 24th
    df = _frame(["2026-10-24 23:30", "2026-10-25 00:30", "2026-10-25 23:59"], "2026-10-24", "2026-10-27")
    counts = volume(df)
    assert counts["rows"].tolist() == [1, 2, 0]
    assert [d.hour for d in counts.index] == [0, 0, 0]


@pytest.mark.parametrize(("day", "bins"), [("2026-10-25", 25), ("2026-03-29", 23), ("2026-11-20", 24)])
def test_under_two_days_it_counts_per_hour_dst_included(day: str, bins: int) -> None:
    end = (pd.Timestamp(day) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    df = _frame([f"{day} 09:15", f"{day} 09:45", f"{day} 13:00"], day, end)
    counts = volume(df)
    assert counts.attrs["volume_freq"] == "hour" and len(counts) == bins
    assert counts["rows"].sum() == 3 and counts["rows"].max() == 2
    assert counts.index.is_monotonic_increasing and counts.index.is_unique


def test_a_truncated_window_marks_its_days() -> None:
    df = _frame(["2026-11-02 09:00"], "2026-11-01", "2026-11-05", truncated=("2026-11-03", "2026-11-05"))
    assert volume(df)["truncated"].tolist() == [False, False, True, True]


def test_a_frame_without_provenance_uses_the_days_of_its_rows() -> None:
    df = _frame(["2026-11-02 09:00", "2026-11-04 10:00"], "2026-11-01", "2026-11-06")
    df.attrs = {}
    counts = volume(df)
    assert [f"{d:%m-%d}" for d in counts.index] == ["11-02", "11-03", "11-04"] and counts["rows"].tolist() == [1, 0, 1]


def test_the_html_chart_has_a_bar_per_bin_and_marks_empty_ones() -> None:
    df = _frame(["2026-11-02 09:00", "2026-11-02 17:00", "2026-11-04 10:00"], "2026-11-01", "2026-11-06",
                truncated=("2026-11-04", "2026-11-05"))
    chart = volume_html(volume(df))
    assert chart.startswith("<div class='xp-volume-chart' data-freq='day' data-bins='5' style='padding:4px 8px'>")
    assert chart.count("class='xp-volume-bar") == 5 and chart.count("xp-volume-empty") == 3
    assert chart.count("xp-volume-truncated") == 1 and "3 empty local days" in chart
    assert "2026-11-03 Tue: 0 rows" in chart


def test_plot_volume_draws_a_bar_per_bin_and_marks_empty_ones() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import explore_pandas  # noqa: F401  (registers df.explore)

    df = _frame(["2026-11-02 09:00", "2026-11-02 17:00", "2026-11-04 10:00"], "2026-11-01", "2026-11-06")
    ax = df.explore.plot_volume()
    try:
        assert [p.get_height() for p in ax.patches] == [0, 2, 0, 1, 0]
        assert len(ax.collections[0].get_offsets()) == 3  # the red marks of the empty days
        assert ax.get_title() == "calls: rows per local day of end_at (Europe/Lisbon), 3 empty (red x)"
    finally:
        plt.close(ax.figure)


@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import pyplot

    import explore_pandas  # noqa: F401  (registers df.explore)

    yield pyplot
    pyplot.close("all")


def test_bar_options_override_the_defaults(plt) -> None:
    df = _frame(["2026-11-02 09:00", "2026-11-02 17:00", "2026-11-04 10:00"], "2026-11-01", "2026-11-06")
    ax = df.explore.plot_volume(color="green", width=0.5, edgecolor="black")
    green = (0.0, 0.5019607843137255, 0.0, 1.0)
    assert {p.get_facecolor() for p in ax.patches} == {green}
    assert {round(p.get_width(), 6) for p in ax.patches} == {0.5}
    assert {p.get_edgecolor() for p in ax.patches} == {(0.0, 0.0, 0.0, 1.0)}


def _with_pre2026_calls(times: list[str]) -> pd.DataFrame:
    zone = "Europe/Lisbon"
    return pd.DataFrame({"interaction_id": [str(i) for i in range(len(times))], "call_type": "inbound",
                         "start_time": pd.DatetimeIndex(pd.to_datetime(times)).tz_localize(zone)
                         - pd.Timedelta(hours=2),
                         "end_time": pd.DatetimeIndex(pd.to_datetime(times)).tz_localize(zone)})


def test_a_frame_without_attrs_is_counted_by_its_reports_time_column(plt) -> None:
    # calls end 00:30 on the 2nd and started 22:30 the day before: by end_at (the report's time
    # column, as the pull's picture counts) they are the 2nd's, by start_at they would be the 1st's
    times = ["2026-11-02 00:30", "2026-11-02 01:00", "2026-11-04 10:00"]
    df = _frame(times, "2026-11-01", "2026-11-06")
    df.insert(1, "start_at", df["end_at"] - pd.Timedelta(hours=2))
    with_attrs = volume(df.loc[:, ["call_id", "start_at", "end_at"]])
    bare = df.copy()
    bare.attrs = {}
    counts = volume(bare)
    assert counts.attrs["report"] == "calls" and counts.attrs["time_column"] == "end_at"
    assert with_attrs.attrs["time_column"] == "end_at"
    assert with_attrs.loc[counts.index, "rows"].tolist() == counts["rows"].tolist()  # the same days, the same counts
    assert counts["rows"].tolist() == [2, 0, 1]  # the 2nd to the 4th: by end_at
    assert plt and bare.explore.plot_volume().get_title().startswith("calls: rows per local day of end_at ")
    assert "calls: rows per local day of end_at (Europe/Lisbon)" in volume_html(counts)
    # the older calls layout counts by its own time column, end_time
    old = volume(_with_pre2026_calls(times))
    assert old.attrs["time_column"] == "end_time" and old["rows"].tolist() == [2, 0, 1]


def test_a_naive_or_text_time_column_is_an_error_never_another_column() -> None:
    """Break-it 18.8: a calls frame whose end_at had lost its zone was counted by csat_survey_time."""
    df = _frame(["2026-11-02 09:00", "2026-11-02 10:00"], "2026-11-02", "2026-11-03")
    df["csat_survey_time"] = df["end_at"]
    df.attrs = {}
    for lost, fix in ((df["end_at"].dt.tz_localize(None), r"\.dt\.tz_localize\('UTC'\)"),
                      (df["end_at"].astype(str), r"pd\.to_datetime\(df\['end_at'\], utc=True\)")):
        with pytest.raises(ValueError, match=r"the calls report's time column 'end_at' is not timezone-aware .*"
                                             + fix):
            volume(df.assign(end_at=lost))


def test_pyarrow_timestamps_are_counted_in_their_zone() -> None:
    import pyarrow as pa

    df = _frame(["2026-11-02 00:30", "2026-11-04 10:00"], "2026-11-01", "2026-11-06")
    arrow = df.assign(end_at=df["end_at"].astype(pd.ArrowDtype(pa.timestamp("us", tz="Europe/Lisbon"))))
    assert volume(arrow)["rows"].tolist() == volume(df)["rows"].tolist() == [0, 1, 0, 1, 0]


def test_a_frame_of_no_known_report_says_which_column_it_counted() -> None:
    df = pd.DataFrame({"when": pd.DatetimeIndex(pd.to_datetime(["2026-11-02 09:00"])).tz_localize("UTC")})
    counts = volume(df)
    assert counts.attrs["report"] is None and counts.attrs["time_column"] == "when"
    assert "rows: rows per hour of when (UTC)" in volume_html(counts)


def test_quiet_hours_are_not_gaps_a_hole_in_a_busy_stretch_is() -> None:
    # a day of business hours: busy 08:00-19:59, nothing at night, and nothing at all 13:00-13:59
    times = [f"2026-11-20 {h:02d}:{m:02d}" for h in range(8, 20) if h != 13 for m in range(0, 60, 10)]
    df = _frame(times, "2026-11-20", "2026-11-21")
    counts = volume(df)
    empty = counts.index[counts["rows"] == 0]
    assert len(empty) == 13  # 12 night hours and the lunch hole
    assert counts.index[counts["gap"]].hour.tolist() == [13]  # only the hole between busy hours
    chart = volume_html(counts)
    assert chart.count("xp-volume-empty") == 1 and "1 empty hour<" in chart


@pytest.mark.parametrize("day", ["2026-10-25", "2026-03-29"])
def test_a_clock_change_at_night_flags_nothing(day: str) -> None:
    times = [f"{day} {h:02d}:{m:02d}" for h in range(8, 20) for m in range(0, 60, 10)]
    end = (pd.Timestamp(day) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    counts = volume(_frame(times, day, end))
    assert not counts["gap"].any() and "xp-volume-empty" not in volume_html(counts)


def test_every_empty_day_is_a_gap() -> None:
    df = _frame(["2026-11-02 09:00"], "2026-11-01", "2026-11-04")
    assert volume(df)["gap"].tolist() == [True, False, True]


def test_a_pull_across_the_calls_layouts_counts_each_row_by_its_own_time_column() -> None:
    """Rows of the pre-2026 layout have end_time, not end_at (break-it 16, third look: their days
    showed as empty gaps)."""
    v1 = _frame(["2026-11-02 09:00"], "2026-11-01", "2026-11-05")
    old = _with_pre2026_calls(["2026-11-03 09:00", "2026-11-04 10:00"])
    mixed = pd.concat([v1, old], ignore_index=True)
    mixed.attrs = v1.attrs
    counts = volume(mixed)
    assert counts["rows"].tolist() == [0, 1, 1, 1] and not counts["gap"].iloc[1:].any()
    assert counts.attrs["time_column"] == "end_at/end_time"
