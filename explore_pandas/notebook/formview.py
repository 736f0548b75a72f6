"""The form's plain parts: input checks, the plan line, and the HTML it renders.

Everything here is a pure function of its arguments, tested without widgets;
:mod:`explore_pandas.notebook.widgets` composes them into the ``ReportForm``.
"""

from __future__ import annotations

import html
import os
import traceback
import warnings
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explore_pandas.api import validation
from explore_pandas.exceptions import ExploreError
from explore_pandas.frames.limits import ON_ROW_LIMIT
from explore_pandas.spec import ACCOUNT_QUOTA
from explore_pandas.zones import iana_zone, timezone_names

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.pulls.plan import Plan
    from explore_pandas.pulls.states import WindowState

#: The form's fields, in display order.
FIELDS = ("report", "name", "timezone", "start", "end", "format", "on_row_limit")
#: API / validation field names -> the form field that shows their message.
FIELD_OF = {
    "type": "report",
    "report": "report",
    "name": "name",
    "timezone": "timezone",
    "timespan.from": "start",
    "start": "start",
    "timespan.to": "end",
    "end": "end",
    "format": "format",
    "on_row_limit": "on_row_limit",
}
#: The labels of the on_row_limit choices (the values are PullOptions' own).
ROW_LIMIT_LABELS = {"warn": "warn: keep the rows that came", "split": "split the window and fetch again",
                    "raise": "raise an error"}
ROW_LIMIT_CHOICES = tuple((ROW_LIMIT_LABELS[value], value) for value in ON_ROW_LIMIT)
#: Window states after which nothing more happens to a window.
FINAL = ("parsed", "split", "failed", "canceled")
#: Seconds between two refreshes of the elapsed times while a run goes on.
TICK = 1.0


# -- plain functions (tested without widgets) --------------------------------------------------



def local_zone(environ: dict[str, str] | None = None, localtime: str = "/etc/localtime",
               timezone_file: str = "/etc/timezone") -> str:
    """This machine's IANA zone: ``$TZ``, the ``/etc/localtime`` link, ``/etc/timezone``, else UTC."""
    names = set(timezone_names())
    env = os.environ if environ is None else environ
    candidates = [env.get("TZ", "").lstrip(":")]
    try:
        target = os.path.realpath(localtime)
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    try:
        candidates.append(Path(timezone_file).read_text().strip())
    except OSError:
        pass
    for name in candidates:
        if name in names:
            return name
    return "UTC"


def check_inputs(
    report: str, name: str, tz: str, start: Any, end: Any, format: str, *, now: datetime,
) -> tuple[Plan | None, dict[str, str], list[str]]:
    """Check every field; ``(plan, errors, notices)``.

    ``errors`` maps a form field to what is wrong with it (every field is
    checked, not only the first bad one); ``plan`` is None unless all are
    fine; ``notices`` are warnings (an end within the API's data latency).
    """
    from explore_pandas.pulls.plan import plan_pull
    from explore_pandas.reports import report_type

    errors: dict[str, str] = {}

    def check(field: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except ExploreError as error:
            errors[field] = _describe(error)
            return None

    check("report", lambda: report_type(report))
    if name and name.strip():
        check("name", lambda: validation.check_name(name))
    check("format", lambda: validation.check_format(format))
    zone = check("timezone", lambda: validation.check_timezone(tz))
    if start is None:
        errors["start"] = "pick a start"
    if end is None:
        errors["end"] = "pick an end"
    if errors or zone is None:
        return None, errors, []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan = None
        try:
            plan = plan_pull(report, start=start, end=end, tz=zone.key, format=format,
                             name=name.strip() or None, now=now)
        except ExploreError as error:
            for item in getattr(error, "fields", None) or [{"name": "end", "description": str(error)}]:
                field = FIELD_OF.get(item.get("name", ""), "end")
                errors.setdefault(field, _describe(error))
    notices = [str(w.message) for w in caught]
    return (None if errors else plan), errors, notices


def _describe(error: BaseException) -> str:
    """A field message: the error's text, which names the field and says how to fix it."""
    text = str(error)
    for prefix in ("timespan.from: ", "timespan.to: ", "timezone: ", "format: ", "name: "):
        text = text.removeprefix(prefix)
    return text


def span_text(duration: timedelta) -> str:
    """``92 days``, ``1 day``, ``36 hours``, ``45 minutes``."""
    seconds = duration.total_seconds()
    if seconds >= 2 * 86400:
        days = seconds / 86400
        return f"{days:.0f} days" if abs(days - round(days)) < 0.05 else f"{days:.1f} days"
    if seconds >= 86400 and abs(seconds - 86400) < 3600:
        return "1 day"
    if seconds >= 3600:
        return f"{seconds / 3600:.0f} hours" if seconds % 3600 == 0 else f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.0f} minutes"


def plan_line(plan: Plan, max_concurrency: int | None = None) -> str:
    """What a run will do: ``92 days: 3 jobs, run 3 at a time``."""

    jobs = len(plan.windows)
    at_once = min(jobs, max_concurrency or ACCOUNT_QUOTA)
    span = plan.end.astimezone(timezone.utc) - plan.start.astimezone(timezone.utc)
    return f"{span_text(span)}: {jobs} job{'s' if jobs != 1 else ''}, run {at_once} at a time"


def elapsed_text(state: WindowState, now: float) -> str:
    if state.started is None:
        return ""
    end = state.finished if state.finished is not None else now
    return f"{max(0.0, end - state.started):.1f} s"


def jobs_table(states: Iterable[WindowState], now: float) -> str:
    """The live job table (HTML): window, job id, status, rows, elapsed; one row per window."""
    rows = []
    for s in states:
        window = f"{s.window.start:%Y-%m-%d %H:%M} → {s.window.end:%Y-%m-%d %H:%M}"
        rows.append(
            f"<tr class='xp-job' data-status='{html.escape(s.status)}'>"
            f"<td class='xp-job-window'>{html.escape(window)}</td>"
            f"<td class='xp-job-id'><code>{html.escape(s.job_id or '')}</code></td>"
            f"<td class='xp-job-status'>{html.escape(s.status)}</td>"
            f"<td class='xp-job-rows' style='text-align:right'>{'' if s.rows is None else f'{s.rows:,}'}</td>"
            f"<td class='xp-job-elapsed' style='text-align:right'>{elapsed_text(s, now)}</td></tr>"
            + (f"<tr class='xp-job-error'><td colspan='5'>{html.escape(s.error)}</td></tr>"
               if s.error and s.status == "failed" else "")
        )
    head = "".join(f"<th style='text-align:left;padding-right:1em'>{h}</th>"
                   for h in ("window", "job id", "status", "rows", "elapsed"))
    return f"<table class='xp-jobs-table'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def status_text(states: list[WindowState]) -> str:
    """``running: 1 of 3 windows parsed, 12,345 rows``."""
    parsed = [s for s in states if s.status == "parsed"]
    rows = sum(s.rows or 0 for s in parsed)
    return f"running: {len(parsed)} of {count(len(states), 'window')} parsed, {count(rows, 'row')}"


def count(n: int, word: str) -> str:
    """``1 window``, ``3 windows``, ``12,345 rows``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def dtype_text(dtype: Any) -> str:
    """A dtype as pandas prints it; time zones included (``datetime64[us, Europe/Lisbon]``)."""
    return str(dtype)


def preview_html(df: pd.DataFrame, rows: int = 5) -> str:
    """Shape, dtypes (with their time zones) and the first rows, as HTML."""
    meta = df.attrs.get("explore") or {}
    facts = [f"<b>{count(len(df), 'row')} × {count(len(df.columns), 'column')}</b>"]
    if meta:
        jobs = len(meta.get("jobs") or [])
        facts.append(f"{html.escape(str(meta.get('report')))}, {jobs} job{'s' if jobs != 1 else ''}, "
                     f"times in {html.escape(str(meta.get('timezone')))}")
        if meta.get("truncated"):
            facts.append("<b style='color:#b00'>truncated: a window reached the row limit, rows are missing</b>")
    counts: dict[str, int] = {}
    for dtype in df.dtypes:
        counts[dtype_text(dtype)] = counts.get(dtype_text(dtype), 0) + 1
    summary = ", ".join(f"<code>{html.escape(name)}</code> × {n}" for name, n in counts.items())
    dtypes = "".join(
        f"<tr><td>{html.escape(str(c))}</td><td><code>{html.escape(dtype_text(t))}</code></td></tr>"
        for c, t in df.dtypes.items()
    )
    head = df.head(rows).to_html(max_cols=10, border=0, classes="xp-preview-head")
    return (
        f"<div class='xp-preview-shape'>{' · '.join(facts)}</div>"
        f"<details class='xp-preview-dtypes'><summary>dtypes: {summary}</summary><table>{dtypes}</table></details>"
        f"<div style='overflow-x:auto'>{head}</div>"
    )


def error_html(error: BaseException) -> str:
    """An error as HTML: type, message, and the API's status, code, description, fields, request id."""
    parts = [f"<b>{html.escape(type(error).__name__)}</b>: {html.escape(str(error))}"]
    details = []
    for key in ("status", "code", "description", "request_id"):
        value = getattr(error, key, None)
        if value not in (None, ""):
            details.append(f"<li class='xp-error-{key.replace('_', '-')}'>{key}: {html.escape(str(value))}</li>")
    for item in getattr(error, "fields", None) or []:
        details.append(f"<li class='xp-error-field'>field <code>{html.escape(str(item.get('name')))}</code>: "
                       f"{html.escape(str(item.get('description')))}</li>")
    if details:
        parts.append(f"<ul>{''.join(details)}</ul>")
    if not isinstance(error, (ExploreError, InterruptedError)):  # unexpected: keep the traceback
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        parts.append(f"<details><summary>traceback</summary><pre>{html.escape(trace)}</pre></details>")
    return "".join(parts)


#: The form's preset dropdown: (label, preset); "" is a range typed by hand.
PRESET_CHOICES = (
    ("custom range", ""), ("today", "today"), ("yesterday", "yesterday"), ("last 7 days", "7d"),
    ("last week (Mon-Mon)", "last_week"), ("last 4 weeks", "4w"), ("month to date", "month_to_date"),
    ("last month", "last_month"), ("last 3 months", "3m"),
)


_UNITS = {"d": "day", "w": "week", "m": "month"}


def preset_choices(last: str | None) -> tuple[tuple[tuple[str, str], ...], str]:
    """The Range dropdown's options and value for a form given ``last``: the listed presets, plus
    ``last`` when it is another relative one (``"2w"``: "last 2 weeks"). A preset
    :func:`~explore_pandas.api.presets.preset_range` refuses is refused here too, with the same
    ``ValidationError`` naming ``last``."""
    from explore_pandas.api.presets import canonical_preset

    if last is None:
        return PRESET_CHOICES, ""
    preset = canonical_preset(last)
    if preset in {value for _, value in PRESET_CHOICES}:
        return PRESET_CHOICES, preset
    number, unit = int(preset[:-1]), _UNITS[preset[-1]]
    return (*PRESET_CHOICES, (f"last {number} {unit}{'s' if number != 1 else ''}", preset)), preset


def preset_bounds(preset: str, tz: str, *, now: datetime) -> tuple[datetime, datetime] | None:
    """The naive local ``(start, end)`` a preset fills in, for the form's pickers; None if it cannot."""
    from explore_pandas.api.presets import preset_range

    zone = iana_zone(tz) if tz else None
    if not preset or zone is None:
        return None
    try:
        start, end = preset_range(preset, zone, now=now)
    except ExploreError:
        return None
    return start.replace(tzinfo=None), end.replace(tzinfo=None)


def today_in(zone: str) -> datetime:
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo(zone))
    return datetime(now.year, now.month, now.day)


# -- the form -------------------------------------------------------------------------------
