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
    assert chart.startswith("<div class='xp-volume-chart' data-freq='day' data-bins='5'>")
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
        assert "rows per local day (Europe/Lisbon), 3 empty" in ax.get_title()
    finally:
        plt.close(ax.figure)
