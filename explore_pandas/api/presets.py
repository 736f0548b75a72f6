"""Range presets: ``last="7d"`` or ``last="last_month"`` as a ``(start, end)`` in a zone.

Presets are made of complete local days of the request zone: every bound is a
local midnight (:func:`~explore_pandas.api.validation.local_midnight`, so a
daylight-saving change inside or at the edge of the range costs nothing), and
a range that ends today ("today", "month_to_date") ends at the latest end the
API serves in full (:func:`~explore_pandas.api.validation.latest_end`).

Relative presets count back from today's local midnight: ``"7d"`` is the last
seven complete days (today excluded), ``"4w"`` the last 28, ``"3m"`` from the
same day of the month three months ago (the month's last day when that month
is shorter). Named presets are calendar ranges: ``"last_week"`` is the previous
Monday to Monday, ``"last_month"`` the previous calendar month.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from explore_pandas.api.validation import latest_end, local_midnight
from explore_pandas.exceptions import ValidationError

__all__ = ["NAMED_PRESETS", "PRESET_EXAMPLES", "canonical_preset", "check_range_arguments", "preset_range"]

#: The named presets, in the order a form lists them.
NAMED_PRESETS = ("today", "yesterday", "last_week", "last_month", "month_to_date")
#: What a form or ``--help`` offers: the named presets and a few relative ones.
PRESET_EXAMPLES = ("today", "yesterday", "7d", "last_week", "4w", "last_month", "month_to_date", "3m")
#: A relative preset: ASCII digits only ("٧d", Arabic-Indic seven, is not a preset), then d, w or m.
_RELATIVE = re.compile(r"^\s*([0-9]+)\s*([dwm])\s*$", re.IGNORECASE | re.ASCII)


def _fail(description: str) -> ValidationError:
    return ValidationError(
        f"last: {description}. Use a number of complete days, weeks or months ('1d', '7d', '4w', '3m') "
        f"or one of {', '.join(repr(n) for n in NAMED_PRESETS)}.",
        fields=[{"name": "last", "description": description}],
    )


def check_range_arguments(start: object, end: object, last: object) -> None:
    """Either ``last``, or both ``start`` and ``end``: never a mix, never neither."""
    if last is not None and (start is not None or end is not None):
        given = " and ".join(name for name, value in (("start", start), ("end", end)) if value is not None)
        raise ValidationError(
            f"last: a preset ({last!r}) says both ends of the range, and {given} was given too. "
            "Pass either last=, or start= and end=.",
            fields=[{"name": "last", "description": f"given together with {given}"}],
        )
    if last is None and (start is None or end is None):
        missing = " and ".join(name for name, value in (("start", start), ("end", end)) if value is None)
        field = "timespan.from" if start is None else "timespan.to"
        raise ValidationError(
            f"{field}: no {missing} given. Pass a start and an end (the end exclusive), "
            "or a preset such as last='7d' or last='last_month'.",
            fields=[{"name": field, "description": f"no {missing}"}],
        )


def canonical_preset(last: object) -> str:
    """``last`` as the presets are listed: a named one in lower case, a relative one as
    ``<count><unit>`` (``" 07D "`` -> ``"7d"``); :class:`ValidationError` naming ``last`` for
    anything :func:`preset_range` would refuse by its grammar.

    Examples
    --------
    >>> canonical_preset("2W"), canonical_preset("Last_Month")
    ('2w', 'last_month')
    """
    if not isinstance(last, str) or not last.strip():
        raise _fail(f"{last!r} is not a preset")
    preset = last.strip().lower()
    if preset in NAMED_PRESETS:
        return preset
    match = _RELATIVE.match(preset)
    if match is None:
        raise _fail(f"{last!r} is not a preset")
    if int(match[1]) < 1:
        raise _fail(f"{last!r} is empty")
    return f"{int(match[1])}{match[2].lower()}"


def preset_range(last: str, zone: ZoneInfo, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """``(start, end)`` of preset ``last`` in ``zone``, aware, end exclusive.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from zoneinfo import ZoneInfo
    >>> now = datetime(2026, 3, 30, 12, tzinfo=timezone.utc)
    >>> start, end = preset_range("7d", ZoneInfo("Europe/Lisbon"), now=now)
    >>> f"{start:%Y-%m-%d %H:%M%z} .. {end:%Y-%m-%d %H:%M%z}"
    '2026-03-23 00:00+0000 .. 2026-03-30 00:00+0100'
    """
    if not isinstance(last, str) or not last.strip():
        raise _fail(f"{last!r} is not a preset")
    current = (now if now is not None else datetime.now(timezone.utc))
    current = (current if current.tzinfo else current.replace(tzinfo=timezone.utc)).astimezone(zone)
    today = current.date()
    start_day, end_day = _days(last.strip().lower(), today)
    start = local_midnight(start_day, zone)
    if end_day is not None:
        return start, local_midnight(end_day, zone)
    end = latest_end(current, zone)  # "today", "month_to_date": up to what the API serves in full
    if end <= start:
        raise _fail(f"{last!r} is empty for another few minutes (the day began at "
                    f"{start:%Y-%m-%dT%H:%M} {zone.key} and the API serves data up to 5 minutes ago)")
    return start, end


def _days(preset: str, today: date) -> tuple[date, date | None]:
    """First day and end day (exclusive; None: up to now) of a preset, in local days."""
    if preset == "today":
        return today, None
    if preset == "yesterday":
        return today - timedelta(days=1), today
    if preset == "last_week":
        monday = today - timedelta(days=today.weekday())
        return monday - timedelta(days=7), monday
    if preset == "last_month":
        first = today.replace(day=1)
        return _months_before(first, 1), first
    if preset == "month_to_date":
        return today.replace(day=1), None
    match = _RELATIVE.match(preset)
    if match is None:
        raise _fail(f"{preset!r} is not a preset")
    count, unit = int(match[1]), match[2].lower()
    if count < 1:
        raise _fail(f"{preset!r} is empty")
    if unit == "m":
        return _months_before(today, count), today
    days = count * (7 if unit == "w" else 1)
    try:
        return today - timedelta(days=days), today
    except OverflowError:
        raise _fail(f"{preset!r} reaches before year 1") from None


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    if year < 1:
        raise _fail(f"{months} months reaches before year 1")
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))
