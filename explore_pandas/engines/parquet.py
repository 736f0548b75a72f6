"""Partitioned Parquet: a pull of any length written one local day per folder, one window at a time.

Layout of ``DIR`` (hive style, what ``pandas.read_parquet(DIR)``,
``pyarrow.dataset.dataset(DIR, partitioning="hive")``, ``dask.dataframe.read_parquet``,
DuckDB and Spark read as one table with a ``day`` column)::

    DIR/
      day=2026-08-01/part-20260801T000000+0100-20260901T000000+0100.parquet
      day=2026-08-02/part-20260801T000000+0100-20260901T000000+0100.parquet
      ...
      _explore/dataset.json             report, zone, format of the folder
      _explore/windows/<window>.json    one per finished window: its files and rows

* ``day`` is the local date (in ``tz``) of the report's time column
  (``get_schema(slug).timespan_field``, e.g. ``end_at`` for calls); it is not a
  column inside the files. A day with no rows has no folder.
* ``part-<window start>-<window end>`` names the window that wrote the file (a
  window at the row limit split in halves writes one file per half); windows are
  cut at local midnights, so a day normally has one file.
* Each file is written to a hidden temporary file beside it, then renamed: a
  reader never sees half a file. Names starting with ``.`` or ``_`` are skipped
  by Parquet readers.

Memory: each window's frame is written and dropped by the thread that parsed it,
and at most ``PARSE_SLOTS`` (2) windows are downloaded, parsed and written at once,
on two threads of their own, however many jobs run on the API (up to
``max_concurrency``): the writer holds about two windows' rows, never the whole
pull, and its memory does not grow with the range (``benchmarks/dask_pull.py``).

Resuming: a window whose record in ``_explore/windows`` lists files that all
exist is skipped without a request. Otherwise its job is re-attached through
the ledger (no new job while the API keeps the file) and only its missing
files are written. ``fresh=True`` fetches and writes every window again, with new jobs.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from explore_pandas.api import validation
from explore_pandas.api.polling import DEFAULT_POLL_POLICY, PollPolicy
from explore_pandas.api.retry import DEFAULT_QUOTA_WAIT
from explore_pandas.exceptions import ValidationError
from explore_pandas.files import write_atomically, write_text_atomically
from explore_pandas.frames.schemas import get_schema
from explore_pandas.frames.shaping import present
from explore_pandas.pulls.assemble import time_ordered, warn_truncated
from explore_pandas.pulls.fetch import WindowFetcher
from explore_pandas.pulls.options import PullOptions
from explore_pandas.pulls.plan import Plan, plan_pull
from explore_pandas.pulls.quota import AdaptiveLimit
from explore_pandas.pulls.results import Split, WindowResult
from explore_pandas.pulls.runner import progress_bar, run_windows
from explore_pandas.pulls.windows import Window

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.api.client import Client

META_DIR = "_explore"
#: Windows parsed and held at once. Parsing is CPU-bound (more than the cores gains nothing)
#: and each slot holds one window's frame until its files are written.
PARSE_SLOTS = 2
T = TypeVar("T")


def window_id(window: Window) -> str:
    """``20260801T000000+0100-20260901T000000+0100``: the window's bounds, safe in a file name."""
    return f"{window.start:%Y%m%dT%H%M%S%z}-{window.end:%Y%m%dT%H%M%S%z}"


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
    start: validation.TimeLike,
    end: validation.TimeLike,
    path: str | os.PathLike[str],
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
    quota_timeout: float | None = DEFAULT_QUOTA_WAIT.timeout,
    encoding_errors: str = "strict",
    columns: Sequence[str] | None = None,
    dtype: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Pull a report over [start, end) into partitioned Parquet under ``path``, one local day per folder.

    Parameters are those of :func:`read_report`, plus ``path``, the folder (made
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

    Examples
    --------
    >>> import explore_pandas as xp                                             # doctest: +SKIP
    >>> xp.write_parquet("calls", start="2025-11-01", end="2026-11-01", tz="Europe/Lisbon",
    ...                  path="calls/")                                          # doctest: +SKIP
    >>> pd.read_parquet("calls/")                                               # doctest: +SKIP
    """
    plan = plan_pull(report, start=start, end=end, tz=tz, format=format, name=name)
    day_column = get_schema(plan.report.slug).timespan_field
    if columns is not None and day_column is not None and day_column not in columns:
        columns = [*columns, day_column]
    options = PullOptions.resolve(client=client, on_row_limit=on_row_limit, max_concurrency=max_concurrency,
                                  poll=poll, progress=progress, fresh=fresh, ledger=ledger,
                                  quota_timeout=quota_timeout, encoding_errors=encoding_errors,
                                  report=plan.report.slug, columns=columns, dtype=dtype)
    return PartitionedWriter(plan, Path(path), options).run()


class PartitionedWriter:
    """Runs a plan's windows through the one windows loop and writes each one's days as it arrives.

    A parse slot (at most ``PARSE_SLOTS`` at once) is taken when a finished
    job's download starts and given back once the window's files are written,
    or on any error; the download, parse and write run on the parse threads.
    """

    def __init__(self, plan: Plan, root: Path, options: PullOptions) -> None:
        self.plan, self.root, self.options = plan, root, options
        self.column = get_schema(plan.report.slug).timespan_field
        self.written: list[Path] = []
        self._lock = threading.Lock()
        self._parsing = threading.BoundedSemaphore(PARSE_SLOTS)
        # Parsing and writing run on PARSE_SLOTS threads of their own, not on the up to 15 that
        # wait for jobs: the C allocators keep freed memory per thread (glibc arenas), so big
        # allocations spread over 15 threads would leave the process 15 threads' worth bigger.
        self._parser = ThreadPoolExecutor(PARSE_SLOTS, thread_name_prefix="explore-parquet-parse")
        self.limit = AdaptiveLimit(options.max_concurrency)
        self.cancelled = threading.Event()
        self.fetcher = WindowFetcher(plan, options, slots=self.limit, cancelled=self.cancelled,
                                     load=self._load, store=self._store)
        self._missing: dict[Window, set[str] | None] = {}

    def _load(self, work: Callable[[], T]) -> T:
        """``work()`` on a parse thread, holding a parse slot; the calling thread waits for it."""
        with self._parsing:
            return self._parser.submit(work).result()

    # -- the folder's records ------------------------------------------------------------------

    @property
    def meta_dir(self) -> Path:
        return self.root / META_DIR

    def _record_path(self, window: Window) -> Path:
        return self.meta_dir / "windows" / f"{window_id(window)}.json"

    def _record(self, window: Window) -> dict[str, Any] | None:
        try:
            data = json.loads(self._record_path(window).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def _check_dataset(self) -> None:
        """The folder holds this report, zone and format, or nothing yet: never a mix."""
        spec = {"report": self.plan.report.slug, "timezone": self.plan.timezone, "format": self.plan.format,
                "partitioning": "hive", "partition": "day", "time_column": self.column}
        path = self.meta_dir / "dataset.json"
        if path.exists():
            found = json.loads(path.read_text(encoding="utf-8"))
            differs = {k: (found.get(k), v) for k, v in spec.items() if k != "format" and found.get(k) != v}
            if differs:
                raise ValidationError(
                    f"{self.root} already holds another pull ({', '.join(f'{k}={a!r}, not {b!r}' for k, (a, b) in differs.items())}): "
                    "write to another folder.",
                    fields=[{"name": "output", "description": "a folder of another report or zone"}],
                )
            return
        write_text_atomically(path, json.dumps(spec, indent=1, sort_keys=True))

    def _todo(self, window: Window) -> list[tuple[Window, set[str] | None]]:
        """Windows still to fetch under ``window``, each with the file names it still misses
        (``None``: all of them)."""
        record = self._record(window)
        if record is None:
            return [(window, None)]
        if "split" in record:
            halves = [Window(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in record["split"]]
            return [item for half in halves for item in self._todo(half)]
        missing = {f for f in record.get("files", []) if not (self.root / f).exists()}
        return [(window, missing)] if missing else []

    # -- running -------------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        self.root.mkdir(parents=True, exist_ok=True)
        self._check_dataset()
        todo: list[tuple[Window, set[str] | None]] = []
        for window in self.plan.windows:  # fresh: every window again, with new jobs
            todo.extend([(window, None)] if self.options.fresh else self._todo(window))
        self._missing = dict(todo)
        skipped = len(self.plan.windows) - len({w for w, _ in todo})
        bar = progress_bar(self.plan, self.options.progress)
        bar.update(max(0, len(self.plan.windows) - len(todo)))
        try:
            with tempfile.TemporaryDirectory(prefix="explore-parquet-") as scratch:
                results = run_windows([w for w, _ in todo], lambda window: self.fetcher.fetch(window, scratch),
                                      workers=self.limit.maximum, cancelled=self.cancelled, bar=bar,
                                      on_split=self._record_split, thread_name="explore-parquet")
        finally:
            bar.close()
            self._parser.shutdown()
        warn_truncated(self.plan, time_ordered(results))
        rows, files = 0, 0
        for window in self.plan.windows:
            for record in self._leaves(window):
                rows += record.get("rows", 0)
                files += len(record.get("files", []))
        return {"path": str(self.root), "rows": rows, "files": files, "windows": len(self.plan.windows),
                "skipped": skipped, "written": [str(p.relative_to(self.root)) for p in self.written]}

    def _record_split(self, split: Split) -> None:
        self._write_record(split.window, {"split": [[h.start.isoformat(), h.end.isoformat()] for h in split.halves]})

    def _leaves(self, window: Window) -> list[dict[str, Any]]:
        record = self._record(window) or {}
        if "split" in record:
            halves = [Window(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in record["split"]]
            return [leaf for half in halves for leaf in self._leaves(half)]
        return [record] if record else []

    def _store(self, result: WindowResult) -> WindowResult:
        """On a parse thread: write the window's days (the missing ones on a resume), record
        the window, and drop the frame (kept only when truncated, for the warning)."""
        window = result.window
        truncated = result.truncated
        wanted = self._missing.get(window)
        files = []
        for day, part in day_partitions(present(result.frame, dtype=self.options.dtype), self.column):
            relative = f"day={day}/part-{window_id(window)}.parquet"
            files.append(relative)
            if wanted is None or relative in wanted:
                atomic_write_parquet(part, self.root / relative)
                with self._lock:
                    self.written.append(self.root / relative)
        self._write_record(window, {"start": window.start.isoformat(), "end": window.end.isoformat(),
                                    "job_id": result.job.id, "rows": len(result.frame), "files": files,
                                    "truncated": truncated,
                                    "written_at": datetime.now(timezone.utc).isoformat()})
        # a copy: an empty slice would still reference (and keep alive) the whole frame's buffers
        if truncated:  # the warning needs the row count
            return result
        return WindowResult(window, result.job, result.frame.iloc[:0].copy(), result.total, result.reused,
                            result.layout)

    def _write_record(self, window: Window, data: dict[str, Any]) -> None:
        write_text_atomically(self._record_path(window), json.dumps(data, indent=1, sort_keys=True))


def atomic_write_parquet(frame: pd.DataFrame, target: Path) -> None:
    """``frame`` to ``target``, whole or not at all."""
    write_atomically(target, lambda path: frame.to_parquet(path, index=False))


def is_directory_output(output: str) -> bool:
    """``-o DIR/`` (a trailing slash) or an existing folder: partitioned output."""
    return output.endswith(("/", os.sep)) or Path(output).is_dir()
