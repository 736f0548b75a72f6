"""Frames of one report read from several files, made fit to stack: one dtype per column.

A pull can span a change of a report's layout (``explore-api.md`` section 8.2: the ``calls``
payload of 11 May 2026), and its windows' files are then in two layouts. The layouts' own
columns are kept (each is empty in the other layout's rows); a column both have with
different kinds is given one dtype, never an object column of mixed values or units:

* a duration (``timedelta64``) in one layout and a number in another: the number is a count of
  seconds (every integer duration the docs show is in seconds, section 8.4) and becomes a
  duration;
* any other disagreement (e.g. a flag in one and text in another): text.

Only values count: a column with no value in a file (all null, or missing) carries no type
evidence, and takes the dtype of the files that hold values for it.

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

    Only values are evidence of a column's type: a column that is all null in a frame (or
    that a frame lacks) takes the dtype the frames holding values give it, whatever its
    file made of it (text, for an unknown column with no value). A frame with no rows (an
    empty file, read as the current layout whatever the others') is left out when any other
    has rows: it adds no row, and must add no column or dtype.
    """
    frames = list(frames)
    if any(len(f) for f in frames):
        frames = [f for f in frames if len(f)]
    notes: list[str] = []
    columns = dict.fromkeys(c for f in frames for c in f.columns)
    for column in columns:
        having = [i for i, f in enumerate(frames) if column in f.columns]
        valued = [i for i in having if frames[i][column].notna().any()] or having
        frames, note = _one_dtype(frames, column, valued)
        notes += [note] if note else []
        target = frames[valued[0]][column].dtype
        frames = [f.assign(**{column: pd.Series(index=f.index, dtype=target)})
                  if i in having and i not in valued and f[column].dtype != target else f
                  for i, f in enumerate(frames)]
    return [_with_columns(f, columns, frames) for f in frames], notes


def _one_dtype(frames: list[pd.DataFrame], column: str, valued: list[int]) -> tuple[list[pd.DataFrame], str | None]:
    """``column`` of the frames ``valued`` made one dtype, and a note when values changed kind."""
    dtypes = [frames[i][column].dtype for i in valued]
    if len({str(d) for d in dtypes}) < 2:
        return frames, None
    if len({_kind(d) for d in dtypes}) == 1 and _kind(dtypes[0]) is not None:
        return frames, None  # datetimes in one zone, or durations, in other units (pandas 2 reads ns, 3 us): they stack
    durations = [d for d in dtypes if pd.api.types.is_timedelta64_dtype(d)]
    if durations and all(pd.api.types.is_timedelta64_dtype(d) or _numeric(d) for d in dtypes):
        target = durations[0]
        frames = [f.assign(**{column: _to_duration(f[column], target)})
                  if i in valued and _numeric(f[column].dtype) else f for i, f in enumerate(frames)]
        return frames, f"{column!r} is a duration in some files and seconds in others: all durations"
    if any(isinstance(d, pd.CategoricalDtype) for d in dtypes) or all(_numeric(d) for d in dtypes):
        return frames, None  # categoricals are unified by the caller; numbers stack as numbers
    common = _arrow_common(dtypes)
    if common is not None:  # dtype_backend="pyarrow": text encoded per frame, or not
        return [f.assign(**{column: f[column].astype(common)}) if i in valued else f
                for i, f in enumerate(frames)], None
    frames = [f.assign(**{column: f[column].astype("str").where(f[column].notna(), None)})
              if i in valued else f for i, f in enumerate(frames)]
    return frames, f"{column!r} has dtypes {sorted({str(d) for d in dtypes})}: all text"


def _with_columns(frame: pd.DataFrame, columns: dict[str, None], frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``frame`` with every column of ``columns``: one it lacks is added empty, with the
    dtype the frames holding values give it (``pd.concat`` would make it ``object`` or
    ``float64``)."""
    if list(frame.columns) == list(columns):
        return frame
    missing = {}
    for column in columns:
        if column not in frame.columns:
            having = [f for f in frames if column in f.columns]
            dtype = next((f[column].dtype for f in having if f[column].notna().any()), having[0][column].dtype)
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


def _arrow_common(dtypes: Sequence[Any]) -> Any:
    """One ``pd.ArrowDtype`` for Arrow columns that differ only in dictionary encoding (each
    frame chose its own index width, or none): dictionaries with ``int32`` indices when all
    are dictionaries, else the plain values' type; None when they differ in more than that."""
    import pyarrow as pa

    if not all(isinstance(d, pd.ArrowDtype) for d in dtypes):
        return None
    types = [d.pyarrow_dtype for d in dtypes]
    values = {t.value_type if pa.types.is_dictionary(t) else t for t in types}
    if len(values) != 1:
        return None
    value = values.pop()
    if all(pa.types.is_dictionary(t) for t in types):
        return pd.ArrowDtype(pa.dictionary(pa.int32(), value))
    return pd.ArrowDtype(value)


def _kind(dtype: Any) -> str | None:
    """``datetime <zone>`` or ``duration`` whatever the unit; None for anything else."""
    if isinstance(dtype, pd.DatetimeTZDtype):
        return f"datetime {dtype.tz}"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "datetime naive"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "duration"
    return None
