"""IANA time zones: the one rule for which names are zones, shared by requests and files.

Membership in the IANA list, not "a file zoneinfo can open": the system's zone
folder also holds ``localtime``, ``posixrules``, ``posix/`` and ``right/`` copies,
which the API refuses.
"""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from explore_pandas.exceptions import ValidationError

__all__ = ["check_zone", "iana_names", "iana_zone", "timezone_names"]


@functools.lru_cache(maxsize=1)
def iana_names() -> frozenset[str]:
    """Every IANA time zone name (from tzdata or the system), without the system's ``localtime``."""
    return frozenset(available_timezones()) - {"localtime"}


@functools.lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name, sorted (the form's zone list)."""
    return tuple(sorted(iana_names()))


def iana_zone(name: object) -> ZoneInfo | None:
    """The ``ZoneInfo`` of an IANA name such as ``"Europe/Lisbon"`` (spaces around it ignored), else None."""
    if isinstance(name, ZoneInfo):
        return name
    if not isinstance(name, str) or name.strip() not in iana_names():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def check_zone(tz: object) -> ZoneInfo:
    """The ``ZoneInfo`` of an IANA name, or the `ValidationError` (field ``timezone``) that says
    how to name one: the one message for requests and files alike."""
    zone = iana_zone(tz)
    if zone is None:
        description = f"{tz!r} is not an IANA time zone"
        raise ValidationError(f"timezone: {description}. Use a name such as 'UTC', 'Europe/Lisbon' or "
                              "'America/New_York' (zoneinfo.available_timezones() lists them all).",
                              fields=[{"name": "timezone", "description": description}])
    return zone
