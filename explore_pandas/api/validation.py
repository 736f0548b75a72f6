"""Every rule of a create request, checked before anything is sent.

Pure functions: time comes in as ``now``. A failure raises
:class:`~explore_pandas.exceptions.ValidationError` whose ``fields`` has the
shape of the API's 400 body (``[{"name": "timespan.to", "description": ...}]``)
and whose message says how to fix the call.
"""

from __future__ import annotations

import re
import uuid
import warnings
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Union, cast
from zoneinfo import ZoneInfo

from explore_pandas.api.models import ReportRequest
from explore_pandas.exceptions import DataLatencyWarning, ValidationError
from explore_pandas.frames.checks import check_format  # one rule for requests and files
from explore_pandas.reports import ReportType, report_type
from explore_pandas.spec import DATA_LATENCY, MAX_SPAN
from explore_pandas.zones import check_zone, iana_names

__all__ = [
    "DATE_ADVICE",
    "MAX_NAME_LENGTH",
    "TimeLike",
    "build_request",
    "check_format",
    "check_name",
    "check_timespan",
    "check_timezone",
    "default_name",
    "infer_timezone",
    "latest_end",
    "local_midnight",
    "to_zone",
]

MAX_NAME_LENGTH = 256

TimeLike = Union[str, date, datetime]  # pandas.Timestamp is a datetime
#: What a bound may be, said in Python (the command line says it in its own words).
DATE_ADVICE = ("Use an ISO 8601 string such as '2026-08-01' or '2026-08-01T09:30:00', "
               "a datetime.date, a datetime.datetime or a pandas.Timestamp.")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_FRACTION = re.compile(r"(\d{2}:\d{2}:\d{2})[.,](\d+)", re.ASCII)  # seconds and their decimal fraction


def _fail(field: str, description: str, fix: str) -> ValidationError:
    return ValidationError(
        f"{field}: {description}. {fix}", fields=[{"name": field, "description": description}]
    )


def check_timezone(tz: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name such as ``"Europe/Lisbon"`` (see `zones.check_zone`)."""
    return check_zone(tz)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``zone``.

    Where a daylight-saving jump skips midnight (the day starts at 01:00),
    wall time 00:00 with ``fold=0`` maps to the instant of the jump, which is
    that first instant.
    """
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc).astimezone(zone)


def check_name(name: str) -> str:
    """A job name of at most 256 characters."""
    if not isinstance(name, str) or not name.strip():
        raise _fail("name", "the name is empty", "Pass a short descriptive name, or none.")
    if len(name) > MAX_NAME_LENGTH:
        raise _fail(
            "name",
            f"the name has {len(name)} characters, more than {MAX_NAME_LENGTH}",
            f"Shorten it to {MAX_NAME_LENGTH} characters or fewer.",
        )
    return name


def to_zone(value: TimeLike, zone: ZoneInfo, field: str) -> datetime:
    """``value`` as an aware datetime in ``zone``, to whole seconds (floored).

    Naive values are wall times in ``zone``; aware values are converted to it; a
    date is local midnight (the first instant of the day, also where a
    daylight-saving jump skips 00:00); strings are ISO 8601 (``Z`` and offsets
    honoured).
    """
    parsed = _parse(value, field)
    if isinstance(parsed, date) and not isinstance(parsed, datetime):
        return local_midnight(parsed, zone)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=zone)
    else:
        parsed = parsed.astimezone(zone)
    return parsed.replace(microsecond=0)


def _parse(value: Any, field: str) -> datetime | date:
    """A datetime, or a date for a day; strings must be ISO 8601.

    Only ISO 8601: free-form parsers read "march" as year 1 and "05/06/2025"
    month-first without a word, and a wrong bound silently asks for the wrong rows.
    """
    if isinstance(value, datetime):
        if value != value:  # pandas.NaT is a datetime that is not equal to itself
            raise _fail(field, "the time is missing (NaT)", "Pass a date or a date-time.")
        if hasattr(value, "to_pydatetime"):  # pandas.Timestamp: drop nanoseconds safely
            value = value.to_pydatetime(warn=False)
        return cast(datetime, value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):  # Python 3.10's fromisoformat does not read "Z"
            text = text[:-1] + "+00:00"
        # nor a fraction of other than 3 or 6 digits ("09:30:15.9"): pad or cut it to 6
        text = _FRACTION.sub(lambda m: f"{m[1]}.{m[2][:6]:0<6}", text)
        try:
            return date.fromisoformat(text) if _DATE_ONLY.match(text) else datetime.fromisoformat(text)
        except ValueError:
            pass
    raise _fail(field, f"cannot read {value!r} as a date or date-time", DATE_ADVICE)


def check_timespan(
    start: TimeLike,
    end: TimeLike,
    zone: ZoneInfo,
    *,
    now: datetime,
    warn: bool = True,
    max_span: timedelta | None = MAX_SPAN,
) -> tuple[datetime, datetime]:
    """``(start, end)`` in ``zone`` after every rule on the window.

    ``end`` is exclusive, after ``start``, not in the future, and at most
    ``max_span`` (744 hours, 31 days) after ``start``; ``max_span=None`` skips
    that rule, for a range that is split into windows. An ``end`` within the
    last 5 minutes warns with :class:`DataLatencyWarning` (the newest rows may
    not be there yet).
    """
    begin = to_zone(start, zone, "timespan.from")
    finish = to_zone(end, zone, "timespan.to")
    for field, value in (("timespan.from", begin), ("timespan.to", finish)):
        _check_unambiguous(value, field)
        _check_exists(value, field)
    # Compare in UTC: aware datetimes sharing one tzinfo compare by wall time.
    begin_utc, finish_utc = begin.astimezone(timezone.utc), finish.astimezone(timezone.utc)
    now_utc = (now if now.tzinfo else now.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    now_local = now_utc.astimezone(zone).replace(microsecond=0)
    if finish_utc <= begin_utc:
        raise _fail(
            "timespan.to",
            f"end {_show(finish)} is not after start {_show(begin)}",
            "Swap them, or pass an end later than the start (the end is exclusive).",
        )
    if finish_utc > now_utc:
        raise _fail("timespan.to", f"end {_show(finish)} is in the future (now is {_show(now_local)})",
                    _future_fix(begin_utc, now_utc, zone))
    if max_span is not None and finish_utc - begin_utc > max_span:
        hours = (finish_utc - begin_utc) / timedelta(hours=1)
        raise _fail(
            "timespan.to",
            f"the window is {hours:g} hours long, more than 31 days (744 hours)",
            "Split it into windows of at most 31 days (read_report does this for you), "
            f"e.g. end before {_show((begin_utc + MAX_SPAN).astimezone(zone))}.",
        )
    if warn and now_utc - finish_utc < DATA_LATENCY:
        warnings.warn(
            f"end {_show(finish)} is within the API's 5-minute data latency: the last "
            "minutes may be incomplete. Pass an end at least 5 minutes ago for complete data.",
            DataLatencyWarning,
            stacklevel=3,
        )
    return begin, finish


def latest_end(now: datetime, zone: ZoneInfo) -> datetime:
    """The latest end worth suggesting: the data latency (5 minutes) before ``now``, to the minute, in ``zone``.

    The margin also absorbs a few minutes of difference between this machine's
    clock and the server's, which refuses ends in its own future.
    """
    # In UTC: arithmetic on a datetime aware in a ZoneInfo is wall-clock arithmetic, which is an
    # hour off in the hour after a clock change.
    utc = (now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    return (utc - DATA_LATENCY).replace(second=0, microsecond=0).astimezone(zone)


def _future_fix(begin_utc: datetime, now_utc: datetime, zone: ZoneInfo) -> str:
    """Advice for a future end that agrees with the start: never an end before it."""
    latest = latest_end(now_utc, zone)
    if begin_utc < latest:
        return (f"The API refuses future ends, and the last 5 minutes may be incomplete: pass "
                f"end='{latest:%Y-%m-%dT%H:%M:%S}' or earlier.")
    return (f"The start {_show(begin_utc.astimezone(zone))} is not in the past either: the API holds data up to "
            f"5 minutes ago, so the range must end by {latest:%Y-%m-%dT%H:%M:%S} and start before that, "
            f"e.g. start='{latest - timedelta(days=1):%Y-%m-%dT%H:%M:%S}', end='{latest:%Y-%m-%dT%H:%M:%S}'.")


def infer_timezone(tz: str | None, start: Any, end: Any) -> str:
    """The request zone: ``tz`` when given; else the zone of the aware bounds; else UTC.

    ``start=pd.Timestamp("2026-11-20", tz="America/New_York")`` without ``tz``
    asks in New York time, and the datetime columns come in it; a naive other
    bound is a wall time in that zone too. Bounds aware in two zones do not say
    which zone the columns should use: pass ``tz``; nor does a fixed UTC offset
    (``"...+01:00"``) beside a naive bound, which then has no zone: pass ``tz``.
    """
    if tz is not None:
        return tz
    zones = [_zone_name(value) for value in (start, end)]
    if zones[0] is not None and zones[1] is not None and zones[0] != zones[1]:
        raise _fail("timezone", f"start is in {zones[0]} and end in {zones[1]}",
                    f"Pass tz= to say which zone the request and the datetime columns use, e.g. tz='{zones[0]}'.")
    named = zones[0] or zones[1]
    if named is not None:  # the other bound is naive (a wall time in that zone) or an exact instant
        return named
    offsets = [_offset(value) for value in (start, end)]
    if (offsets[0] is None) != (offsets[1] is None):  # a fixed offset beside a wall time of no zone
        aware, naive = ("start", "end") if offsets[0] is not None else ("end", "start")
        raise _fail("timezone", f"{aware} has a UTC offset ({offsets[0] or offsets[1]}) and {naive} has none",
                    f"Pass tz= to say in which zone {naive} is a wall time (and the datetime columns' zone), "
                    "e.g. tz='UTC', or give both bounds with an offset.")
    return "UTC"


def _aware(value: Any) -> datetime | None:
    """``value`` as a datetime when it is aware (an ISO string with ``Z`` or an offset too), else None."""
    if isinstance(value, str):
        try:
            value = _parse(value, "")
        except ValidationError:
            return None  # said with its field when the bound is read
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        return None
    return value


def _offset(value: Any) -> str | None:
    """An aware bound's UTC offset, ``+01:00``; None when naive."""
    aware = _aware(value)
    return None if aware is None else aware.strftime("%z")[:3] + ":" + aware.strftime("%z")[3:]


def _zone_name(value: Any) -> str | None:
    """The IANA name of an aware bound's zone (``UTC`` for fixed UTC); None when naive or a fixed offset."""
    value = _aware(value)
    if value is None:
        return None
    zone = value.tzinfo
    key = getattr(zone, "key", None) or getattr(zone, "zone", None)  # zoneinfo, or pytz if a user has it
    if isinstance(key, str) and key in iana_names():
        return key
    if value.utcoffset() == timedelta(0) and str(zone) in ("UTC", "UTC+00:00"):
        return "UTC"
    return None


def _check_unambiguous(value: datetime, field: str) -> None:
    """Refuse the second pass of a repeated hour: the API takes wall times, and reads the first."""
    if value.fold == 1 and value.replace(fold=0).utcoffset() != value.utcoffset():
        raise _fail(
            field,
            f"{_show(value)} falls in the hour the clocks repeat (daylight saving ends), "
            "and the API, which takes wall times, would read the first pass of that hour",
            "Pick a time outside that hour, or request the report in UTC.",
        )


def _check_exists(value: datetime, field: str) -> None:
    """Refuse a wall time the clocks skip (daylight saving starts): no instant has it."""
    same_instant = value.astimezone(timezone.utc).astimezone(value.tzinfo)
    if same_instant.replace(tzinfo=None) == value.replace(tzinfo=None):
        return
    jump = (value.replace(fold=1).utcoffset() or timedelta(0)) - (value.replace(fold=0).utcoffset() or timedelta(0))
    raise _fail(
        field,
        f"{_show(value)} does not exist: that day the clocks jump forward {_span(abs(jump))} around it "
        "(daylight saving starts)",
        f"Pick a time outside the gap, e.g. {same_instant:%Y-%m-%dT%H:%M:%S} (the instant it would be), "
        "or request the report in UTC.",
    )


def _span(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    return "1 hour" if minutes == 60 else f"{minutes // 60} h {minutes % 60} min" if minutes > 60 else f"{minutes} min"


def _show(value: datetime) -> str:
    return f"{value.replace(tzinfo=None, microsecond=0).isoformat()} {value.tzinfo}"  # isoformat pads year 999


def default_name(report: ReportType, start: datetime, end: datetime) -> str:
    """A unique job name, so a job created by a lost response can be found again."""
    return f"{report.display_name} {start:%Y-%m-%dT%H:%M:%S}..{end:%Y-%m-%dT%H:%M:%S} xp-{uuid.uuid4().hex[:12]}"


def build_request(
    report: str | ReportType,
    *,
    start: TimeLike,
    end: TimeLike,
    tz: str = "UTC",
    format: str = "csv",
    name: str | None = None,
    now: datetime | None = None,
    warn: bool = True,
) -> ReportRequest:
    """Validate every part of a create request and return it ready to send.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> req = build_request("Calls Report", start="2026-08-01", end="2026-08-02",
    ...                     tz="Europe/Lisbon", now=datetime(2026, 9, 1, tzinfo=timezone.utc))
    >>> req.to_body()["timespan"]
    {'from': '2026-08-01T00:00:00', 'to': '2026-08-02T00:00:00'}
    """
    kind = report_type(report)
    fmt = check_format(format)
    zone = check_timezone(tz)
    if name is not None:
        check_name(name)
    current = now if now is not None else datetime.now(timezone.utc)
    begin, finish = check_timespan(start, end, zone, now=current, warn=warn)
    return ReportRequest(
        report=kind,
        start=begin,
        end=finish,
        timezone=zone.key,
        format=fmt,
        name=name if name is not None else default_name(kind, begin, finish),
    )
