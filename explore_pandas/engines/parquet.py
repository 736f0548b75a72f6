"""Partitioned Parquet: reports written one local day per folder, a window at a time, into a dataset.

Layout of ``DIR`` (hive style, what ``pandas.read_parquet(DIR)``,
``pyarrow.dataset.dataset(DIR, partitioning="hive")``, ``dask.dataframe.read_parquet``,
DuckDB and Spark read as one table with a ``day`` column)::

    DIR/
      day=2026-08-01/part-20260801T000000+0100-20260901T000000+0100.parquet
      day=2026-08-02/part-20260801T000000+0100-20260901T000000+0100.parquet
      ...
      _explore/dataset.json             report, zone, time column, columns, dtype, and the ranges asked for
      _explore/windows/<window>.json    one per window written: its job, files and rows

* ``day`` is the local date (in ``tz``) of the report's time column in the
  layout of the window's file (``frames.layouts.time_column``: ``end_at`` for
  calls, ``end_time`` for calls before May 2026); it is not a column inside the
  files. A day with no rows has no folder. A folder holds files of one layout,
  and of one ``columns`` and ``dtype``: a window of another layout, or a pull
  with other columns or dtypes, is refused (``ValidationError``) rather than
  mixed in (a reader would take one file's schema and drop the others' columns).
* ``part-<window start>-<window end>`` names the window that wrote the file.
  The windows recorded never overlap, so a day covered by two windows (a range
  that began or ended inside it) has two files with different rows.
* Each file is written to a hidden temporary file beside it, then renamed: a
  reader never sees half a file. Names starting with ``.`` or ``_`` are skipped
  by Parquet readers; what a killed writer left is removed by the next run.

Pulling again into the same folder (:mod:`explore_pandas.engines.folder`): any
sequence of pulls, with any ranges (longer, overlapping, a sub-range, after a
crash, with another ``on_row_limit``), leaves every row of the union of the
ranges exactly once and fetches only what is missing. A window is fetched again
when its rows were incomplete (its job was created within the 5-minute data
latency after the window ended, or its file was cut at the row limit) or one of
its files is gone; its job is re-attached through the ledger when it can serve,
and only its missing files are rewritten when the rest are sound.
``fresh=True`` fetches the requested range again, with new jobs. One process
writes into a folder at a time: a second waits for the first (a lock in
``_explore``), then fetches only what is still missing.

Memory: each window's frame is written and dropped by the thread that parsed it,
and at most ``PARSE_SLOTS`` (2) windows are downloaded, parsed and written at once,
on two threads of their own, however many jobs run on the API (up to
``max_concurrency``): the writer holds about two windows' rows, never the whole
pull, and its memory does not grow with the range (``benchmarks/dask_pull.py``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from explore_pandas.api import validation
from explore_pandas.api.polling import DEFAULT_POLL_POLICY, PollPolicy
from explore_pandas.api.retry import DEFAULT_QUOTA_WAIT
from explore_pandas.engines.folder import Folder, WindowRecord, merge, subtract, window_id
from explore_pandas.exceptions import ExploreError, ValidationError
from explore_pandas.files import scratch_folder, write_atomically
from explore_pandas.frames.layouts import layouts_of, match_layout, time_column
from explore_pandas.frames.schemas import get_schema
from explore_pandas.frames.shaping import present
from explore_pandas.pulls.assemble import time_ordered, warn_truncated
from explore_pandas.pulls.fetch import WindowFetcher
from explore_pandas.pulls.options import PullOptions
from explore_pandas.pulls.plan import Plan, plan_pull
from explore_pandas.pulls.quota import AdaptiveLimit
from explore_pandas.pulls.results import WindowResult
from explore_pandas.pulls.runner import explain_interrupt, progress_bar, run_windows
from explore_pandas.pulls.states import WindowStates
from explore_pandas.pulls.windows import Window, plan_windows

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.api.client import Client

#: Windows parsed and held at once. Parsing is CPU-bound (more than the cores gains nothing)
#: and each slot holds one window's frame until its files are written.
PARSE_SLOTS = 2
T = TypeVar("T")


def day_partitions(frame: pd.DataFrame, column: str | None) -> list[tuple[str, pd.DataFrame]]:
    """``[(YYYY-MM-DD, rows of that local day)]`` in day order, by ``column`` (already in the zone)."""
    if frame.empty:
        return []
    if column is None or column not in frame.columns:
        raise ValidationError(f"cannot partition by day: the report has no time column {column!r}")
    days = frame[column].dt.strftime("%Y-%m-%d")
    return [(str(day), part) for day, part in frame.groupby(days, sort=True)]


def write_parquet(
    report: str,
    *,
    start: validation.TimeLike | None = None,
    end: validation.TimeLike | None = None,
    path: str | os.PathLike[str],
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
    last: str | None = None,
    columns: Sequence[str] | None = None,
    dtype: Mapping[str, Any] | None = None,
    max_jobs: int | None = None,
) -> dict[str, Any]:
    """Pull a report over [start, end) into partitioned Parquet under ``path``, one local day per folder.

    Parameters are those of :func:`read_report` (the range is ``start`` and
    ``end``, or a preset ``last``; ``max_jobs`` confirms a range of more than
    24 windows), plus ``path``, the folder (made
    if missing). See this module's docstring for the layout, the memory bound and
    how a re-run resumes. ``columns`` keeps the report's time column too (it
    decides each row's day folder); ``dtype`` overrides apply to every file. The
    files are Arrow-typed whatever the backend: read them with
    ``pd.read_parquet(path, dtype_backend="pyarrow")`` for ``pd.ArrowDtype`` columns.

    Returns
    -------
    dict
        ``{"path", "rows", "files", "windows", "skipped", "written"}``: rows and
        files in the folder for this pull, windows planned, windows skipped as
        already complete, files written by this call.

    Raises
    ------
    ValidationError
        As :func:`read_report` does, and when ``path`` holds another report or zone.
    ExploreError, APIError, JobError, ParseError
        As :func:`read_report` does; what was written stays, and a re-run goes on from there.

    Examples
    --------
    >>> import explore_pandas as xp                                             # doctest: +SKIP
    >>> xp.write_parquet("calls", start="2025-11-01", end="2026-11-01", tz="Europe/Lisbon",
    ...                  path="calls/")                                          # doctest: +SKIP
    >>> pd.read_parquet("calls/")                                               # doctest: +SKIP
    """
    plan = plan_pull(report, start=start, end=end, tz=tz, format=format, name=name, last=last, max_jobs=max_jobs)
    day_column = get_schema(plan.report.slug).timespan_field
    if columns is not None and day_column is not None and day_column not in columns:
        columns = [*columns, day_column]
    options = PullOptions.resolve(client=client, on_row_limit=on_row_limit, max_concurrency=max_concurrency,
                                  poll=poll, progress=progress, fresh=fresh, ledger=ledger,
                                  quota_timeout=quota_timeout, encoding_errors=encoding_errors,
                                  report=plan.report.slug, columns=columns, dtype=dtype)
    return PartitionedWriter(plan, Path(path), options).run()


class PartitionedWriter:
    """Fetches what the folder misses through the one windows loop and writes each window's days.

    A parse slot (at most ``PARSE_SLOTS`` at once) is taken when a finished
    job's download starts and given back once the window's files are written,
    or on any error; the download, parse and write run on the parse threads.
    """

    def __init__(self, plan: Plan, root: Path, options: PullOptions) -> None:
        self.plan, self.root, self.options = plan, root, options
        self.column = get_schema(plan.report.slug).timespan_field
        shape = options.shape_record()  # one folder, one schema: the same columns and dtypes in every file
        spec = {"report": plan.report.slug, "timezone": plan.timezone, "format": plan.format,
                "partitioning": "hive", "partition": "day", "time_column": self.column,
                "columns": shape["columns"], "dtype": shape["dtype"]}
        self.folder = Folder(root, spec)
        self.written: list[Path] = []
        self._lock = threading.Lock()
        self._layout: str | None = None  # the layout a window of this run wrote (see _check_layout)
        self._parsing = threading.BoundedSemaphore(PARSE_SLOTS)
        # Parsing and writing run on PARSE_SLOTS threads of their own, not on the up to 15 that
        # wait for jobs: the C allocators keep freed memory per thread (glibc arenas), so big
        # allocations spread over 15 threads would leave the process 15 threads' worth bigger.
        self._parser = ThreadPoolExecutor(PARSE_SLOTS, thread_name_prefix="explore-parquet-parse")
        self.limit = AdaptiveLimit(options.max_concurrency)
        self.cancelled = threading.Event()
        self.states = WindowStates(plan.windows)
        self.fetcher = WindowFetcher(plan, options, slots=self.limit, states=self.states, cancelled=self.cancelled,
                                     finish_in=self._on_parse_thread, store=self._store)

    def _on_parse_thread(self, work: Callable[[], T]) -> T:
        """``work()`` on a parse thread, holding a parse slot; the calling thread waits for it."""
        with self._parsing:
            return self._parser.submit(work).result()

    def todo(self) -> tuple[list[Window], int]:
        """The windows to fetch (the folder's ranges less its complete windows, cut as a pull
        cuts a range), and how many of the request's own windows are complete already."""
        requested = (self.plan.start, self.plan.end)
        ranges = self.folder.open(requested)
        complete = self.folder.complete()
        missing = subtract(ranges, complete)
        if self.options.fresh:
            missing = merge([*missing, requested])
        missing = self.folder.widen(missing)
        windows = [w for start, end in missing for w in plan_windows(start, end, self.plan.timezone)]
        skipped = sum(1 for w in self.plan.windows if not subtract([(w.start, w.end)], complete))
        return windows, skipped

    def run(self) -> dict[str, Any]:
        self.root.mkdir(parents=True, exist_ok=True)
        with self.folder.exclusive():
            return self._run()

    def _run(self) -> dict[str, Any]:
        windows, skipped = self.todo()
        bar = progress_bar(self.plan, self.options.progress)
        bar.total = skipped + len(windows)
        bar.update(skipped)
        slug, ledger = self.plan.report.slug, self.options.ledger
        try:
            with scratch_folder("explore-parquet-") as scratch:
                results = run_windows(windows, lambda window: self.fetcher.fetch(window, scratch),
                                      workers=self.limit.maximum, cancelled=self.cancelled, bar=bar,
                                      thread_name="explore-parquet",
                                      note=self.states.note,
                                      on_interrupt=lambda error: explain_interrupt(
                                          error, self.states.running(), slug, ledger))
        finally:
            bar.close()
            self._parser.shutdown()
        warn_truncated(self.plan, time_ordered(results))
        files, rows = self.in_range()
        return {"path": str(self.root), "rows": rows, "files": files, "windows": len(self.plan.windows),
                "skipped": skipped, "written": sorted(str(p.relative_to(self.root)) for p in self.written)}

    def in_range(self) -> tuple[int, int]:
        """Files and rows of the folder in the requested range (read from the files' time column)."""
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        start, end = self.plan.start, self.plan.end
        records = [r for r in self.folder.records() if r.window.start < end and start < r.window.end]
        files = [self.root / f for r in records for f in r.files if (self.root / f).is_file()]
        rows = 0
        columns = {time_column(self.plan.report.slug, s.layout) for s in layouts_of(self.plan.report.slug)}
        for path in files:
            try:
                names = pq.read_schema(path).names
                column = next((c for c in names if c in columns), self.column)
                times = pq.read_table(path, columns=[column]).column(column)
            except FileNotFoundError:  # replaced meanwhile by a writer that ignored the lock
                continue
            inside = pc.and_(pc.greater_equal(times, pa_timestamp(start)), pc.less(times, pa_timestamp(end)))
            rows += pc.sum(inside).as_py() or 0
        return len(files), rows

    def _check_layout(self, result: WindowResult) -> None:
        """Refuse to add a window of another layout than the folder's files (section 8.2):
        a dataset of two schemas would be read as one of them, the other's columns lost.

        The folder's layout is the one its other windows' files have, or the one a window of
        this run claimed first: the two parse threads check and claim under one lock, so two
        windows of two layouts parsed at once cannot both see a folder without files.
        """
        if not result.row_count or result.layout is None:
            return
        with self._lock:
            layout = self._layout or self._files_layout(result.window)
            if layout is not None and layout != result.layout:
                slug = self.plan.report.slug
                raise ValidationError(
                    f"{self.root} holds {slug} files in the {layout!r} layout, and the file of "
                    f"{result.window.start.isoformat()} .. {result.window.end.isoformat()} is in the "
                    f"{result.layout!r} layout: one folder is one dataset of one schema. Write this "
                    "range to another folder (or read it with read_report, which combines layouts).")
            self._layout = result.layout

    def _files_layout(self, window: Window) -> str | None:
        """The layout of the folder's files of windows other than ``window``; None if it has none."""
        import pyarrow.parquet as pq

        for record in self.folder.records():
            for name in record.files:
                if record.window == window or not (self.root / name).is_file():
                    continue
                try:
                    names = pq.read_schema(self.root / name).names
                except FileNotFoundError:  # replaced meanwhile by a writer that ignored the lock
                    continue
                return match_layout(self.plan.report.slug, names).layout
        return None

    def _store(self, result: WindowResult) -> WindowResult:
        """On a parse thread: write the window's days over whatever overlapped it, then its record;
        the frame is dropped (the result keeps its row count)."""
        window, path = result.window, self.folder.record_path(result.window)
        self._check_layout(result)
        days = day_partitions(present(result.frame, dtype=self.options.dtype),
                              time_column(self.plan.report.slug, result.layout))
        names = [f"day={day}/part-{window_id(window)}.parquet" for day, _ in days]
        old = next((r for r in self.folder.records() if r.path == path), None)
        sound = old is not None and old.job_id == result.job.id and not old.truncated and not result.truncated
        existing = {n for n in names if sound and (self.root / n).is_file()}
        record = WindowRecord(window, result.job.id, result.row_count, tuple(names), result.truncated,
                              result.created_at, path, self.plan.report.slug, self.plan.timezone)
        self.folder.replace(record, existing)
        for name, (_, part) in zip(names, days):
            if name not in existing:
                atomic_write_parquet(part, self.root / name)
                with self._lock:
                    self.written.append(self.root / name)
        self.folder.write(record)
        # a copy: an empty slice would still reference (and keep alive) the whole frame's buffers
        return WindowResult(window, result.job, result.frame.iloc[:0].copy(), result.total, result.reused,
                            result.layout, rows=result.row_count, created_at=result.created_at)


def pa_timestamp(moment: datetime) -> Any:
    import pyarrow as pa

    return pa.scalar(moment.astimezone(timezone.utc), type=pa.timestamp("us", tz="UTC"))


def atomic_write_parquet(frame: pd.DataFrame, target: Path) -> None:
    """``frame`` to ``target``, whole or not at all."""
    try:
        write_atomically(target, lambda path: frame.to_parquet(path, index=False))
    except OSError as error:
        raise ExploreError(f"cannot write {target} ({error.strerror or error}): fix the folder's permissions "
                           "and run the pull again; it goes on from there.") from None


def is_directory_output(output: str) -> bool:
    """``-o DIR/`` (a trailing slash) or an existing folder: partitioned output."""
    return output.endswith(("/", os.sep)) or Path(output).is_dir()
