"""Property: the windows of a pull, as the API reads them, tile [start, end) exactly.

tests/unit/test_windows.py checks ``plan_windows`` on aware datetimes. The API never
sees those: it gets each window as naive wall times plus the zone
(``ReportRequest.to_body``). Here each window's body is read back with the
emulator's own parser (``emulator.rules.parse_instant``, what the emulator
enforces), across many zones with daylight saving, including zones whose clocks
change at midnight: consecutive windows meet exactly, the first starts at the
range's start and the last ends at its end, every window is at most 744 hours as
the API measures it, and the API reads every bound as the instant the client meant.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explore_pandas.api.models import ReportRequest
from explore_pandas.exceptions import ValidationError
from explore_pandas.emulator.rules import MAX_SPAN, parse_instant
from explore_pandas.pulls.plan import plan_pull
from explore_pandas.reports import report_type

ZONES = ["Europe/Lisbon", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "America/Santiago",
         "America/Havana", "Asia/Beirut", "America/Asuncion", "Africa/Cairo", "Europe/Chisinau",
         "America/Nuuk", "Asia/Tehran", "Asia/Gaza", "Pacific/Norfolk"]
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
BASE = datetime(2019, 1, 1)


@settings(max_examples=150, deadline=None)
@given(zone=st.sampled_from(ZONES), offset=st.integers(0, 7 * 365 * 24), hours=st.integers(1, 200 * 24),
       minute=st.sampled_from([0, 0, 30, 59]))
def test_windows_on_the_wire_tile_the_range(zone: str, offset: int, hours: int, minute: int) -> None:
    start_wall = BASE + timedelta(hours=offset, minutes=minute)
    _check(zone, start_wall, start_wall + timedelta(hours=hours))


def _in_gap(wall: datetime, tz: ZoneInfo) -> bool:
    """A wall time the clocks skip (refused, naming the gap: tests/unit/test_validation.py)."""
    return wall.replace(tzinfo=tz).astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) != wall


def _check(zone: str, start_wall: datetime, end_wall: datetime) -> None:
    if end_wall.replace(tzinfo=ZoneInfo(zone)) > NOW:
        return
    if _in_gap(start_wall, ZoneInfo(zone)) or _in_gap(end_wall, ZoneInfo(zone)):
        with pytest.raises(ValidationError, match="does not exist"):
            plan_pull("calls", start=start_wall.isoformat(), end=end_wall.isoformat(), tz=zone, now=NOW)
        return
    plan = plan_pull("calls", start=start_wall.isoformat(), end=end_wall.isoformat(), tz=zone, now=NOW)
    tz = ZoneInfo(zone)
    read = []
    for window in plan.windows:
        body = ReportRequest(report_type("calls"), window.start, window.end, zone, "csv", "w").to_body()
        begin = parse_instant(body["timespan"]["from"], tz)
        finish = parse_instant(body["timespan"]["to"], tz)
        assert begin is not None and finish is not None
        assert begin == window.start.astimezone(timezone.utc), (window, body)  # the API reads what we meant
        assert finish == window.end.astimezone(timezone.utc), (window, body)
        assert timedelta(0) < finish - begin <= MAX_SPAN, (window, body)
        read.append((begin, finish))
    assert read[0][0] == parse_instant(start_wall.isoformat(timespec="seconds"), tz)
    assert read[-1][1] == parse_instant(end_wall.isoformat(timespec="seconds"), tz)
    for (_, before), (after, _) in itertools.pairwise(read):
        assert before == after


@cache
def _change_days(zone: str) -> tuple[datetime, ...]:
    """Local dates (as naive midnights) on which the zone's UTC offset changes, 2019..2026."""
    tz = ZoneInfo(zone)
    days, moment = [], datetime(2019, 1, 1, tzinfo=timezone.utc)
    offset = moment.astimezone(tz).utcoffset()
    while moment < NOW:
        moment += timedelta(hours=1)
        local = moment.astimezone(tz)
        if local.utcoffset() != offset:
            offset = local.utcoffset()
            days.append(datetime(local.year, local.month, local.day))
    return tuple(days)


@settings(max_examples=150, deadline=None)
@given(zone=st.sampled_from(ZONES), pick=st.integers(0, 10**6), back=st.integers(0, 34),
       hours=st.integers(24, 100 * 24))
def test_window_cuts_on_days_the_clock_changes(zone: str, pick: int, back: int, hours: int) -> None:
    # ranges that start at (or a window's length before) a local midnight of a DST change day,
    # so that window cuts land on those days, in zones whose clocks change at midnight too
    days = _change_days(zone)
    start_wall = days[pick % len(days)] - timedelta(days=back)
    _check(zone, start_wall, start_wall + timedelta(hours=hours))
