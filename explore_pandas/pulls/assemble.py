"""Finished windows into one frame: time order, one categorical dtype, warnings and provenance."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from datetime import timezone
from typing import TYPE_CHECKING, Any

from explore_pandas.exceptions import RowLimitError, RowLimitWarning
from explore_pandas.frames.combine import harmonise, warn_layouts
from explore_pandas.frames.provenance import provenance, request_record, window_record
from explore_pandas.pulls.results import WindowResult

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.pulls.plan import Plan

__all__ = ["assemble", "concat_frames", "pull_provenance", "request_provenance", "row_limit_error",
           "time_ordered", "warn_truncated"]


def time_ordered(results: Iterable[WindowResult]) -> list[WindowResult]:
    return sorted(results, key=lambda r: r.window.start.astimezone(timezone.utc))


def assemble(plan: Plan, results: list[WindowResult], on_row_limit: str) -> pd.DataFrame:
    """Concatenate window frames in time order, warn about truncation, attach provenance."""
    import pandas as pd

    ordered = time_ordered(results)
    layouts = [r.layout for r in ordered]
    frame = concat_frames([r.frame for r in ordered], layouts=layouts, report=plan.report.slug,
                          stacklevel=5) if ordered else pd.DataFrame()
    warn_truncated(plan, ordered, stacklevel=4)
    frame.attrs["explore"] = pull_provenance(plan, ordered, on_row_limit)
    return frame


def warn_truncated(plan: Plan, results: Iterable[WindowResult], *, stacklevel: int = 3) -> None:
    """One :class:`RowLimitWarning` per window whose file is short of its rows."""
    for result in results:
        if result.truncated:
            warnings.warn(result.row_limit_message(plan.report.slug), RowLimitWarning, stacklevel=stacklevel)


def concat_frames(frames: list[pd.DataFrame], *, ignore_index: bool = True,
                  layouts: Sequence[str | None] = (), report: str = "", stacklevel: int = 3) -> pd.DataFrame:
    """Stack window frames; categorical columns keep one dtype with the union of categories.

    Each window's file has its own set of labels (sorted), and ``pd.concat``
    turns categoricals whose categories differ into plain strings. The union
    is in order of first appearance, window after window: the order of
    ``pandas.api.types.union_categoricals``, which is also how dask joins the
    partitions of ``engine="dask"`` on ``compute()``, so both engines give the
    same categories in the same order.

    Frames of different layouts (``layouts``, one per frame) or dtypes are made fit to
    stack first (`frames.combine.harmonise`), with one `SchemaDriftWarning` saying how.
    """
    import pandas as pd

    with_rows = [layout for frame, layout in zip(frames, layouts) if len(frame)]
    frames, notes = harmonise(frames)
    warn_layouts(report, with_rows or list(layouts), notes, stacklevel=stacklevel)
    unified = {}
    for column in dict.fromkeys(c for f in frames for c in f.columns):
        dtypes = [f[column].dtype for f in frames if column in f]
        if any(isinstance(d, pd.CategoricalDtype) for d in dtypes):
            labels = list(dict.fromkeys(c for d in dtypes if isinstance(d, pd.CategoricalDtype) for c in d.categories))
            unified[column] = pd.CategoricalDtype(labels)
    if unified:  # one astype per frame: each call rebuilds the frame
        frames = [f.astype({c: d for c, d in unified.items() if c in f}) for f in frames]
    return pd.concat(frames, ignore_index=ignore_index)


def pull_provenance(plan: Plan, results: list[WindowResult], on_row_limit: str) -> dict[str, Any]:
    """What ``df.attrs["explore"]`` holds: plain JSON types only."""
    windows = [window_record(r.window.start, r.window.end, r.job.id, r.row_count, r.total, r.reused, r.layout,
                             r.cached) for r in results]
    return provenance(request_provenance(plan, on_row_limit), windows)


def request_provenance(plan: Plan, on_row_limit: str) -> dict[str, Any]:
    """The part of the provenance known before any job runs: what was asked for."""
    return request_record(plan.report.slug, plan.timezone, plan.format, plan.start, plan.end, on_row_limit)


def row_limit_error(report: str, result: WindowResult) -> RowLimitError:
    """The error for a window at the row limit whose rows cannot all be fetched."""
    window = result.window
    return RowLimitError(result.row_limit_message(report),
                         window={"start": window.start.isoformat(), "end": window.end.isoformat()},
                         rows=result.row_count, job_id=result.job.id)
