"""Split a time span into report windows the API accepts, and halve a window.

The API refuses a timespan longer than 31 days; the emulator (and, we assume,
the service) measures that as 31 x 24 hours of absolute time. Windows are cut
at local midnights of the request zone so that each holds whole local days
(except the first and last, which follow the user's bounds), and each is at
most 744 hours long: across a daylight-saving fall-back, 31 local days last
745 hours, so such a window ends one midnight earlier. ``from`` is inclusive
and ``to`` exclusive, so consecutive windows share a bound and a row can fall
in exactly one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import cast
from zoneinfo import ZoneInfo

from explore_pandas.api.validation import local_midnight
from explore_pandas.spec import MAX_SPAN


@dataclass(frozen=True)
class Window:
    """A half-open span [start, end) of aware datetimes in the request zone."""

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return _utc(self.end) - _utc(self.start)

    def __repr__(self) -> str:
        return f"Window({self.start.isoformat()} -> {self.end.isoformat()})"


def plan_windows(start: datetime, end: datetime, tz: str, *, max_span: timedelta = MAX_SPAN) -> list[Window]:
    """Cut [start, end) into contiguous windows of at most ``max_span``, at local midnights.

    Parameters
    ----------
    start, end : datetime
        Aware bounds, ``start < end``.
    tz : str
        IANA zone whose midnights are the cut points.
    max_span : timedelta
        Longest window in absolute time (31 days by default).

    Returns
    -------
    list of Window
        Non-empty, ordered, ``windows[i].end == windows[i + 1].start``, first
        start ``start``, last end ``end``.

    Examples
    --------
    >>> from datetime import datetime
    >>> from zoneinfo import ZoneInfo
    >>> lisbon = ZoneInfo("Europe/Lisbon")
    >>> windows = plan_windows(datetime(2026, 8, 1, tzinfo=lisbon), datetime(2026, 11, 1, tzinfo=lisbon), "Europe/Lisbon")
    >>> [(w.start.date().isoformat(), w.end.date().isoformat()) for w in windows]
    [('2026-08-01', '2026-09-01'), ('2026-09-01', '2026-10-02'), ('2026-10-02', '2026-11-01')]
    """
    zone = ZoneInfo(tz)
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("plan_windows needs aware datetimes")
    if not _utc(start) < _utc(end):
        raise ValueError("start must be before end")
    if max_span < timedelta(days=2):
        raise ValueError("max_span must be at least two days, so that a local midnight fits in each window")
    windows = []
    cursor = start.astimezone(zone)
    stop = end.astimezone(zone)
    while _utc(cursor) < _utc(stop):
        limit = _utc(cursor) + max_span
        if _utc(stop) <= limit:
            windows.append(Window(cursor, stop))
            break
        cut = _last_midnight_at_or_before(limit, zone)
        windows.append(Window(cursor, cut))
        cursor = cut
    return windows


def bisect(window: Window) -> tuple[Window, Window]:
    """Halve a window at its midpoint in absolute time (whole seconds).

    Used when a window reaches the 1,000,000-row limit: each half asks for
    about half the rows, and the halves still tile the window exactly.
    """
    zone = window.start.tzinfo
    half = (window.duration // 2)
    half -= timedelta(microseconds=half.microseconds)
    if half < timedelta(seconds=1):
        raise ValueError(f"{window!r} is too short to split further")
    middle = (_utc(window.start) + half).astimezone(zone)
    if middle.fold == 1 and middle.replace(fold=0).utcoffset() != middle.utcoffset():
        # The second pass of a repeated hour: the API reads wall times as the first
        # pass, so cut an hour earlier, where that wall time means what it says.
        # middle comes from astimezone(), so it is aware: utcoffset() is never None here.
        earlier = (_utc(middle) - (cast(timedelta, middle.replace(fold=0).utcoffset())
                                   - cast(timedelta, middle.utcoffset()))).astimezone(zone)
        if _utc(earlier) > _utc(window.start):
            middle = earlier
    return Window(window.start, middle), Window(middle, window.end)


def _last_midnight_at_or_before(limit: datetime, zone: ZoneInfo) -> datetime:
    day = limit.astimezone(zone).date()
    midnight = local_midnight(day, zone)
    while _utc(midnight) > limit:  # never in practice: a safety net for odd zone rules
        day -= timedelta(days=1)
        midnight = local_midnight(day, zone)
    return midnight


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)
