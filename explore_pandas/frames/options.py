"""pandas' reader options on report frames: ``dtype_backend``, ``columns`` and ``dtype``, checked.

Each check raises a `ValidationError` naming the option (``fields``), before any file is
read or any request sent; the pulls' options (``pulls.options``) call the same checks.
``columns`` and ``dtype`` keys are the report's JSON keys in any of its layouts
(`layouts`); a name that is not one gets the closest ones as a suggestion. A report whose
columns are undocumented (``known=False``) takes any name.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from explore_pandas.exceptions import ValidationError
from explore_pandas.frames.layouts import layouts_of

__all__ = ["DTYPE_BACKENDS", "check_columns", "check_dtype", "check_dtype_backend", "known_columns"]

#: As in pandas' readers: ``numpy_nullable`` (the default: Int64, boolean, category, str...)
#: or ``pyarrow`` (every column a ``pd.ArrowDtype``).
DTYPE_BACKENDS = ("numpy_nullable", "pyarrow")


def _invalid(name: str, message: str, description: str) -> ValidationError:
    return ValidationError(message, fields=[{"name": name, "description": description}])


def check_dtype_backend(dtype_backend: Any) -> str:
    """``"numpy_nullable"`` or ``"pyarrow"``."""
    if dtype_backend not in DTYPE_BACKENDS:
        raise _invalid("dtype_backend", f"dtype_backend={dtype_backend!r}: use 'numpy_nullable' (the default: "
                       "Int64, boolean, category, str) or 'pyarrow' (pd.ArrowDtype columns), as in pandas' readers.",
                       "must be numpy_nullable or pyarrow")
    return str(dtype_backend)


def known_columns(report: str) -> list[str] | None:
    """Every JSON key of the report's layouts, in order; None when its columns are undocumented."""
    layouts = layouts_of(report)
    if not any(schema.known for schema in layouts):
        return None
    return list(dict.fromkeys(key for schema in layouts for key in schema.keys))


def _check_names(names: Iterable[Any], report: str, option: str) -> list[str]:
    names = list(names)
    for name in names:
        if not isinstance(name, str) or not name:
            raise _invalid(option, f"{option}: {name!r} is not a column name; give the report's JSON keys "
                           "as strings, e.g. ['call_id', 'start_at'].", "must be column names (strings)")
    known = known_columns(report)
    if known is None:
        return names
    for name in names:
        if name not in known:
            # A name close to a column of the registry is a typo; any other may be a column the API
            # added since (kept with a SchemaDriftWarning, explore-api.md section 9.10): it is read
            # if the file has it, and said in the drift warning if not.
            folded = name.strip().lower().replace(" ", "_")  # TALK_TIME, "Talk Time": talk_time
            close = difflib.get_close_matches(folded, known, n=3, cutoff=0.6)
            if close:
                raise _invalid(option, f"{option}: the {report} report has no column {name!r}. Did you mean "
                               f"{', '.join(repr(c) for c in close)}? Its columns: {', '.join(known)}.",
                               f"{name!r} is not a column of {report}")
    return names


def check_columns(columns: Any, report: str) -> tuple[str, ...] | None:
    """The columns to read (None: all), no repeats, at least one; a name close to a column of the
    report's registry but not one is a typo (refused with the close ones), any other may be a
    column the API added since."""
    if columns is None:
        return None
    if isinstance(columns, (str, bytes)) or not isinstance(columns, Iterable):
        raise _invalid("columns", f"columns={columns!r}: give a list of column names, e.g. "
                       "['call_id', 'start_at'].", "must be a list of column names")
    names = _check_names(columns, report, "columns")
    if not names:
        raise _invalid("columns", "columns=[]: give at least one column (or None for all).",
                       "must name at least one column")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise _invalid("columns", f"columns: {repeated} appear more than once.", "must not repeat a column")
    return tuple(names)


def check_dtype(dtype: Any, report: str, columns: tuple[str, ...] | None = None) -> dict[str, Any] | None:
    """Per-column dtype overrides: ``{column: dtype}``, each a column read and a pandas dtype."""
    if dtype is None:
        return None
    if not isinstance(dtype, Mapping):
        raise _invalid("dtype", f"dtype={dtype!r}: give a mapping of column to dtype, e.g. "
                       "{'talk_time': 'float64'}.", "must be a mapping of column name to dtype")
    import pandas as pd

    _check_names(dtype, report, "dtype")
    if columns is not None:
        left_out = [name for name in dtype if name not in columns]
        if left_out:
            raise _invalid("dtype", f"dtype: {left_out} are not among columns={list(columns)}.",
                           "must name only columns that are read")
    checked = {}
    for name, value in dtype.items():
        if value is None:  # pandas_dtype(None) is float64: never what None was meant to say
            raise _invalid("dtype", f"dtype: None for {name!r} is not a dtype; give one (e.g. 'float64') or "
                           "leave the column out of dtype.", f"{name!r} must map to a pandas dtype")
        try:
            checked[name] = pd.api.types.pandas_dtype(value)
        except (TypeError, ValueError) as error:
            raise _invalid("dtype", f"dtype: {value!r} for {name!r} is not a pandas dtype ({error}).",
                           f"{name!r} must map to a pandas dtype") from None
    return checked
