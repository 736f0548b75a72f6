"""``read_report(..., engine="dask")``: a pull as a lazy ``dask.dataframe.DataFrame``.

One partition per window of the plan. Computing a partition runs that
window's job on a Dask worker: the task builds its own :class:`Client` from
the driver client's settings (a requests session never travels), re-attaches
to the window's job through the ledger or creates it, waits, downloads and
parses, through the one windows loop and the same
:class:`~explore_pandas.pulls.fetch.WindowFetcher` as the pandas engine.

The account's quota of 15 simultaneous jobs holds across every worker through
one ``distributed.Semaphore`` of 15 leases per account, shared by every pull of
that account on the cluster; a task holds a lease from just before its job is
created (or re-attached) until the job is done; the download and parse happen
outside it, as in the pandas engine. A ``max_concurrency`` below 15 adds a
second semaphore of that size (per account and size, taken first), so a pull
never runs more than that many jobs, and all pulls together never more than 15.

Layout of the result
--------------------
* The index is the report's time column (``get_schema(slug).timespan_field``,
  e.g. ``end_at`` for calls), named as that column; the column itself moves
  into the index (``reset_index()`` gives the pandas engine's frame back).
  Dask keeps divisions on the index only, which is why the column becomes it.
* Divisions are the window starts plus the last window's end, as timezone-aware
  ``pandas.Timestamp`` in the request zone. The API filters on that column,
  so each window's rows lie in its ``[start, end)``, and ``ddf.loc[a:b]`` reads
  only the windows that overlap ``[a, b]`` (``.loc`` is inclusive at both ends:
  a selection that ends exactly at a window's start also reads that window).
* Each partition is sorted by the time column (stably; files already are).
* A window at the 1,000,000-row limit with ``on_row_limit="split"`` (the
  default) stays ONE partition: the task fetches its halves (recursively) and
  concatenates them, so divisions stay those of the plan. ``"raise"`` raises
  :class:`RowLimitError` when the partition is computed, and so does a window
  that cannot be split further (one second holding 1,000,000 rows). ``"warn"``
  is refused: a warning raised on a worker never reaches the user.
* Columns keep the pandas engine's dtypes: dask's conversion of text columns
  to ``string[pyarrow]`` (``dataframe.convert-string``) is off for this collection.
* The columns are the registry's, optional ones included (a file without one
  gives it empty): a dask collection has one schema, known before compute. A file
  with a column the registry does not know, or with values that do not fit a
  column's type (the pandas engine keeps both, with a ``SchemaDriftWarning``), fails
  on compute with an ``ExploreError`` naming them: a warning raised on a worker
  never reaches the user, and the column would be lost or the dtype not the meta's.
  ``engine="pandas"`` reads such files; ``columns=`` leaves an unknown column out.
  ``columns=`` keeps only those (the time column always: it is the index) and
  ``dtype=`` overrides apply in every partition, as in the pandas engine.
  ``dtype_backend="pyarrow"`` gives ``pd.ArrowDtype`` columns whose types do not
  depend on the rows: text stays plain ``string`` (the pandas engine
  dictionary-encodes text with few distinct values, a choice made per frame that
  partitions could not share) and categories are dictionaries with ``int32`` indices.
* The layout is the report's current one (``frames.layouts``; ``v1`` for calls), as
  the API serves today: a window whose file is in an older layout fails on compute with
  an ``ExploreError`` saying so (the pandas engine reads every layout); it is never
  conformed to the current columns, which would drop almost all of its own.
* Categorical columns have *unknown* categories in ``meta`` (each window's
  file has its own labels); ``compute()`` joins the partitions with
  ``union_categoricals``: labels in order of first appearance, window after
  window, exactly the categories (and order) of the pandas engine.
* Every partition carries ``attrs["explore"]``, the request's provenance
  (report, zone, format, range, windows, ``"engine": "dask"``), so a computed
  frame has it and ``df.explore`` (``timespan``, ``refresh()``, ``extend()``...)
  works on it. Job ids are not in it: each is known only to the worker that ran
  it (``explore-pandas jobs`` lists them from the ledger); ``jobs`` and each
  window's ``job_id`` and ``rows`` are empty. ``truncated`` is False: no row
  is ever missing without an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explore_pandas.api.polling import PollPolicy
from explore_pandas.api.retry import QuotaWait
from explore_pandas.engines.dask_quota import LeaseLimit, semaphore_name, semaphore_specs
from explore_pandas.exceptions import ExploreError
from explore_pandas.files import scratch_folder
from explore_pandas.frames.layouts import layouts_of
from explore_pandas.frames.parsing import empty_frame as parsing_empty_frame
from explore_pandas.frames.schemas import get_schema
from explore_pandas.frames.shaping import present
from explore_pandas.pulls.assemble import (
    concat_frames,
    request_provenance,
    row_limit_error,
    time_ordered,
)
from explore_pandas.pulls.fetch import WindowFetcher
from explore_pandas.pulls.ledger import Ledger
from explore_pandas.pulls.options import PullOptions
from explore_pandas.pulls.results import WindowResult
from explore_pandas.pulls.runner import progress_bar, run_windows
from explore_pandas.pulls.windows import Window

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.api.client import Client
    from explore_pandas.pulls.plan import Plan

INSTALL_HINT = "pip install 'explore_pandas[dask]'"


class DaskNotInstalledError(ExploreError, ImportError):
    """``engine="dask"`` without ``dask[distributed]`` installed."""


def require_dask() -> tuple[Any, Any]:
    """``(dask.dataframe, distributed)``, or a :class:`DaskNotInstalledError` naming the install."""
    try:
        import dask.dataframe as dd
        import distributed
    except ImportError as error:
        raise DaskNotInstalledError(
            f"engine='dask' needs dask and distributed ({error}). Install them with: {INSTALL_HINT}"
        ) from error
    return dd, distributed


# -- what a task gets: plain, picklable values --------------------------------------------------


@dataclass(frozen=True)
class ClientSpec:
    """How to build a :class:`Client` on a worker: settings, not a session."""

    settings: Any  # config.Settings (holds the secret: it travels inside the task graph)
    timeout: Any = None
    verify: Any = True

    @classmethod
    def of(cls, client: Client) -> ClientSpec:
        return cls(client.settings, client.timeout, client.verify)

    def build(self) -> Client:
        from explore_pandas.api.client import Client  # the class itself is needed at run time here

        options: dict[str, Any] = {"settings": self.settings, "verify": self.verify}
        if self.timeout is not None:
            options["timeout"] = self.timeout
        return Client(**options)


@dataclass(frozen=True)
class WindowTask:
    """Everything one partition needs, shipped to a worker."""

    plan: Plan
    window: Window
    client: ClientSpec
    on_row_limit: str
    poll: PollPolicy
    fresh: bool
    ledger_dir: str | None  # None: the ledger is off
    semaphores: tuple[tuple[str, int], ...]  # (name, max_leases), taken in this order; () for none
    index: str | None  # the time column to index by
    provenance: dict[str, Any]  # the frame's attrs["explore"]
    quota_wait: QuotaWait
    encoding_errors: str
    columns: tuple[str, ...] | None = None  # what is read (the index column included)
    dtype_backend: str = "numpy_nullable"
    dtype: dict[str, Any] | None = None


# -- one partition --------------------------------------------------------------------------------


def fetch_partition(task: WindowTask) -> pd.DataFrame:
    """Run one window's job on this worker and return its typed frame, indexed by time.

    The window runs through the one windows loop on one thread: with
    ``on_row_limit="split"``, a window at the limit is fetched again as halves
    (recursively) and they are concatenated into this one partition.
    """
    with task.client.build() as client:
        options = PullOptions(client=client, on_row_limit=task.on_row_limit, poll=task.poll, progress=False,
                              ledger=Ledger(task.ledger_dir) if task.ledger_dir else None, fresh=task.fresh,
                              quota_wait=task.quota_wait, encoding_errors=task.encoding_errors,
                              columns=task.columns)
        fetcher = WindowFetcher(task.plan, options, slots=LeaseLimit(task.semaphores))
        with scratch_folder("explore-dask-") as scratch:
            results = run_windows([task.window], lambda window: fetcher.fetch(window, scratch), workers=1,
                                  cancelled=fetcher.cancelled, bar=progress_bar(task.plan, False))
    results = time_ordered(results)
    check_layout(task.plan, results)
    for result in results:
        if result.truncated:  # a window too short to split: a warning would never reach the user
            raise row_limit_error(task.plan.report.slug, result)
    frames = [r.frame for r in results]
    frame = frames[0] if len(frames) == 1 else concat_frames(frames)
    frame = _indexed(shaped(conform(frame, empty_frame(task.plan, task.columns), task), task), task.index)
    frame.attrs = {"explore": task.provenance}  # the same in every partition: compute() keeps it
    return frame


def shaped(frame: pd.DataFrame, task: WindowTask) -> pd.DataFrame:
    """The partition (or the meta) in the pull's ``dtype_backend`` and ``dtype``, with dtypes
    that do not depend on its rows (see the module docstring)."""
    return present(frame, task.dtype_backend, task.dtype, stable=True)


def check_layout(plan: Plan, results: list[WindowResult]) -> None:
    """Refuse a window whose file is not in the collection's layout (the report's current one).

    A dask collection has one schema, fixed before anything runs (``meta``): the columns,
    dtypes and time index of the report's current layout. A file in an older layout
    (``calls`` before 11 May 2026, section 8.2) has other columns and another time column;
    conformed to ``meta`` it would lose almost every column, so it is an error instead.
    """
    slug, current = plan.report.slug, layouts_of(plan.report.slug)[0].layout
    for result in results:
        if result.row_count and result.layout not in (None, current):
            window = result.window
            raise ExploreError(
                f"the {slug} file of {window.start.isoformat()} .. {window.end.isoformat()} is in the "
                f"{result.layout!r} layout, not the current {current!r} one that engine='dask' "
                "collections have (one schema, known before compute): read this range with "
                "engine='pandas', which reads every layout (and says which in attrs['explore']['layout'])."
            )


def _indexed(frame: pd.DataFrame, index: str | None) -> pd.DataFrame:
    if index is None:
        return frame
    frame = frame.set_index(index)
    if not frame.index.is_monotonic_increasing:
        frame = frame.sort_index(kind="stable")
    return frame


# -- the collection -------------------------------------------------------------------------------


def empty_frame(plan: Plan, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The pandas engine's columns (or ``columns``) and dtypes with no rows: what an empty file
    of the report gives."""
    return parsing_empty_frame(plan.report.slug, tz=plan.timezone, columns=columns)


def conform(frame: pd.DataFrame, meta: pd.DataFrame, task: WindowTask) -> pd.DataFrame:
    """``frame`` with exactly ``meta``'s columns, in its order: a column the file lacks (an
    optional one) is added empty with its dtype; a column ``meta`` lacks, or one whose values
    did not fit its type, is an `ExploreError` (see the module docstring)."""
    import pandas as pd

    unknown = [c for c in frame.columns if c not in meta.columns]
    mistyped = [c for c in meta.columns if c in frame.columns and not _same_dtype(frame[c].dtype, meta[c].dtype)]
    if unknown or mistyped:
        window = task.window
        said = [f"columns the registry does not know: {unknown}"] if unknown else []
        said += [f"values that do not fit their column's type in {mistyped} (read as text)"] if mistyped else []
        raise ExploreError(
            f"the {task.plan.report.slug} file of {window.start.isoformat()} .. {window.end.isoformat()} has "
            f"{' and '.join(said)}: a dask collection has one schema, fixed before compute, and nothing is "
            "dropped silently. Read this range with engine='pandas' (it keeps them, with a SchemaDriftWarning)"
            + (", or pass columns=[...] without them." if unknown and not mistyped else "."))
    if list(frame.columns) == list(meta.columns):
        return frame
    columns = {c: frame[c] if c in frame.columns else meta[c].reindex(frame.index) for c in meta.columns}
    conformed: pd.DataFrame = pd.DataFrame(columns, index=frame.index)
    return conformed


def _same_dtype(got: Any, meta: Any) -> bool:
    import pandas as pd

    if isinstance(meta, pd.CategoricalDtype):  # each file has its own labels
        return isinstance(got, pd.CategoricalDtype)
    return bool(got == meta)


def dask_provenance(plan: Plan, on_row_limit: str) -> dict[str, Any]:
    """``attrs["explore"]`` of every partition: what the pandas engine records, less what only
    the workers learn (job ids, rows per window); see the module docstring."""
    windows = [{"start": w.start.isoformat(), "end": w.end.isoformat(), "job_id": None, "rows": None,
                "total": None, "truncated": False, "reused": None} for w in plan.windows]
    return {**request_provenance(plan, on_row_limit), "engine": "dask", "jobs": [], "windows": windows,
            "rows": None, "truncated": False}


def time_column(plan: Plan, columns: Any) -> str | None:
    field = get_schema(plan.report.slug).timespan_field
    return field if field is not None and field in columns else None


def with_time_column(plan: Plan, columns: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """``columns`` with the report's time column, which indexes the collection, first."""
    field = get_schema(plan.report.slug).timespan_field
    if columns is None or field is None or field in columns:
        return columns
    return (field, *columns)


def read_report_dask(plan: Plan, options: PullOptions, *, semaphore: str | bool | None = None) -> Any:
    """A lazy ``dask.dataframe.DataFrame`` of ``plan``: one partition per window.

    Parameters
    ----------
    plan : Plan
        From :func:`plan_pull`.
    options : PullOptions
        Resolved for ``engine="dask"``. The client's settings (not the client)
        go to the workers; ``max_concurrency`` is the jobs at once across the
        whole cluster; the ledger's folder must be reachable from the workers
        (it is on a LocalCluster; on many machines use a shared folder or
        ``ledger=False``). ``progress`` does not apply.
    semaphore : str or False, optional
        Name of the ``distributed.Semaphore`` holding the account's quota (default:
        one per account); ``False`` puts no cluster-wide limit (the API's 429s do).
        Needs a ``distributed.Client`` connected when this is called.
    """
    dd, distributed = require_dask()
    from dask.dataframe.utils import clear_known_categories

    client = options.client
    ledger_dir = str(options.ledger.directory) if options.ledger is not None else None

    specs: tuple[tuple[str, int], ...] = ()
    if semaphore is not False:
        try:
            scheduler = distributed.get_client()
        except ValueError:
            raise ExploreError(
                "engine='dask' runs the jobs on a Dask cluster and holds the account's quota with a "
                "distributed.Semaphore: connect one first, e.g. `from distributed import Client, "
                "LocalCluster; Client(LocalCluster())`."
            ) from None
        del scheduler  # the tasks create the semaphore on first use, by name
        specs = semaphore_specs(semaphore if isinstance(semaphore, str) else semaphore_name(client),
                                options.max_concurrency)

    import pandas as pd

    columns = with_time_column(plan, options.columns)
    index = time_column(plan, empty_frame(plan).columns)
    provenance = {**dask_provenance(plan, options.on_row_limit), **options.shape_record(), "columns": columns}
    tasks = [
        WindowTask(plan, window, ClientSpec.of(client), options.on_row_limit, options.poll, options.fresh,
                   ledger_dir, specs, index, provenance, options.quota_wait, options.encoding_errors,
                   columns, options.dtype_backend, options.dtype)
        for window in plan.windows
    ]
    meta = clear_known_categories(_indexed(shaped(empty_frame(plan, columns), tasks[0]), index))
    meta.attrs = {"explore": provenance}
    divisions = None
    if index is not None:
        bounds = [w.start for w in plan.windows] + [plan.windows[-1].end]
        divisions = tuple(pd.Timestamp(b).tz_convert(plan.timezone) for b in bounds)
    import dask

    # dask would turn the str columns into string[pyarrow] (NA semantics): keep the pandas engine's dtypes
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_map(fetch_partition, tasks, meta=meta, divisions=divisions,
                           label=f"explore-{plan.report.slug}", enforce_metadata=False)
