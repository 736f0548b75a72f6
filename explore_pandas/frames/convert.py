"""Vectorised conversion of one report column (an Arrow array) to its registry kind.

Private module of `parsing`. Every function takes the column as read from the file (strings
from CSV; strings, numbers, booleans or lists from JSON) and returns an Arrow array of the
target type, or ``None`` when the values do not fit the kind: the caller then keeps the
column as text and reports it, rather than losing values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

UNIT = "us"
#: Text that means "no value" in a typed column (section 8.4: null, "" or "None").
NULL_TOKENS = pa.array(["", "None"])
_TRUE = frozenset({"true", "yes", "y", "t", "1"})
_FALSE = frozenset({"false", "no", "n", "f", "0"})
_NULLISH = pa.array(["", "None", None])
_DATETIME = r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$"
_INT = r"^-?(0|[1-9]\d{0,14})$"
_FLOAT = r"^-?(0|[1-9]\d*)?(\.\d+)?([eE][-+]?\d+)?$"
_DHMS = r"^\s*(?:(?P<d>\d+)d)?\s*(?:(?P<h>\d+)h)?\s*(?:(?P<m>\d+)m)?\s*(?:(?P<s>\d+)s)?\s*$"
_US = {"seconds": 1e6, "minutes": 60e6}

if TYPE_CHECKING:
    # pyarrow ships no type information: to mypy an Arrow array is Any.
    Array: TypeAlias = Any
else:
    Array = pa.Array | pa.ChunkedArray


def _is_text(arr: Array) -> bool:
    return cast(bool, pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type))


def null_tokens(arr: Array) -> Array:
    """Text column with ``""`` and ``"None"`` turned into nulls."""
    return pc.if_else(pc.is_in(arr, NULL_TOKENS), pa.scalar(None, arr.type), arr)


def null_empty(arr: Array) -> Array:
    """Text column with ``""`` turned into null (CSV cannot tell them apart, so JSON must not)."""
    if not pc.any(pc.equal(arr, "")).as_py():
        return arr
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)


def _all(mask: Array) -> bool:
    # Nulls are skipped: a column of nulls passes any test.
    return pc.all(mask).as_py() is not False


def _try_cast(arr: Array, typ: pa.DataType) -> Array | None:
    try:
        return pc.cast(arr, typ)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def to_datetime(arr: Array, tz: str) -> Array | None:
    """UTC datetime text (or Arrow timestamps) to ``timestamp[us, tz]``.

    Handles ``2022-01-08 05:00:00``, ``2026-04-23T10:22:26Z``, ``2023-02-10 17:07:22.809``
    and ``2025-03-28 0:00:00``; ``""``, ``"None"`` and null become null.
    """
    target = pa.timestamp(UNIT, tz=tz)
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), target)
    if pa.types.is_timestamp(arr.type):
        # A naive timestamp is a UTC instant here; changing the zone only relabels it.
        return pc.cast(arr.cast(pa.timestamp(UNIT, tz=arr.type.tz or "UTC")), target)
    if not _is_text(arr):
        return None
    arr = null_tokens(arr)
    # Fast paths first: one cast for naive text, one for text that all carries "Z".
    out = _try_cast(arr, pa.timestamp(UNIT))
    if out is None:
        out = _try_cast(arr, pa.timestamp(UNIT, tz="UTC"))
    if out is None:
        # Mixed or unpadded: drop the "Z" (values are UTC anyway), pad a one-digit hour.
        fixed = pc.replace_substring_regex(arr, r"Z$", "")
        fixed = pc.replace_substring_regex(fixed, r"^(\d{4}-\d{2}-\d{2})[ T](\d):", r"\1 0\2:")
        out = _try_cast(fixed, pa.timestamp(UNIT))
    if out is None:
        return None
    return pc.cast(out, target)


def to_int(arr: Array) -> Array | None:
    """Integers (or integral text or floats) to ``int64``."""
    if pa.types.is_integer(arr.type) or pa.types.is_null(arr.type):
        return pc.cast(arr, pa.int64())
    if _is_text(arr):
        arr = null_tokens(arr)
        out = _try_cast(arr, pa.int64())
        if out is not None:
            return out
        arr = _try_cast(arr, pa.float64())
    if arr is None or not pa.types.is_floating(arr.type):
        return None
    if not _all(pc.equal(pc.floor(arr), arr)):
        return None
    return pc.cast(arr, pa.int64())


def to_float(arr: Array) -> Array | None:
    """Numbers (or numeric text) to ``float64``."""
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_null(
        arr.type
    ):
        return pc.cast(arr, pa.float64())
    if _is_text(arr):
        return _try_cast(null_tokens(arr), pa.float64())
    return None


def to_bool(arr: Array) -> Array | None:
    """JSON booleans, Yes/No, TRUE/FALSE, true/false, NO (any case) to ``bool``."""
    if pa.types.is_boolean(arr.type) or pa.types.is_null(arr.type):
        return pc.cast(arr, pa.bool_())
    if pa.types.is_integer(arr.type):
        arr = pc.cast(arr, pa.string())
    if not _is_text(arr):
        return None
    # Flags have a handful of distinct spellings: decide on those, then one is_in pass.
    spellings = [v for v in pc.unique(arr).to_pylist() if v is not None and v != "None"]
    spellings = [v for v in spellings if v != ""]
    truthy = [v for v in spellings if v.lower() in _TRUE]
    if len(truthy) + sum(v.lower() in _FALSE for v in spellings) != len(spellings):
        return None
    flags = pc.is_in(arr, pa.array(truthy, arr.type))
    return pc.if_else(pc.is_in(arr, _NULLISH), pa.scalar(None, pa.bool_()), flags)


def _to_duration(us: Array) -> Array:
    return pc.cast(pc.cast(us, pa.int64()), pa.duration(UNIT))


def to_duration(arr: Array, kind: str) -> Array | None:
    """Seconds, minutes, day fractions or ``"0d 0h 0m 42s"`` to ``duration[us]``."""
    if kind == "dhms":
        return _dhms(arr)
    number = to_float(arr)
    if number is None:
        return None
    if kind == "days":
        # Day fractions are floats: 6 s is 0.000069444446. Round to the millisecond, the
        # finest step the data has (studio's time_in_step is 0.139 s = 1.6087963E-6 days).
        return _to_duration(pc.multiply(pc.round(pc.multiply(number, 86_400_000.0)), 1000))
    return _to_duration(pc.round(pc.multiply(number, _US[kind])))


def _dhms(arr: Array) -> Array | None:
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.duration(UNIT))
    if not _is_text(arr):
        return None
    arr = null_tokens(arr)
    parts = pc.extract_regex(arr, _DHMS)
    if parts.null_count != arr.null_count:
        return None  # some text did not match
    total = None
    for name, scale in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        text = pc.struct_field(parts, name)
        value = pc.cast(pc.if_else(pc.equal(text, ""), "0", text), pa.int64())
        value = pc.multiply(value, scale * 1_000_000)
        total = value if total is None else pc.add(total, value)
    return _to_duration(total)


def to_list(arr: Array) -> Array | None:
    """JSON arrays of strings, or their text (``["85.240.88.175"]`` in CSV), to ``list<string>``."""
    target = pa.list_(pa.string())
    if pa.types.is_list(arr.type) or pa.types.is_null(arr.type):
        return _try_cast(arr, target)
    if not _is_text(arr):
        return None
    if len(arr) == 0:  # a header-only CSV: nothing to parse, the column is simply empty
        return pa.array([], type=target)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    # Parse all cells at once with Arrow's JSON reader: one '{"v": <cell>}' line per row.
    lines = pc.binary_join_element_wise('{"v":', pc.fill_null(null_tokens(arr), "null"), "}\n", "")
    _, offsets, data = lines.cast(pa.large_string()).buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)
    body = data[int(bounds[0]):int(bounds[len(arr)])] if len(arr) else pa.py_buffer(b"")
    schema = pa.schema([("v", target)])
    try:
        table = pa_json.read_json(
            pa.BufferReader(body), parse_options=pa_json.ParseOptions(explicit_schema=schema)
        )
    except pa.ArrowInvalid:
        return None
    return table.column("v") if len(table) == len(arr) else None


def to_text(arr: Array) -> Array:
    """Any column to text with ``""`` as null; numbers become their decimal text."""
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    if not _is_text(arr):
        cast = _try_cast(arr, pa.string())
        return arr if cast is None else cast
    return null_empty(arr)


def to_category(arr: Array) -> Array:
    """Text to a dictionary array (categories are sorted later, in pandas)."""
    arr = to_text(arr)
    if isinstance(arr, pa.ChunkedArray):
        # One dictionary for the whole column, not one per chunk to unify later.
        arr = arr.combine_chunks()
    return pc.dictionary_encode(arr)


_BY_KIND: dict[str, Callable[[Array], Array | None]] = {
    "int": to_int,
    "float": to_float,
    "bool": to_bool,
    "list": to_list,
}


def convert(arr: Array, kind: str, tz: str) -> Array | None:
    """Convert one column to ``kind``; ``None`` when its values do not fit the kind."""
    if kind == "datetime":
        return to_datetime(arr, tz)
    if kind in ("seconds", "minutes", "days", "dhms"):
        return to_duration(arr, kind)
    if kind in ("id", "str"):
        return to_text(arr)
    if kind == "category":
        return to_category(arr)
    return _BY_KIND[kind](arr)


_ID_WORDS = frozenset({"id", "ids", "uuid", "number", "phone", "identifier", "code", "tid"})


def _looks_like_id(key: str) -> bool:
    """``agent_id``, ``callsid``, ``company_number``...: a key naming an identifier."""
    last = re.split(r"[^0-9a-z]+", key.lower().strip("_?-. "))[-1]
    return last in _ID_WORDS or last.endswith("sid")


def infer(arr: Array, key: str, tz: str) -> Array:
    """Type a column the registry does not know.

    JSON numbers, booleans and lists keep their type. Text becomes a datetime when every
    value is a datetime, a boolean when every value is true/false/yes/no, and a number when
    every value is one, unless the key names an identifier or a value has a leading zero
    (IDs and phone numbers stay text).
    """
    if pa.types.is_timestamp(arr.type):
        return to_datetime(arr, tz)
    if not _is_text(arr):
        return to_text(arr) if pa.types.is_null(arr.type) else arr
    arr = null_empty(arr)
    if arr.null_count == len(arr):
        return arr
    tokens = null_tokens(arr)
    if tokens.null_count == len(tokens):
        return arr
    if _all(pc.match_substring_regex(tokens, _DATETIME)):
        out = to_datetime(arr, tz)
        if out is not None:
            return out
    distinct = pc.unique(tokens)
    if len(distinct) <= 5 and {
        str(v).lower() for v in distinct.to_pylist() if v is not None
    } <= {"true", "false", "yes", "no"}:
        return to_bool(tokens)
    if not _looks_like_id(key):
        if _all(pc.match_substring_regex(tokens, _INT)):
            return pc.cast(tokens, pa.int64())
        if _all(pc.match_substring_regex(tokens, _FLOAT)):
            number = _try_cast(tokens, pa.float64())
            if number is not None:
                return number
    return arr
