"""A pull's plan: the request validated and cut into windows, before anything is sent.

The range is validated (:mod:`explore_pandas.api.validation`) and cut into
windows of at most 31 days at local midnights (:mod:`explore_pandas.pulls.windows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from explore_pandas.api import presets, validation
from explore_pandas.exceptions import ValidationError
from explore_pandas.pulls.windows import Window, plan_windows
from explore_pandas.reports import ReportType, report_type

__all__ = ["NAME_PREFIX_LENGTH", "Plan", "check_name_prefix", "plan_pull"]


@dataclass(frozen=True)
class Plan:
    """A validated pull: what to ask for, and the windows it takes."""

    report: ReportType
    timezone: str
    format: str
    name: str | None
    start: datetime
    end: datetime
    windows: tuple[Window, ...]


def plan_pull(
    report: str | ReportType,
    *,
    start: validation.TimeLike | None = None,
    end: validation.TimeLike | None = None,
    tz: str | None = None,
    format: str = "csv",
    name: str | None = None,
    now: datetime | None = None,
    last: str | None = None,
) -> Plan:
    """Validate a pull of any length and cut it into windows; nothing is sent.

    Parameters are those of :func:`read_report`: the range is ``start`` and
    ``end``, or a preset ``last`` (``"7d"``, ``"last_month"``, ...: complete
    local days of ``tz``, see :mod:`explore_pandas.api.presets`). ``now`` fixes
    the clock the range is checked against (default: this machine's).

    Returns
    -------
    Plan
        The report type, zone, format, name, the range as aware datetimes in
        the zone, and its windows (at most 31 days each, cut at local midnights).

    Raises
    ------
    ValidationError
        For an unknown report, zone or format, a bad name, or a range the API
        refuses (end before start, in the future), an unknown preset, or a
        preset given together with ``start`` or ``end``, naming the field and the fix.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> plan = plan_pull("calls", start="2026-08-01", end="2026-11-01", tz="Europe/Lisbon",
    ...                  now=datetime(2026, 11, 27, tzinfo=timezone.utc))
    >>> len(plan.windows)
    3
    """
    presets.check_range_arguments(start, end, last)
    kind = report_type(report)
    fmt = validation.check_format(format)
    zone = validation.check_timezone(validation.infer_timezone(tz, start, end))  # tz None: the bounds' zone, or UTC
    if name is not None:
        check_name_prefix(name)
    current = now if now is not None else datetime.now(timezone.utc)
    if last is not None:
        start, end = presets.preset_range(last, zone, now=current)
    assert start is not None and end is not None  # check_range_arguments
    begin, finish = validation.check_timespan(start, end, zone, now=current, max_span=None)
    windows = plan_windows(begin, finish, zone.key)
    return Plan(kind, zone.key, fmt, name, begin, finish, tuple(windows))


#: Each window's job is named "<name> YYYY-MM-DD": the prefix leaves room for the date.
NAME_PREFIX_LENGTH = validation.MAX_NAME_LENGTH - len(" YYYY-MM-DD")


def check_name_prefix(name: str) -> str:
    """A pull's ``name``: each window's job is called ``"<name> YYYY-MM-DD"`` (at most 256 characters)."""
    validation.check_name(name)
    if len(name) > NAME_PREFIX_LENGTH:
        raise ValidationError(
            f"name: {len(name)} characters is too long for a pull, whose jobs are named "
            f"'<name> YYYY-MM-DD' (the API allows 256). Keep it to {NAME_PREFIX_LENGTH} characters.",
            fields=[{"name": "name", "description": f"at most {NAME_PREFIX_LENGTH} characters"}],
        )
    return name
