"""The rules of the reference page for a create request, as the emulator enforces them.

Status mapping follows ``explore-api.md`` section 11.5: every invalid body is a
400 whose ``fields`` names each offending field. Independent field problems are
reported together; the relations between ``from`` and ``to`` only once both parse.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from explore_pandas.emulator.errors import ApiFailure

FORMATS = ("csv", "json", "json_bulk")
DEFAULT_FORMAT = "csv"  # undocumented; the reference example uses csv (section 11.2)
MAX_NAME = 256
MAX_SPAN = timedelta(days=31)  # "greater than 31 days", measured as 31 x 24 h (section 11.5)

# Date-times as clients send them: 2019-08-24T14:15:22Z, ...22.312Z, ...22 (naive), ...22+01:00
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$"
)


@dataclass(frozen=True)
class CreateRequest:
    """A create body that passed every rule, with its timespan in UTC."""

    name: str
    timezone: str
    format: str
    timespan: dict[str, str]  # echoed unchanged in the job
    start: datetime
    end: datetime
    raw: dict[str, Any]


def parse_create(body: bytes, *, display_name: str, now: datetime) -> CreateRequest:
    """Check a create body against every documented rule; raise a 400 ApiFailure."""
    raw = _json_object(body)
    problems: list[dict[str, str]] = []

    def problem(name: str, description: str) -> None:
        problems.append({"name": name, "description": description})

    name = raw.get("name", display_name)
    if not isinstance(name, str):
        problem("name", "must be a string")
    elif len(name) > MAX_NAME:
        problem("name", f"must be at most {MAX_NAME} characters long, not {len(name)}")

    fmt = raw.get("format", DEFAULT_FORMAT)
    if fmt not in FORMATS:
        problem("format", f"must be one of {', '.join(FORMATS)}")

    tz_name = raw.get("timezone", "UTC")
    zone = _zone(tz_name)
    if zone is None:
        problem("timezone", "must be a timezone in IANA format, e.g. Europe/Lisbon")

    timespan = raw.get("timespan")
    start = end = None
    if not isinstance(timespan, dict):
        problem("timespan", "is required: an object with 'from' and 'to'")
    else:
        start = _instant(timespan, "from", zone or timezone.utc, problem)
        end = _instant(timespan, "to", zone or timezone.utc, problem)

    if start is not None and end is not None and zone is not None:
        if end <= start:
            problem("timespan.to", "must be after timespan.from")
        elif end - start > MAX_SPAN:
            problem("timespan.to", "must be at most 31 days after timespan.from")
    if end is not None and end > now:
        problem("timespan.to", "must not be in the future")

    if problems:
        raise ApiFailure(
            400,
            "invalid_report_request",
            "The report request is invalid: " + "; ".join(f"{p['name']} {p['description']}" for p in problems),
            message="Bad request",
            fields=problems,
        )
    assert start is not None and end is not None and isinstance(timespan, dict)
    return CreateRequest(
        name=name, timezone=tz_name, format=fmt, timespan=dict(timespan),
        start=start, end=end, raw=raw,
    )


def parse_instant(text: str, zone: Any) -> datetime | None:
    """An aware UTC datetime from an API date-time string; naive means wall time in ``zone``."""
    match = _DATETIME.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0").ljust(6, "0")[:6])
    try:
        wall = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro)
        if offset is None:
            return wall.replace(tzinfo=zone).astimezone(timezone.utc)
        if offset == "Z":
            return wall.replace(tzinfo=timezone.utc)
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:  # no such UTC offset
            return None
        sign = 1 if offset[0] == "+" else -1
        return (wall - sign * timedelta(hours=hours, minutes=minutes)).replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError):  # no such date, or outside what a datetime can hold
        return None


def _instant(timespan: dict[str, Any], key: str, zone: Any, problem: Any) -> datetime | None:
    name = f"timespan.{key}"
    if key not in timespan:
        problem(name, "is required")
        return None
    value = parse_instant(timespan[key], zone)
    if value is None:
        problem(name, "must be a date-time like 2019-08-24T14:15:22Z or 2019-08-24T14:15:22")
    return value


def _zone(name: Any) -> ZoneInfo | None:
    # Membership in the IANA list, not just "a file zoneinfo can open": that
    # would also accept names such as "localtime" or "posixrules".
    if not isinstance(name, str) or name not in _iana_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@functools.lru_cache(maxsize=1)
def _iana_names() -> frozenset[str]:
    # the system zoneinfo folder adds its "localtime" link, which is no IANA name
    return frozenset(available_timezones()) - {"localtime"}


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raw = None
    if not isinstance(raw, dict):
        raise ApiFailure(
            400,
            "invalid_request_body",
            "The request body must be a JSON object with a timespan",
            message="Bad request",
            fields=[{"name": "body", "description": "must be a JSON object"}],
        )
    return raw
