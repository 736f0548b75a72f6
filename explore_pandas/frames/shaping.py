"""A typed report frame shaped as asked: only some columns, pandas' ``dtype_backend``, ``dtype`` overrides.

Every frame is first built in the default backend (``numpy_nullable``: ``Int64``, ``boolean``,
``category``, ``str``, ``datetime64[us, tz]``, ``timedelta64[us]``), the form the cache of
parsed windows keeps. `present` then turns it into what the caller asked for, the same
function whether the rows come from a file, from several windows or from the cache, so that
the three give equal frames.

``dtype_backend="pyarrow"``: every column becomes a ``pd.ArrowDtype``: timestamps keep their
zone, durations are ``duration[us]``, flags ``bool``, integers ``int64``. Text with few
distinct values (at most half the rows: names, emails, teams, labels) and categories become
dictionary-encoded strings with the narrowest index type that holds them (``int8`` for up to
127 values), which is where most of the memory goes. Arrow's dictionary columns do not sort
or take ``.str`` in pandas 3.1: ``s.astype(pd.ArrowDtype(pa.string()))`` gives plain text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from explore_pandas.exceptions import ParseError

__all__ = ["apply_dtype", "present", "select_columns", "to_pyarrow"]

_SAMPLE = 10_000  # rows looked at first to tell names and labels from IDs


def select_columns(table: pa.Table, columns: Sequence[str] | None, null_type: Any) -> pa.Table:
    """``columns`` of ``table``, in that order; a column the file lacks is all null (``null_type(key)``)."""
    if columns is None:
        return table
    arrays = [table.column(key) if key in table.column_names else pa.nulls(table.num_rows, null_type(key))
              for key in columns]
    return pa.table(arrays, names=list(columns))


def _index_type(size: int) -> Any:
    for typ, top in ((pa.int8(), 127), (pa.int16(), 32_767)):
        if size <= top:
            return typ
    return pa.int32()


def _dictionary(indices: Any, dictionary: Any) -> Any:
    return pa.DictionaryArray.from_arrays(indices.cast(_index_type(len(dictionary))), dictionary)


def _categorical(series: pd.Series) -> Any:
    codes = series.cat.codes.to_numpy()
    indices = pa.array(codes, mask=codes < 0)
    return _dictionary(indices, pa.array(series.cat.categories.astype(object), pa.string()))


def _arrow(series: pd.Series) -> Any:
    """The column as one Arrow array: without a copy for Arrow-backed and masked pandas arrays."""
    values = series.array
    arr = pa.array(values) if hasattr(values, "__arrow_array__") else pa.Array.from_pandas(series)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _text(series: pd.Series) -> Any:
    arr = _arrow(series).cast(pa.string())
    sample = arr.slice(0, _SAMPLE)
    if not len(arr) or pc.count_distinct(sample).as_py() * 2 > len(sample):
        return arr  # mostly distinct values (IDs, URLs): encoding would not save memory
    encoded = pc.dictionary_encode(arr)
    if len(encoded.dictionary) * 2 > len(arr):
        return arr
    return _dictionary(encoded.indices, encoded.dictionary)


def _column(series: pd.Series, stable: bool) -> Any:
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype):
        return series.array
    if isinstance(dtype, pd.CategoricalDtype):
        labels = _categorical(series)
        if stable:  # one index type whatever the number of labels
            labels = pa.DictionaryArray.from_arrays(labels.indices.cast(pa.int32()), labels.dictionary)
        return pd.arrays.ArrowExtensionArray(labels)
    if isinstance(dtype, pd.StringDtype) or dtype == object:
        return pd.arrays.ArrowExtensionArray(_arrow(series).cast(pa.string()) if stable else _text(series))
    return pd.arrays.ArrowExtensionArray(_arrow(series))


def to_pyarrow(frame: pd.DataFrame, *, stable: bool = False) -> pd.DataFrame:
    """The frame with every column a ``pd.ArrowDtype`` (see the module docstring).

    ``stable=True`` gives dtypes that do not depend on the values, for a collection whose
    partitions share one schema known before any row (``engine="dask"``): text is never
    dictionary-encoded (whether it pays depends on the rows) and categories are
    dictionaries with ``int32`` indices.
    """
    out = pd.DataFrame({key: _column(frame[key], stable) for key in frame.columns}, index=frame.index)
    out.attrs = frame.attrs
    return out


def apply_dtype(frame: pd.DataFrame, dtype: Mapping[str, Any]) -> pd.DataFrame:
    """``frame.astype(dtype)``, never losing a value: a value that does not convert, or that an
    integer dtype cannot hold (pandas' ``astype`` wraps 10690 to -62 in ``int8``), is a
    `ParseError` naming the column, as ``pd.read_csv(dtype=...)`` refuses an unsafe cast."""
    for key, wanted in dtype.items():
        if key not in frame.columns:
            continue
        try:
            _check_fits(frame[key], wanted)
            with np.errstate(all="ignore"):  # an overflowing cast is judged below, not warned about
                if _seconds_to_duration(frame[key], wanted):
                    seconds = frame[key].to_numpy(dtype="float64", na_value=np.nan)  # any backend, NA kept
                    converted = pd.Series(pd.to_timedelta(seconds, unit="s"), index=frame.index).astype(wanted)
                else:
                    _check_not_epoch(frame[key], wanted)
                    converted = _source(frame[key], wanted).astype(wanted)
                    _check_kept(frame[key], converted)
            frame[key] = converted
        except (TypeError, ValueError, OverflowError, NotImplementedError, pa.ArrowException) as error:
            raise ParseError(f"dtype: column {key!r} ({frame[key].dtype}) cannot become {wanted}: "
                             f"{str(error).splitlines()[0] if str(error) else type(error).__name__}. Give it a "
                             "dtype that holds every value (a wider one; 'Int64', 'boolean' or 'string' where "
                             "values are missing), or leave it out of dtype.") from None
    return frame


def _check_fits(series: pd.Series, wanted: Any) -> None:
    """Raise ValueError when a value of ``series`` has no place in ``wanted``: a label outside
    its categories, a number outside its integers."""
    target = pd.api.types.pandas_dtype(wanted)
    if isinstance(target, pd.CategoricalDtype) and target.categories is not None:
        values = series.dropna()
        outside = ~values.astype(object).isin(list(target.categories))
        if outside.any():  # pandas would make them missing (and warn that it will refuse, one day)
            raise ValueError(f"{int(outside.sum())} values would become missing: they are not among its "
                             f"categories (e.g. {values[outside].iloc[0]!r})")
        return
    numeric = pd.api.types.is_numeric_dtype
    if not (pd.api.types.is_integer_dtype(target) and numeric(series.dtype)) or pd.api.types.is_bool_dtype(series.dtype):
        return
    values = series.dropna()
    if not len(values):
        return
    numbers = values.astype("float64").to_numpy(dtype="float64")  # Arrow floats have no % in pandas
    fractions = numbers % 1 != 0
    if fractions.any():
        raise ValueError(f"it holds fractions (e.g. {float(numbers[fractions][0])})")

    limits = np.iinfo(getattr(target, "numpy_dtype", target))
    low, high = values.min(), values.max()
    if low < limits.min or high > limits.max:
        raise ValueError(f"its values run from {low} to {high}, outside {limits.min}..{limits.max}")


def _number(dtype: Any) -> bool:
    return bool(pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _seconds_to_duration(series: pd.Series, wanted: Any) -> bool:
    """Numbers asked to become durations: they are seconds (every integer duration the API
    writes is, explore-api.md section 8.4), in any unit asked; ``astype`` would read nanoseconds."""
    target = pd.api.types.pandas_dtype(wanted)
    duration = pd.api.types.is_timedelta64_dtype(target) or (
        isinstance(target, pd.ArrowDtype) and pa.types.is_duration(target.pyarrow_dtype))
    return _number(series.dtype) and duration


def _check_not_epoch(series: pd.Series, wanted: Any) -> None:
    """Numbers are not times: ``astype`` would read 776 as 776 nanoseconds after 1970."""
    target = pd.api.types.pandas_dtype(wanted)
    timestamp = pd.api.types.is_datetime64_any_dtype(target) or (
        isinstance(target, pd.ArrowDtype) and pa.types.is_timestamp(target.pyarrow_dtype))
    if _number(series.dtype) and timestamp:
        raise ValueError("numbers are not times (astype would count nanoseconds since 1970); convert "
                         "them yourself with pd.to_datetime(values, unit=...) if they are epoch times")


def _check_kept(before: pd.Series, after: pd.Series) -> None:
    """Raise ValueError when the conversion lost a value: a value became missing (a category not
    in the list), or a number, time or duration reads back as another one (float16's inf, float64
    beyond 2**53, seconds cut from times). Text converted to numbers is judged by the parse alone."""
    lost = after.isna().to_numpy(dtype=bool) & before.notna().to_numpy(dtype=bool)
    if lost.any():
        raise ValueError(f"{int(lost.sum())} values would become missing (e.g. {before[lost].iloc[0]!r})")
    kind = before.dtype
    if pd.api.types.is_string_dtype(kind) or isinstance(kind, pd.CategoricalDtype) or kind == object:
        _check_digits_kept(before, after)
        return
    if pd.api.types.is_float_dtype(after.dtype) and pd.api.types.is_numeric_dtype(kind):
        values = after.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
        infinite = np.isinf(values) & before.notna().to_numpy(dtype=bool)
        if infinite.any():  # too big for the float type: inf never reads back
            raise ValueError(f"{int(infinite.sum())} values are too large for it (e.g. {before[infinite].iloc[0]!r})")
    if pd.api.types.is_float_dtype(kind) and pd.api.types.is_float_dtype(after.dtype):
        return  # a narrower float rounds (float32 keeps ~7 digits): that is what it is asked for
    try:
        back = after.astype(kind)
    except (TypeError, ValueError, OverflowError, pa.ArrowException):
        return  # no way back to compare with: the conversion's own checks decide
    changed = (back != before).fillna(False).to_numpy(dtype=bool) & before.notna().to_numpy(dtype=bool)
    if changed.any():
        raise ValueError(f"{int(changed.sum())} values would change (e.g. {before[changed].iloc[0]!r} "
                         f"would become {after[changed].iloc[0]!r})")


def _check_digits_kept(before: pd.Series, after: pd.Series) -> None:
    """Text of whole numbers made floats: refuse when a float cannot hold one exactly (IDs of 16+
    digits: "9007199254740993" would read 9007199254740992.0)."""
    if not pd.api.types.is_float_dtype(after.dtype):
        return
    text = before.dropna().astype(str).str.strip()
    whole = text[text.str.fullmatch(r"[-+]?[0-9]{16,}")]
    for index, digits in whole.items():
        value = after.loc[index]  # type: ignore[call-overload]
        if pd.notna(value) and float(value) == float(value) and int(float(value)) != int(digits):
            raise ValueError(f"{digits} would become {float(value)!r}: a float holds about 15 digits "
                             "(keep it as text, or use 'Int64' for whole numbers)")


def _source(series: pd.Series, wanted: Any) -> pd.Series:
    """Arrow dictionary text as plain Arrow text before a pandas categorical (the direct cast
    fails on nulls: "zero_copy_only")."""
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_dictionary(dtype.pyarrow_dtype) \
            and isinstance(pd.api.types.pandas_dtype(wanted), pd.CategoricalDtype):
        return series.astype(pd.ArrowDtype(dtype.pyarrow_dtype.value_type))
    return series


def present(frame: pd.DataFrame, dtype_backend: str = "numpy_nullable",
            dtype: Mapping[str, Any] | None = None, *, stable: bool = False) -> pd.DataFrame:
    """The default-backend ``frame`` in ``dtype_backend``, then with the ``dtype`` overrides
    (``stable``: see `to_pyarrow`)."""
    if dtype_backend == "pyarrow":
        frame = to_pyarrow(frame, stable=stable)
    if dtype:
        frame = apply_dtype(frame, dtype)
    return frame

