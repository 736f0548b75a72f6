"""Frames of one report read from several files, made fit to stack: one dtype per column.

A pull can span a change of a report's layout (``explore-api.md`` section 8.2: the ``calls``
payload of 11 May 2026), and its windows' files are then in two layouts. The layouts' own
columns are kept (each is empty in the other layout's rows); a column both have with
different kinds is given one dtype, never an object column of mixed values or units:

* a duration (``timedelta64``) in one layout and a number in another: the number is a count of
  seconds (every integer duration the docs show is in seconds, section 8.4) and becomes a
  duration;
* any other disagreement (e.g. a flag in one and text in another): text.

`harmonise` returns the frames and notes on what it did, for one `SchemaDriftWarning`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from explore_pandas.exceptions import SchemaDriftWarning

__all__ = ["combined_layout", "harmonise", "warn_layouts"]


def combined_layout(layouts: Sequence[str | None], rows: Sequence[int | None] | None = None) -> str | None:
    """The layout of rows read from files of these layouts: the one, or ``"pre2026+v1"`` (in
    order of first appearance) when they differ; ``None`` when none is known. With ``rows``
    (each file's), files without rows do not count unless none has any: an empty file
    is read as the current layout, whatever the others are."""
    pairs = list(zip(layouts, rows if rows is not None else [None] * len(layouts)))
    if any(n for _, n in pairs):
        pairs = [(layout, n) for layout, n in pairs if n is None or n > 0]
    known = list(dict.fromkeys(layout for layout, _ in pairs if layout))
    return "+".join(known) if known else None


def _numeric(dtype: Any) -> bool:
    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _to_duration(series: pd.Series, dtype: Any) -> pd.Series:
    seconds = pd.to_numeric(series, errors="coerce").astype("float64")
    converted: pd.Series = pd.to_timedelta(seconds, unit="s").astype(dtype)
    return converted


def harmonise(frames: Sequence[pd.DataFrame]) -> tuple[list[pd.DataFrame], list[str]]:
    """The frames with one dtype per column (see the module docstring), and notes on changes.

    A frame with no rows (an empty file, read as the current layout whatever the others')
    is left out when any other has rows: it adds no row, and must add no column or dtype.
    """
    frames = list(frames)
    if any(len(f) for f in frames):
        frames = [f for f in frames if len(f)]
    notes: list[str] = []
    columns = dict.fromkeys(c for f in frames for c in f.columns)
    for column in columns:
        dtypes = [f[column].dtype for f in frames if column in f.columns]
        if len({str(d) for d in dtypes}) < 2:
            continue
        if len({_kind(d) for d in dtypes}) == 1 and _kind(dtypes[0]) is not None:
            continue  # datetimes in one zone, or durations, in other units (pandas 2 reads ns, 3 us): they stack
        durations = [d for d in dtypes if pd.api.types.is_timedelta64_dtype(d)]
        if durations and all(pd.api.types.is_timedelta64_dtype(d) or _numeric(d) for d in dtypes):
            target = durations[0]
            frames = [f.assign(**{column: _to_duration(f[column], target)})
                      if column in f.columns and _numeric(f[column].dtype) else f for f in frames]
            notes.append(f"{column!r} is a duration in some files and seconds in others: all durations")
        elif any(isinstance(d, pd.CategoricalDtype) for d in dtypes) or all(
                pd.api.types.is_numeric_dtype(d) and not pd.api.types.is_bool_dtype(d) for d in dtypes):
            continue  # categoricals are unified by the caller; numbers stack as numbers
        else:
            frames = [f.assign(**{column: f[column].astype("str").where(f[column].notna(), None)})
                      if column in f.columns else f for f in frames]
            notes.append(f"{column!r} has dtypes {sorted({str(d) for d in dtypes})}: all text")
    return [_with_columns(f, columns, frames) for f in frames], notes


def _with_columns(frame: pd.DataFrame, columns: dict[str, None], frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``frame`` with every column of ``columns``: one it lacks is added empty, with the
    dtype the other frames give it (``pd.concat`` would make it ``object`` or ``float64``)."""
    if list(frame.columns) == list(columns):
        return frame
    missing = {}
    for column in columns:
        if column not in frame.columns:
            dtype = next(f[column].dtype for f in frames if column in f.columns)
            missing[column] = pd.Series(index=frame.index, dtype=dtype)
    return pd.concat([frame, pd.DataFrame(missing, index=frame.index)], axis=1)[list(columns)] \
        if missing else frame[list(columns)]


def warn_layouts(report: str, layouts: Sequence[str | None], notes: Sequence[str], *,
                 stacklevel: int = 3) -> None:
    """One SchemaDriftWarning when rows of several layouts (or dtypes) were stacked."""
    known = list(dict.fromkeys(layout for layout in layouts if layout))
    if len(known) < 2 and not notes:
        return
    said = f"report {report!r}: "
    if len(known) > 1:
        said += (f"rows of the layouts {known} are combined (each layout's own columns are empty "
                 "in the other's rows)")
    if notes:
        said += ("; " if len(known) > 1 else "") + "; ".join(notes)
    warnings.warn(said, SchemaDriftWarning, stacklevel=stacklevel)


def _kind(dtype: Any) -> str | None:
    """``datetime <zone>`` or ``duration`` whatever the unit; None for anything else."""
    if isinstance(dtype, pd.DatetimeTZDtype):
        return f"datetime {dtype.tz}"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "datetime naive"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "duration"
    return None
