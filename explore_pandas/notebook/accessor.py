"""``df.explore``: read, refresh and extend Explore reports, and read a frame's provenance.

The accessor is thin: every pull goes through :func:`explore_pandas.engines.read.read_report`,
it never changes the frame it is attached to, and it only ever writes plain
JSON types into ``df.attrs["explore"]`` (the provenance :func:`explore_pandas.frames.provenance.provenance`
builds). The provenance lives in ``attrs`` so it follows the frame through
pandas operations (slices, copies, pickles, parquet round trips).

It is registered on ``import explore_pandas`` without importing pandas
(:mod:`explore_pandas.notebook.pandas_hook`).

Examples
--------
>>> import pandas as pd, explore_pandas                                     # doctest: +SKIP
>>> df = pd.DataFrame.explore.read("calls", start="2026-08-01", end="2026-09-01", tz="Europe/Lisbon")
>>> df.explore.jobs                      # one row per job: window, job id, rows  # doctest: +SKIP
>>> longer = df.explore.extend(end="2026-10-01")                             # doctest: +SKIP
>>> ny = longer.explore.to_timezone("America/New_York")                      # doctest: +SKIP
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from explore_pandas.exceptions import NotFromExploreError, ValidationError

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.reports import ReportType

__all__ = ["NAME", "ExploreAccessor", "NotFromExploreError", "describe_provenance"]

NAME = "explore"
_NOT_FROM_EXPLORE = (
    "this DataFrame did not come from explore_pandas: use pd.DataFrame.explore.read(...) "
    "(or explore_pandas.read_report) to get one; df.attrs has no 'explore' provenance."
)


class ExploreAccessor:
    """The ``explore`` namespace of every DataFrame (see the module docstring).

    ``read`` works on the class (``pd.DataFrame.explore.read``); ``refresh``,
    ``extend`` and the provenance properties need a frame that came from
    Explore; ``to_timezone`` works on any frame.
    """

    def __init__(self, pandas_obj: pd.DataFrame) -> None:
        self._obj = pandas_obj

    def __repr__(self) -> str:
        """The provenance in a few lines: what was asked, how it was fetched, whether rows are missing."""
        try:
            meta = self._provenance()
        except NotFromExploreError:
            return ("<explore accessor: this DataFrame did not come from explore_pandas "
                    "(df.attrs has no 'explore' provenance); pd.DataFrame.explore.read(...) makes one>")
        return describe_provenance(meta)

    # -- creating frames ---------------------------------------------------------------------

    @staticmethod
    def read(report: str | ReportType, **options: Any) -> pd.DataFrame:
        """Pull ``report`` over [start, end) into a new DataFrame: :func:`explore_pandas.read_report`.

        Takes the same keyword arguments (``start``, ``end`` or ``last``, ``tz``, ``format``,
        ``name``, ``client``, ``on_row_limit``, ``max_concurrency``, ``progress``, ``poll``,
        ``fresh``, ``max_age``, ``dtype_backend``, ``columns``, ``dtype``).
        """
        from explore_pandas.engines.read import read_report

        return read_report(report, **options)

    def refresh(self, **options: Any) -> pd.DataFrame:
        """Run the same request again (new jobs): a new DataFrame; this one is left as it is.

        ``options`` (``client``, ``progress``, ``poll``, ``max_concurrency``...) go to
        :func:`read_report`; the report, range, zone, format and ``on_row_limit`` are this frame's.
        New jobs are created even where the job ledger could re-attach to the old
        ones (``fresh=True``; pass ``fresh=False`` to allow reuse).
        """
        meta = self._provenance()
        request = {"start": meta["start"], "end": meta["end"], **_request_options(meta), "fresh": True}
        return self._laid_out_like_this(self.read(meta["report"], **{**request, **options}))

    def extend(self, *, end: Any, **options: Any) -> pd.DataFrame:
        """This frame plus the rows of [its end, ``end``): a new, longer DataFrame.

        Only the new range is fetched (new jobs, cut into windows as ``read``
        does). Ranges are half-open, so the row at the seam is in exactly one
        part: no duplicate and no gap. The provenance is merged: windows and
        jobs of both, the new end, ``truncated`` if either part was.
        """
        from explore_pandas.api import validation
        from explore_pandas.pulls.assemble import concat_frames

        meta = self._provenance()
        zone = validation.check_timezone(meta["timezone"])
        old_end = datetime.fromisoformat(meta["end"])
        new_end = validation.to_zone(end, zone, "end")
        if new_end <= old_end:
            raise ValidationError(
                f"end {new_end.isoformat()} is not after this frame's end {old_end.isoformat()}: "
                "extend() fetches what follows the frame; use refresh() to fetch it again.",
                fields=[{"name": "end", "description": "must be after the frame's end"}],
            )
        request = {"start": old_end, "end": new_end, **_request_options(meta)}
        more = self._laid_out_like_this(self.read(meta["report"], **{**request, **options}))
        combined: pd.DataFrame
        if len(more.columns) == 0:
            combined = self._obj.copy()
        elif len(self._obj.columns) == 0:
            combined = more.copy()
        else:  # categoricals keep one dtype even when the new windows bring new labels
            combined = concat_frames([self._obj, more], ignore_index=self._time_index() is None,
                                     layouts=[meta.get("layout"), more.attrs[NAME].get("layout")],
                                     report=meta["report"], stacklevel=4)
        combined.attrs = {**copy.deepcopy(self._obj.attrs), NAME: merge_provenance(meta, more.attrs[NAME])}
        return combined

    def to_timezone(self, tz: str) -> pd.DataFrame:
        """A new frame with every tz-aware column (and a tz-aware index) converted to ``tz``.

        Naive and non-datetime columns are left alone. On a frame from Explore the
        provenance's ``timezone`` (and its times) follow, so ``refresh()`` and
        ``extend()`` then ask for the new zone.
        """
        import pandas as pd

        from explore_pandas.api import validation

        zone = validation.check_timezone(tz).key
        frame: pd.DataFrame = self._obj.copy(deep=False)  # copy-on-write: columns not converted stay shared
        for column, dtype in self._obj.dtypes.items():
            if isinstance(dtype, pd.DatetimeTZDtype):
                frame[column] = self._obj[column].dt.tz_convert(zone)
            elif _aware_arrow_timestamp(dtype):  # dtype_backend="pyarrow": the zone is the type's metadata
                import pyarrow as pa

                to = pd.ArrowDtype(pa.timestamp(dtype.pyarrow_dtype.unit, tz=zone))
                frame[column] = self._obj[column].astype(to)
        if isinstance(frame.index, pd.DatetimeIndex) and frame.index.tz is not None:
            frame.index = frame.index.tz_convert(zone)
        elif _aware_arrow_timestamp(frame.index.dtype):
            import pyarrow as pa

            unit = frame.index.dtype.pyarrow_dtype.unit  # type: ignore[union-attr]
            frame.index = frame.index.astype(pd.ArrowDtype(pa.timestamp(unit, tz=zone)))
        attrs = copy.deepcopy(self._obj.attrs)
        if isinstance(attrs.get(NAME), dict):
            attrs[NAME] = convert_provenance(attrs[NAME], zone)
        frame.attrs = attrs
        return frame

    def _time_index(self) -> str | None:
        """The time column this frame is indexed by, as ``engine="dask"`` frames are, or None."""
        import pandas as pd

        index = self._obj.index
        return str(index.name) if isinstance(index, pd.DatetimeIndex) and index.name is not None else None

    def _laid_out_like_this(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (a pandas-engine pull) indexed like this frame: by its time column if this one is."""
        column = self._time_index()
        return frame.set_index(column) if column is not None and column in frame.columns else frame

    # -- pictures ----------------------------------------------------------------------------

    def volume(self) -> pd.DataFrame:
        """Rows per local day (per hour for ranges under 2 days) over the requested range, empty bins 0.

        See :func:`explore_pandas.notebook.volume.volume`: ``rows``, ``gap`` and
        ``truncated`` columns, indexed by each bin's start in the request zone.
        """
        from explore_pandas.notebook.volume import volume

        return volume(self._obj)

    def plot_volume(self, ax: Any = None, **bar_options: Any) -> Any:
        """Draw :meth:`volume` with matplotlib (an optional dependency); the ``Axes``.

        Empty days (and an empty hour between two busy ones) are marked in red,
        days of a window that hit the row limit are orange, so that a gap or a
        truncated window jumps out. ``bar_options`` go to ``Axes.bar`` and win
        over its defaults (``color="green"``). Needs ``pip install 'explore_pandas[plot]'``.
        """
        from explore_pandas.notebook.volume import plot_volume

        return plot_volume(self._obj, ax=ax, **bar_options)

    # -- provenance --------------------------------------------------------------------------

    @property
    def provenance(self) -> dict[str, Any]:
        """A copy of ``df.attrs["explore"]``: report, zone, range, windows, jobs, rows."""
        return self._provenance()

    @property
    def jobs(self) -> pd.DataFrame:
        """One row per job that produced this frame: job id, window start/end, rows, truncated."""
        import pandas as pd

        meta = self._provenance()
        columns = ["job_id", "start", "end", "rows", "total", "truncated"]
        table: pd.DataFrame = pd.DataFrame([{c: w.get(c) for c in columns} for w in meta["windows"]], columns=columns)
        for column in ("start", "end"):
            table[column] = pd.to_datetime(table[column], utc=True).dt.tz_convert(meta["timezone"])
        return table

    @property
    def report_type(self) -> ReportType:
        """The report type (slug, display name) of this frame's request."""
        from explore_pandas.reports import report_type

        return report_type(self._provenance()["report"])

    @property
    def timespan(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The requested range ``(start, end)``, end exclusive, in the request's zone."""
        import pandas as pd

        meta = self._provenance()
        return cast(
            "tuple[pd.Timestamp, pd.Timestamp]",
            tuple(pd.Timestamp(meta[k]).tz_convert(meta["timezone"]) for k in ("start", "end")),
        )

    @property
    def timezone(self) -> str:
        """The IANA time zone of the request: every datetime column is in it."""
        return str(self._provenance()["timezone"])

    @property
    def truncated(self) -> bool:
        """True if any window reached the API's row limit (rows are missing)."""
        return bool(self._provenance()["truncated"])

    def _provenance(self) -> dict[str, Any]:
        meta = self._obj.attrs.get(NAME)
        if not isinstance(meta, dict) or not {"report", "timezone", "start", "end", "windows"} <= meta.keys():
            raise NotFromExploreError(_NOT_FROM_EXPLORE)
        return copy.deepcopy(meta)


def describe_provenance(meta: dict[str, Any]) -> str:
    """``repr(df.explore)``: the request, its windows and jobs, rows, and whether any window was cut."""
    from explore_pandas.pulls.runner import bound_label

    def count(n: int, word: str) -> str:
        return f"{n:,} {word}{'' if n == 1 else 's'}"

    start, end = (datetime.fromisoformat(meta[key]) for key in ("start", "end"))
    rows = meta.get("rows")
    truncated = ("yes: some window reached the row limit, rows are missing" if meta.get("truncated") else "no")
    return "\n".join([
        (f"explore: {meta['report']} {bound_label(start)} .. {bound_label(end)} {meta['timezone']} "
         f"(end exclusive), format {meta.get('format', '?')}"),
        (f"  {count(len(meta.get('windows', [])), 'window')}, {count(len(meta.get('jobs', [])), 'job')}, "
         + ("rows unknown" if rows is None else count(int(rows), "row")) + f", truncated: {truncated}"),
        "  df.explore.jobs (per job), .refresh() (new jobs), .extend(end=...) (what follows)",
    ])


def _aware_arrow_timestamp(dtype: Any) -> bool:
    import pandas as pd
    import pyarrow as pa

    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_timestamp(dtype.pyarrow_dtype) \
        and dtype.pyarrow_dtype.tz is not None


def _request_options(meta: dict[str, Any]) -> dict[str, Any]:
    """What ``refresh()`` and ``extend()`` ask for again: the zone, format, row-limit choice,
    and how the frame was shaped (``dtype_backend``, ``columns``, ``dtype``)."""
    options = {"tz": meta["timezone"]}
    for key in ("format", "on_row_limit", "dtype_backend", "columns", "dtype"):
        if meta.get(key) is not None:
            options[key] = meta[key]
    return options


def merge_provenance(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The provenance of ``before``'s rows followed by ``after``'s (plain JSON types)."""
    merged = copy.deepcopy(before)
    windows = [*before.get("windows", []), *after.get("windows", [])]
    merged.update(
        end=after["end"],
        windows=windows,
        jobs=[*before.get("jobs", []), *after.get("jobs", [])],
        rows=_sum_rows(before.get("rows", 0), after.get("rows", 0)),
        truncated=bool(before.get("truncated")) or bool(after.get("truncated")),
    )
    if "layout" in before or "layout" in after:  # the files' layouts, as a pull of the whole range says
        from explore_pandas.frames.combine import combined_layout

        merged["layout"] = combined_layout([w.get("layout") for w in windows], [w.get("rows") for w in windows])
    if before.get("engine") != after.get("engine"):  # rows read by both engines: say neither
        merged.pop("engine", None)
    if "peak_concurrency" in before or "peak_concurrency" in after:
        merged["peak_concurrency"] = max(before.get("peak_concurrency") or 0, after.get("peak_concurrency") or 0)
    if "rate_limited" in before or "rate_limited" in after:
        merged["rate_limited"] = (before.get("rate_limited") or 0) + (after.get("rate_limited") or 0)
    return merged


def _sum_rows(before: Any, after: Any) -> int | None:
    """Rows of both parts; None (unknown, as after ``engine="dask"``) if either is unknown."""
    return None if before is None or after is None else int(before) + int(after)


def convert_provenance(meta: dict[str, Any], zone: str) -> dict[str, Any]:
    """``meta`` with its zone and every ISO time in it moved to ``zone`` (same instants)."""
    from zoneinfo import ZoneInfo

    target = ZoneInfo(zone)

    def move(text: str) -> str:
        return datetime.fromisoformat(text).astimezone(target).isoformat()

    converted = copy.deepcopy(meta)
    converted["timezone"] = zone
    for key in ("start", "end"):
        if isinstance(converted.get(key), str):
            converted[key] = move(converted[key])
    for window in converted.get("windows", []):
        for key in ("start", "end"):
            if isinstance(window.get(key), str):
                window[key] = move(window[key])
    return converted
