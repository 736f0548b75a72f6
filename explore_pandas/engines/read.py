"""``read_report``: a range of any length as one typed, timezone-aware DataFrame.

The range is planned (:mod:`explore_pandas.pulls.plan`), the options checked
once (:class:`~explore_pandas.pulls.options.PullOptions`), and the windows run
by the engine asked for: threads in this process (:mod:`explore_pandas.engines.threads`)
or a Dask cluster (:mod:`explore_pandas.engines.dask_engine`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from explore_pandas.api import validation
from explore_pandas.api.polling import DEFAULT_POLL_POLICY, PollPolicy
from explore_pandas.api.retry import DEFAULT_QUOTA_WAIT
from explore_pandas.engines.threads import Pull
from explore_pandas.pulls.options import PullOptions
from explore_pandas.pulls.plan import plan_pull
from explore_pandas.reports import ReportType

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.api.client import Client

__all__ = ["read_report"]


def read_report(
    report: str | ReportType,
    *,
    start: validation.TimeLike | None = None,
    end: validation.TimeLike | None = None,
    tz: str | None = None,
    format: str = "csv",
    name: str | None = None,
    client: Client | None = None,
    on_row_limit: str | None = None,
    max_concurrency: int | None = None,
    progress: bool | str = "auto",
    poll: PollPolicy = DEFAULT_POLL_POLICY,
    fresh: bool = False,
    ledger: Any = None,
    quota_timeout: float | None = DEFAULT_QUOTA_WAIT.timeout,
    encoding_errors: str = "strict",
    engine: str = "pandas",
    last: str | None = None,
    max_age: timedelta | None = None,
    dtype_backend: str = "numpy_nullable",
    columns: Sequence[str] | None = None,
    dtype: Mapping[str, Any] | None = None,
    max_jobs: int | None = None,
) -> pd.DataFrame:
    """Pull a report over [start, end) into one typed, timezone-aware DataFrame.

    Parameters
    ----------
    report : str
        A report slug (``"calls"``) or display name (``"Calls Report"``).
    start, end : str, date, datetime or pandas.Timestamp
        The range, ``end`` exclusive. Naive values are wall times in ``tz``; a
        date is local midnight. Any length: it is split into <= 31-day windows.
        Give both, or ``last`` instead.
    last : str, optional
        A preset range instead of ``start`` and ``end``, made of complete local
        days of ``tz`` (DST-safe): relative, ``"1d"``, ``"7d"``, ``"4w"``, ``"3m"``
        (days, weeks or months before today, today excluded), or named:
        ``"today"`` and ``"month_to_date"`` (up to 5 minutes ago), ``"yesterday"``,
        ``"last_week"`` (Monday to Monday), ``"last_month"`` (the calendar month).
        Refused together with ``start`` or ``end``.
    tz : str, optional
        IANA time zone of the request; every datetime column is in it. Left out
        (or None): the zone of ``start`` and ``end`` when both are aware in one
        zone (bounds in two zones ask for ``tz``), else UTC.
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
    progress : bool or "auto"
        Show a progress bar (tqdm: a widget in notebooks, text in terminals).
        ``"auto"`` (the default) shows one in a terminal or a notebook, and
        none when stderr is not a terminal (cron, CI logs).
    poll : PollPolicy
        Poll intervals and the per-job timeout.
    fresh : bool
        Fetch every window again: new jobs even where the ledger could reuse
        earlier ones, and no window read from the cache of parsed windows.
        By default a window asked for before (same account, report, zone, format
        and bounds) re-attaches to its recorded job while the API keeps its
        file (30 days): after a crash or Ctrl-C nothing is created twice; and a
        window whose complete rows were parsed before (any format) is read from
        the local cache (``$EXPLORE_CACHE_DIR/frames``) without any request: a
        re-run of the same cell is instant. ``df.attrs["explore"]["cached"]``
        lists the windows that came from it; ``xp.clear_cache()`` empties it.
    ledger : Ledger or False, optional
        Where jobs are recorded (``$EXPLORE_CACHE_DIR``, else the user's cache
        folder); ``False`` records nothing.
    quota_timeout : float or None
        Seconds to go on asking when the account's quota of 15 jobs stays full
        (the API answers 429 to every create: other tools' jobs, or jobs that
        never finish hold it); then :class:`RateLimitError` says how long it
        waited and how to see the running jobs. 1800 by default; None waits as
        long as it takes. While it waits the progress bar says so.
    encoding_errors : {"strict", "replace", "ignore"}
        What bytes that are not UTF-8 in a report file do, as in ``pandas.read_csv``:
        a :class:`ParseError` naming the file and line (the default), or replaced or dropped.
    max_age : datetime.timedelta, optional
        Cached windows older than this (since their job was created) are fetched
        again; by default 29 days, the rule for reusing a job.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        As in pandas' readers: ``"numpy_nullable"`` (the default: ``Int64``,
        ``boolean``, ``category``, ``str``) or ``"pyarrow"``: ``pd.ArrowDtype``
        columns, timestamps with their zone, durations, booleans, and text with
        few distinct values dictionary-encoded (about half the memory).
    columns : list of str, optional
        Only these columns (the report's JSON keys) are parsed and kept, in
        this order; a name that is not a column is a :class:`ValidationError`
        suggesting the closest ones.
    dtype : dict, optional
        ``{column: dtype}`` overrides, applied after the registry's types.
    max_jobs : int, optional
        The most report jobs (one per window) the pull may make; default 24,
        about two years. A longer range is refused before any job (a typo in a
        year would cost hundreds of jobs): pass the number the error names to
        confirm it.
    engine : {"pandas", "dask"}
        ``"pandas"`` pulls now, in this process. ``"dask"`` returns a lazy
        ``dask.dataframe.DataFrame`` with one partition per window, indexed by the
        report's time column with known divisions; computing it runs the jobs on
        the connected Dask cluster's workers, the quota held across them by a
        ``distributed.Semaphore`` (see :mod:`explore_pandas.engines.dask_engine`). Needs
        ``pip install 'explore_pandas[dask]'``; ``progress`` does not apply.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        Rows of every window in time order; ``df.attrs["explore"]`` holds the
        provenance (JSON-safe): report, zone, range, windows with their job ids,
        rows and whether any was truncated. With ``engine="dask"``, a lazy dask
        DataFrame (see above).

    Raises
    ------
    ValidationError
        Before any request, for any argument the API or this library refuses
        (report, zone, range, format, name, options), naming the field and the fix.
    ConfigurationError
        No ``client`` given and no default one can be made (``EXPLORE_*`` unset).
    ExploreError
        The job ledger's folder cannot be written (before any job).
    AuthenticationError, ForbiddenError
        The credentials or their scopes are refused.
    RateLimitError
        The account's quota stayed full for ``quota_timeout`` seconds.
    RowLimitError
        ``on_row_limit="raise"`` and a window reached 1,000,000 rows.
    JobFailedError, JobTimeoutError
        A job failed, was canceled or deleted, or outlived the poll policy's timeout.
    TransportError, ServerError, APIError
        The API could not be reached or answered an error, after the retries.
    ParseError
        A report file could not be read.

    Warns
    -----
    RowLimitWarning
        ``on_row_limit="warn"`` and a window's file reached the row limit: rows are missing.
    DataLatencyWarning
        ``end`` is within the API's 5-minute data latency.

    Examples
    --------
    >>> import explore_pandas as xp                                   # doctest: +SKIP
    >>> with xp.Emulator() as emu:                                    # doctest: +SKIP
    ...     xp.connect(**emu.credentials)
    ...     df = xp.read_report("calls", start="2026-08-01", end="2026-11-01", tz="Europe/Lisbon")
    ...     week = xp.read_report("calls", last="7d", tz="Europe/Lisbon")
    """
    plan = plan_pull(report, start=start, end=end, tz=tz, format=format, name=name, last=last, max_jobs=max_jobs)
    options = PullOptions.resolve(engine=engine, client=client, on_row_limit=on_row_limit,
                                  max_concurrency=max_concurrency, poll=poll, progress=progress,
                                  ledger=ledger, fresh=fresh, quota_timeout=quota_timeout,
                                  encoding_errors=encoding_errors, report=plan.report.slug, max_age=max_age,
                                  dtype_backend=dtype_backend, columns=columns, dtype=dtype)
    if engine == "dask":
        from explore_pandas.engines.dask_engine import read_report_dask  # dask is an optional extra

        return read_report_dask(plan, options)  # type: ignore[no-any-return]
    return Pull.with_options(plan, options).run()
