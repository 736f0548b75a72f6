"""Windows tile [start, end) exactly, at local midnights, each at most 31 x 24 h."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explore_pandas.api.validation import local_midnight
from explore_pandas.pulls.windows import Window, bisect, plan_windows
from explore_pandas.spec import MAX_SPAN

ZONES = [
    "UTC", "Europe/Lisbon", "America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe",
    "America/Santiago", "Asia/Kathmandu", "Pacific/Chatham", "America/Havana", "Africa/Casablanca",
    "Asia/Tehran", "Pacific/Apia",
]


def _check_tiling(windows: list[Window], start: datetime, end: datetime, zone: ZoneInfo) -> None:
    assert windows[0].start == start
    assert windows[-1].end == end
    for before, after in zip(windows, windows[1:]):
        assert before.end == after.start  # contiguous: no gap, no overlap
        cut = before.end.astimezone(zone)
        assert cut == local_midnight(cut.date(), zone), f"{cut} is not a local midnight"
    for window in windows:
        assert timedelta(0) < window.duration <= MAX_SPAN


@settings(max_examples=300, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 1, 1)),
    length=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=800)),
)
def test_windows_tile_the_span_at_local_midnights(zone_name: str, start: datetime, length: timedelta) -> None:
    zone = ZoneInfo(zone_name)
    begin = start.replace(tzinfo=zone)
    finish = (begin.astimezone(timezone.utc) + length).astimezone(zone)
    windows = plan_windows(begin, finish, zone_name)
    _check_tiling(windows, begin, finish, zone)
    # as few windows as the 31-day rule allows, give or take the midnight alignment
    assert len(windows) <= length / (MAX_SPAN - timedelta(days=1)) + 2


def test_a_fall_back_inside_31_local_days_ends_the_window_a_day_earlier() -> None:
    lisbon = ZoneInfo("Europe/Lisbon")  # clocks go back on 2026-10-25: that day lasts 25 h
    windows = plan_windows(datetime(2026, 10, 1, tzinfo=lisbon), datetime(2026, 12, 1, tzinfo=lisbon), "Europe/Lisbon")
    assert windows[0].end == datetime(2026, 10, 31, tzinfo=lisbon)
    assert windows[0].duration == timedelta(days=30, hours=1)


def test_a_spring_forward_window_keeps_31_local_days() -> None:
    new_york = ZoneInfo("America/New_York")  # 2026-03-08 lasts 23 h
    windows = plan_windows(datetime(2026, 3, 1, tzinfo=new_york), datetime(2026, 5, 1, tzinfo=new_york), "America/New_York")
    assert windows[0].end == datetime(2026, 4, 1, tzinfo=new_york)
    assert windows[0].duration == timedelta(days=30, hours=23)


def test_a_span_within_31_days_is_one_window() -> None:
    utc = ZoneInfo("UTC")
    start, end = datetime(2026, 1, 1, 13, tzinfo=utc), datetime(2026, 2, 1, 13, tzinfo=utc)
    assert plan_windows(start, end, "UTC") == [Window(start, end)]


def test_a_midnight_skipped_by_dst_cuts_at_the_first_instant_of_the_day() -> None:
    santiago = ZoneInfo("America/Santiago")  # 2026-09-06: 00:00 jumps to 01:00
    first = local_midnight(datetime(2026, 9, 6).date(), santiago)
    assert first.hour == 1 and first.utcoffset() == timedelta(hours=-3)


@pytest.mark.parametrize("bad", [
    lambda: plan_windows(datetime(2026, 1, 2), datetime(2026, 1, 3), "UTC"),
    lambda: plan_windows(datetime(2026, 1, 3, tzinfo=timezone.utc), datetime(2026, 1, 2, tzinfo=timezone.utc), "UTC"),
])
def test_bad_bounds_are_refused(bad) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        bad()


@settings(max_examples=200, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 1, 1)),
    length=st.timedeltas(min_value=timedelta(seconds=2), max_value=timedelta(days=31)),
)
def test_bisect_halves_tile_the_window(zone_name: str, start: datetime, length: timedelta) -> None:
    zone = ZoneInfo(zone_name)
    begin = start.replace(tzinfo=zone)
    window = Window(begin, (begin.astimezone(timezone.utc) + length).astimezone(zone))
    left, right = bisect(window)
    assert left.start == window.start and right.end == window.end and left.end == right.start
    # halves (a cut in the second pass of a repeated hour moves to the first pass)
    assert abs(left.duration - right.duration) <= timedelta(hours=2, seconds=2)
    assert left.duration > timedelta(0) and right.duration > timedelta(0)


def test_a_one_second_window_cannot_be_split() -> None:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(ValueError, match="too short"):
        bisect(Window(start, start + timedelta(seconds=1)))


def test_bisect_never_cuts_in_the_second_pass_of_a_repeated_hour() -> None:
    new_york = ZoneInfo("America/New_York")
    # a window whose midpoint is 06:30 UTC on 2025-11-02, i.e. the second 01:30 EST
    start = datetime(2025, 11, 2, 4, 30, tzinfo=timezone.utc)
    window = Window(start.astimezone(new_york), (start + timedelta(hours=4)).astimezone(new_york))
    left, right = bisect(window)
    assert left.end == right.start and left.start == window.start and right.end == window.end
    assert left.end.fold == 0 and left.end.utcoffset() == timedelta(hours=-4)  # the first 01:30, EDT
