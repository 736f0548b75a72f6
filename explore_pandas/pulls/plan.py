"""A pull's plan: the request validated and cut into windows, before anything is sent.

The range is validated (:mod:`explore_pandas.api.validation`) and cut into
windows of at most 31 days at local midnights (:mod:`explore_pandas.pulls.windows`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone

from explore_pandas.api import presets, validation
from explore_pandas.exceptions import ValidationError
from explore_pandas.pulls.windows import Window, plan_windows
from explore_pandas.reports import ReportType, report_type

__all__ = ["MAX_JOBS", "NAME_PREFIX_LENGTH", "Plan", "allowing_jobs", "check_job_count", "check_name_prefix",
           "plan_pull"]

#: A pull of more windows (one report job each) than this is refused unless confirmed with
#: ``max_jobs``: 24 windows of at most 31 days are about two years, so a typo such as
#: start='2000-01-01' does not start some 300 jobs on the account.
MAX_JOBS = 24
#: What :func:`allowing_jobs` confirmed, for callers that reach :func:`plan_pull` through an engine.
_allowed: ContextVar[int | None] = ContextVar("explore_pandas_allowed_jobs", default=None)


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
    max_jobs: int | None = None,
) -> Plan:
    """Validate a pull of any length and cut it into windows; nothing is sent.

    Parameters are those of :func:`read_report`: the range is ``start`` and
    ``end``, or a preset ``last`` (``"7d"``, ``"last_month"``, ...: complete
    local days of ``tz``, see :mod:`explore_pandas.api.presets`). ``now`` fixes
    the clock the range is checked against (default: this machine's).
    ``max_jobs`` is how many windows (one report job each) the pull may take
    (default :data:`MAX_JOBS`, about two years): more is refused before any job.

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
        preset given together with ``start`` or ``end``, naming the field and the fix;
        a range of more than ``max_jobs`` windows, naming ``start`` and the confirmation.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> plan = plan_pull("calls", start="2026-08-01", end="2026-11-01", tz="Europe/Lisbon",
    ...                  now=datetime(2026, 11, 27, tzinfo=timezone.utc))
    >>> len(plan.windows)
    3
    """
    presets.check_range_arguments(start, end, last)
    limit = check_max_jobs(max_jobs if max_jobs is not None else _allowed.get())
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
    check_job_count(len(windows), begin, finish, zone.key, limit, field="last" if last is not None else "start")
    return Plan(kind, zone.key, fmt, name, begin, finish, tuple(windows))


def check_max_jobs(max_jobs: int | None) -> int:
    """``max_jobs``: a whole number of at least 1; None is :data:`MAX_JOBS`."""
    if max_jobs is None:
        return MAX_JOBS
    if isinstance(max_jobs, bool) or not isinstance(max_jobs, int) or max_jobs < 1:
        raise ValidationError(
            f"max_jobs: {max_jobs!r} is not a number of report jobs. Use a whole number of at least 1: "
            f"the most windows (one job each) the pull may take (default {MAX_JOBS}).",
            fields=[{"name": "max_jobs", "description": "at least 1"}])
    return max_jobs


def check_job_count(count: int, start: datetime, end: datetime, zone: str, max_jobs: int = MAX_JOBS,
                    *, field: str = "start") -> None:
    """Refuse a range of more than ``max_jobs`` windows before any job: a typo in a year costs hundreds."""
    if count <= max_jobs:
        return
    raise ValidationError(
        f"{field}: {_day(start)} .. {_day(end)} ({zone}) needs {count} report jobs (one per window of at most "
        f"31 days), more than the {max_jobs} a pull makes unless told (about {max_jobs} months). "
        f"Check the range, or pass max_jobs={count} to confirm.",
        fields=[{"name": field, "description": f"{count} jobs, more than max_jobs={max_jobs}"},
                {"name": "max_jobs", "description": f"pass {count} to confirm"}])


def _day(moment: datetime) -> str:
    wall = moment.replace(tzinfo=None, microsecond=0)  # isoformat pads year 999, strftime does not
    return wall.date().isoformat() if (wall.hour, wall.minute, wall.second) == (0, 0, 0) else wall.isoformat()


@contextmanager
def allowing_jobs(max_jobs: int | None) -> Iterator[None]:
    """Pulls planned inside take up to ``max_jobs`` windows (None: :data:`MAX_JOBS`).

    For a caller that reaches :func:`plan_pull` through an engine that has no
    ``max_jobs`` of its own (the command line's ``--max-jobs``).
    """
    token = _allowed.set(check_max_jobs(max_jobs))
    try:
        yield
    finally:
        _allowed.reset(token)


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
