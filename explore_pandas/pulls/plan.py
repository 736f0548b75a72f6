"""``read_report``: a range of any length as one typed, timezone-aware DataFrame.

The range is validated, cut into windows of at most 31 days at local
midnights (:mod:`windows`), and the windows run concurrently under an adaptive
share of the account's 15-job quota (:mod:`scheduler`): each window's job holds
a slot from its creation until it is done, then is downloaded (streamed to a
temporary file) and parsed (:mod:`parsing`) outside the slot. A window whose
file reaches the 1,000,000-row limit is warned about, split in two and fetched
again, or raised, as ``on_row_limit`` says. Frames are concatenated in time
order and ``df.attrs["explore"]`` records where every row came from.
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explore_pandas.api import validation
from explore_pandas.api.models import Job
from explore_pandas.api.polling import DEFAULT_POLL_POLICY, PollPolicy
from explore_pandas.exceptions import RowLimitError, RowLimitWarning, ValidationError
from explore_pandas.pulls.windows import Window, plan_windows
from explore_pandas.reports import ReportType, report_type
from explore_pandas.spec import ROW_LIMIT

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.api.client import Client

ON_ROW_LIMIT = ("warn", "split", "raise")


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


@dataclass(frozen=True)
class WindowResult:
    window: Window
    job: Job
    frame: pd.DataFrame
    total: int | None
    reused: bool = False  # the job came from the ledger, not a new create

    @property
    def truncated(self) -> bool:
        rows = len(self.frame)
        return rows >= ROW_LIMIT or (self.total is not None and self.total > rows)


def plan_pull(
    report: str | ReportType,
    *,
    start: validation.TimeLike,
    end: validation.TimeLike,
    tz: str = "UTC",
    format: str = "csv",
    name: str | None = None,
    now: datetime | None = None,
) -> Plan:
    """Validate a pull of any length and cut it into windows; nothing is sent.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> plan = plan_pull("calls", start="2026-08-01", end="2026-11-01", tz="Europe/Lisbon",
    ...                  now=datetime(2026, 11, 27, tzinfo=timezone.utc))
    >>> len(plan.windows)
    3
    """
    kind = report_type(report)
    fmt = validation.check_format(format)
    zone = validation.check_timezone(tz)
    if name is not None:
        check_name_prefix(name)
    current = now if now is not None else datetime.now(timezone.utc)
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


def read_report(
    report: str | ReportType,
    *,
    start: validation.TimeLike,
    end: validation.TimeLike,
    tz: str = "UTC",
    format: str = "csv",
    name: str | None = None,
    client: Client | None = None,
    on_row_limit: str | None = None,
    max_concurrency: int | None = None,
    progress: bool = True,
    poll: PollPolicy = DEFAULT_POLL_POLICY,
    fresh: bool = False,
    ledger: Any = None,
    engine: str = "pandas",
) -> pd.DataFrame:
    """Pull a report over [start, end) into one typed, timezone-aware DataFrame.

    Parameters
    ----------
    report : str
        A report slug (``"calls"``) or display name (``"Calls Report"``).
    start, end : str, date, datetime or pandas.Timestamp
        The range, ``end`` exclusive. Naive values are wall times in ``tz``; a
        date is local midnight. Any length: it is split into <= 31-day windows.
    tz : str
        IANA time zone of the request; every datetime column is in it.
    format : {"csv", "json", "json_bulk"}
        The file format asked of the API (the DataFrame is the same).
    name : str, optional
        Job name prefix (a unique name per window is generated otherwise).
    client : Client, optional
        Defaults to the kernel's client (:func:`explore_pandas.connect`).
    on_row_limit : {"warn", "split", "raise"}, optional
        What to do when a window's file reaches the 1,000,000-row limit:
        warn (:class:`RowLimitWarning`, rows are missing), split the window in
        halves until each part is under the limit, or raise :class:`RowLimitError`.
        The default is "warn" with the pandas engine and "split" with the dask
        engine, which refuses "warn": a warning raised on a worker never reaches
        you, and rows would go missing silently.
    max_concurrency : int, optional
        Most jobs at once (at most 15, the account quota; 15 by default). The
        limit halves on a 429, since other tools share the quota, and creeps back.
    progress : bool
        Show a progress bar (tqdm: a widget in notebooks, text in terminals).
    poll : PollPolicy
        Poll intervals and the per-job timeout.
    fresh : bool
        Create new jobs even for windows whose earlier jobs the ledger can reuse.
        By default a window asked for before (same account, report, zone, format
        and bounds) re-attaches to its recorded job while the API keeps its
        file (30 days): after a crash or Ctrl-C nothing is created twice.
    ledger : Ledger or False, optional
        Where jobs are recorded (``$EXPLORE_CACHE_DIR``, else the user's cache
        folder); ``False`` records nothing.
    engine : {"pandas", "dask"}
        ``"pandas"`` pulls now, in this process. ``"dask"`` returns a lazy
        ``dask.dataframe.DataFrame`` with one partition per window, indexed by the
        report's time column with known divisions; computing it runs the jobs on
        the connected Dask cluster's workers, the quota held across them by a
        ``distributed.Semaphore`` (see :mod:`explore_pandas.engines.dask_engine`). Needs
        ``pip install 'explore_pandas[dask]'``; ``progress`` does not apply.

    Returns
    -------
    pandas.DataFrame
        Rows of every window in time order; ``df.attrs["explore"]`` holds the
        provenance (JSON-safe): report, zone, range, windows with their job ids,
        rows and whether any was truncated.

    Examples
    --------
    >>> import explore_pandas as xp                                   # doctest: +SKIP
    >>> with xp.Emulator() as emu:                                    # doctest: +SKIP
    ...     xp.connect(**emu.credentials)
    ...     df = xp.read_report("calls", start="2026-08-01", end="2026-11-01", tz="Europe/Lisbon")
    """
    from explore_pandas.pulls.runner import Pull

    plan = plan_pull(report, start=start, end=end, tz=tz, format=format, name=name)
    if on_row_limit is None:  # the default differs by engine (see above); "" and the like stay invalid
        on_row_limit = "split" if engine == "dask" else "warn"
    if on_row_limit not in ON_ROW_LIMIT:
        raise ValidationError(
            f"on_row_limit={on_row_limit!r}: use 'warn', 'split' or 'raise'.",
            fields=[{"name": "on_row_limit", "description": "must be warn, split or raise"}],
        )
    if engine == "dask":
        from explore_pandas.engines.dask_engine import read_report_dask

        return read_report_dask(plan, client=client, on_row_limit=on_row_limit,  # type: ignore[no-any-return]
                                max_concurrency=max_concurrency, poll=poll, fresh=fresh, ledger=ledger)
    if engine != "pandas":
        raise ValidationError(
            f"engine={engine!r}: use 'pandas' or 'dask'.",
            fields=[{"name": "engine", "description": "must be pandas or dask"}],
        )
    return Pull(plan, client=client, on_row_limit=on_row_limit, max_concurrency=max_concurrency,
                poll=poll, progress=progress, fresh=fresh, ledger=ledger).run()


def assemble(plan: Plan, results: list[WindowResult], on_row_limit: str) -> pd.DataFrame:
    """Concatenate window frames in time order, warn about truncation, attach provenance."""
    import pandas as pd

    ordered = sorted(results, key=lambda r: r.window.start.astimezone(timezone.utc))
    frame = concat_frames([r.frame for r in ordered]) if ordered else pd.DataFrame()
    for result in ordered:
        if result.truncated:
            warnings.warn(row_limit_message(plan.report.slug, result), RowLimitWarning, stacklevel=3)
    frame.attrs["explore"] = provenance(plan, ordered, on_row_limit)
    return frame


def concat_frames(frames: list[pd.DataFrame], *, ignore_index: bool = True) -> pd.DataFrame:
    """Stack window frames; categorical columns keep one dtype with the union of categories.

    Each window's file has its own set of labels (sorted), and ``pd.concat``
    turns categoricals whose categories differ into plain strings. The union
    is in order of first appearance, window after window: the order of
    ``pandas.api.types.union_categoricals``, which is also how dask joins the
    partitions of ``engine="dask"`` on ``compute()``, so both engines give the
    same categories in the same order.
    """
    import pandas as pd

    frames = list(frames)
    for column in frames[0].columns:
        dtypes = [f[column].dtype for f in frames if column in f]
        if any(isinstance(d, pd.CategoricalDtype) for d in dtypes):
            labels = list(dict.fromkeys(c for d in dtypes if isinstance(d, pd.CategoricalDtype) for c in d.categories))
            unified = pd.CategoricalDtype(labels)
            frames = [f.astype({column: unified}) if column in f else f for f in frames]
    return pd.concat(frames, ignore_index=ignore_index)


def provenance(plan: Plan, results: list[WindowResult], on_row_limit: str) -> dict[str, Any]:
    """What ``df.attrs["explore"]`` holds: plain JSON types only."""
    windows = [
        {
            "start": r.window.start.isoformat(),
            "end": r.window.end.isoformat(),
            "job_id": r.job.id,
            "rows": len(r.frame),
            "total": r.total,
            "truncated": r.truncated,
            "reused": r.reused,
        }
        for r in results
    ]
    return {
        **request_provenance(plan, on_row_limit),
        "jobs": [w["job_id"] for w in windows],
        "windows": windows,
        "rows": sum(w["rows"] for w in windows),
        "truncated": any(w["truncated"] for w in windows),
    }


def request_provenance(plan: Plan, on_row_limit: str) -> dict[str, Any]:
    """The part of the provenance known before any job runs: what was asked for."""
    return {
        "report": plan.report.slug,
        "timezone": plan.timezone,
        "format": plan.format,
        "start": plan.start.isoformat(),
        "end": plan.end.isoformat(),
        "on_row_limit": on_row_limit,
    }


def row_limit_error(report: str, result: WindowResult) -> RowLimitError:
    """The error for a window at the row limit whose rows cannot all be fetched."""
    window = result.window
    return RowLimitError(row_limit_message(report, result),
                         window={"start": window.start.isoformat(), "end": window.end.isoformat()},
                         rows=len(result.frame), job_id=result.job.id)


def row_limit_message(report: str, result: WindowResult) -> str:
    window = result.window
    return (
        f"the {report} report for {window.start.isoformat()} .. {window.end.isoformat()} "
        f"(job {result.job.id}) reached the API's limit of {ROW_LIMIT:,} rows: "
        f"{len(result.frame):,} rows received"
        + (f" of {result.total:,}" if result.total is not None and result.total > len(result.frame) else "")
        + ", later rows of that window are missing. Pass on_row_limit='split' to fetch it "
        "in smaller windows, or ask for a shorter range."
    )


def read_job(client: Client, job: Job | str, *, report: str | None = None, tz: str | None = None) -> pd.DataFrame:
    """One finished job's file as a DataFrame (``Client.read_job``)."""
    if not isinstance(job, Job) or job.format is None or job.timespan_from is None:
        job = client.get_job(job, report)
    zone = validation.check_timezone(tz or job.timezone or "UTC")
    window = _job_window(job, validation.check_timezone(job.timezone or "UTC"))
    plan = Plan(report_type(job.report), zone.key, job.format or "csv", job.name,
                window.start, window.end, (window,))
    with tempfile.TemporaryDirectory(prefix="explore-job-") as scratch:
        path = Path(client.download(job, dest=scratch))
        from explore_pandas.frames.parsing import parse_file

        parsed = parse_file(path, report=job.report, format=plan.format, tz=zone.key)
    return assemble(plan, [WindowResult(window, job, parsed.frame, parsed.total)], "warn")


def _job_window(job: Job, zone: Any) -> Window:
    """The job's timespan as a window (wall times in the job's zone, as sent)."""
    start = validation.to_zone(job.timespan_from or "", zone, "timespan.from")
    end = validation.to_zone(job.timespan_to or "", zone, "timespan.to")
    return Window(start, end)
