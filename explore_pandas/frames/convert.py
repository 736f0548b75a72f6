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
#: Text that means "no value" in every column, text or typed (section 8.4: null, "" or "None"):
#: one missing-value rule for every column and every format.
NULL_TOKENS = pa.array(["", "None"])
#: The spellings of a flag, in any case (the CSV reader is given them in three casings).
TRUE_WORDS = frozenset({"true", "yes", "y", "t", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "f", "0"})
_NULLISH = pa.array(["", "None", None])
# A fraction of a second has a dot or (ISO 8601 allows it) a comma, and up to nine digits.
_DATETIME = r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}:\d{2}([.,]\d{1,9})?([Zz]|[+-]\d{2}(:?\d{2})?)?$"
_INT = r"^-?(0|[1-9]\d*)$"
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
    """Text column with ``""`` and ``"None"`` turned into null, when it holds either (the
    usual text column holds neither, and is returned as it is)."""
    if not pc.any(pc.is_in(arr, NULL_TOKENS)).as_py():
        return arr
    return null_tokens(arr)


def _all(mask: Array) -> bool:
    # Nulls are skipped: a column of nulls passes any test.
    return pc.all(mask).as_py() is not False


def _try_cast(arr: Array, typ: pa.DataType) -> Array | None:
    try:
        return pc.cast(arr, typ)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


_DT_PARTS = (
    r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<hour>\d{1,2}):(?P<rest>\d{2}:\d{2})(?:[.,](?P<fraction>\d{1,9}))?"
    r"(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)


def _localise(naive: Array, zone: str) -> Array:
    """Naive wall times of ``zone`` as UTC instants (``timestamp[us, UTC]``)."""
    if zone == "UTC":
        return pc.cast(naive, pa.timestamp(UNIT, tz="UTC"))
    local = pc.assume_timezone(naive, timezone=zone, ambiguous="earliest", nonexistent="latest")
    return pc.cast(local, pa.timestamp(UNIT, tz="UTC"))


def _mixed_datetimes(arr: Array, zone: str) -> Array | None:
    """Text mixing naive values, ``Z``, offsets and unpadded hours, to UTC instants.

    Each value is split into its date, hour, rest and zone designator; the naive part is
    parsed once for the whole column and each row's offset (if any) is subtracted.
    """
    parts = pc.extract_regex(arr, _DT_PARTS)
    if parts.null_count != arr.null_count:
        return None  # some value is not a datetime
    date, hour, rest, fraction, zone_text = (
        pc.struct_field(parts, name) for name in ("date", "hour", "rest", "fraction", "zone"))
    # Microseconds: a 7th to 9th digit (nanoseconds) is cut off, as the frames hold microseconds.
    fraction = pc.utf8_rpad(pc.utf8_slice_codeunits(fraction, 0, 6), 6, "0")
    text = pc.binary_join_element_wise(date, " ", pc.utf8_lpad(hour, 2, "0"), ":", rest, ".", fraction, "")
    naive = _try_cast(text, pa.timestamp(UNIT))
    if naive is None:
        return None  # e.g. month 13 or hour 25
    has_zone = pc.not_equal(zone_text, "")
    local = _localise(naive, zone).cast(pa.int64())
    digits = pc.replace_substring(pc.replace_substring_regex(zone_text, r"^[Zz+-]", ""), ":", "")
    digits = pc.utf8_rpad(digits, 4, "0")
    minutes = pc.add(
        pc.multiply(pc.cast(pc.utf8_slice_codeunits(digits, 0, 2), pa.int64()), 60),
        pc.cast(pc.utf8_slice_codeunits(digits, 2, 4), pa.int64()))
    sign = pc.if_else(pc.starts_with(zone_text, "-"), -1, 1)
    instants = pc.subtract(naive.cast(pa.int64()), pc.multiply(pc.multiply(minutes, sign), 60_000_000))
    out = pc.if_else(has_zone, instants, local)
    return pc.cast(out, pa.timestamp(UNIT, tz="UTC"))


def to_datetime(arr: Array, tz: str, zone: str = "UTC") -> Array | None:
    """Datetime text (or Arrow timestamps) to ``timestamp[us, tz]``.

    Handles ``2022-01-08 05:00:00``, ``2026-04-23T10:22:26Z``, ``2023-02-10 17:07:22.809``,
    ``2025-03-28 0:00:00``, ``+01:00`` offsets and fractions with a comma
    (``10:22:26,123``, ISO 8601), mixed in one column. The result is in microseconds: a
    fraction of seven to nine digits (nanoseconds) is truncated, not rounded, to its first
    six (``.123456789`` is ``.123456``). Naive values are wall times of ``zone`` (where
    the report renders them). ``""``, ``"None"`` and null become null; ``None`` is returned when some other value is not a datetime.
    """
    target = pa.timestamp(UNIT, tz=tz)
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), target)
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is None:
            return pc.cast(_localise(arr.cast(pa.timestamp(UNIT)), zone), target)
        return pc.cast(arr.cast(pa.timestamp(UNIT, tz=arr.type.tz)), target)
    if not _is_text(arr):
        return None
    arr = null_tokens(arr)
    # Fast paths first: one cast for naive text, one for text that all carries a zone.
    out = _try_cast(arr, pa.timestamp(UNIT))
    if out is not None:
        out = _localise(out, zone)
    else:
        out = _try_cast(arr, pa.timestamp(UNIT, tz="UTC"))
    if out is None:
        out = _mixed_datetimes(arr, zone)
    if out is None:
        return None
    return pc.cast(out, target)


def _exact_float(arr: Array) -> Array | None:
    """Numeric text to ``float64``, unless an integer in it is too big for a float.

    No number passes through float64 unless it has a fraction or is exact there: an
    integer literal of 2**53 or more would silently lose digits, so its column is no float.
    """
    integers = pc.match_substring_regex(arr, _INT)
    if pc.any(integers).as_py():
        whole = _try_cast(pc.if_else(integers, arr, pa.scalar(None, arr.type)), pa.int64())
        if whole is None or not _all(pc.less(pc.abs(whole), 2**53)):
            return None
    return _try_cast(arr, pa.float64())


def to_int(arr: Array) -> Array | None:
    """Integers (or integral text or floats) to ``int64``; ``None`` beyond int64."""
    if pa.types.is_integer(arr.type) or pa.types.is_null(arr.type):
        return _try_cast(arr, pa.int64())
    if _is_text(arr):
        arr = null_tokens(arr)
        out = _try_cast(arr, pa.int64())
        if out is not None:
            return out
        arr = _exact_float(arr)
    if arr is None or not pa.types.is_floating(arr.type):
        return None
    if not _all(pc.equal(pc.floor(arr), arr)) or not _all(pc.less(pc.abs(arr), 2.0**53)):
        return None
    return pc.cast(arr, pa.int64())


def to_float(arr: Array) -> Array | None:
    """Numbers (or numeric text) to ``float64``."""
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_null(
        arr.type
    ):
        return pc.cast(arr, pa.float64())
    if _is_text(arr):
        return _exact_float(null_tokens(arr))
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
    truthy = [v for v in spellings if v.lower() in TRUE_WORDS]
    if len(truthy) + sum(v.lower() in FALSE_WORDS for v in spellings) != len(spellings):
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
    """Any column to text with ``""`` and ``"None"`` as null (section 8.4, as in typed columns;
    CSV cannot tell ``""`` from null, so JSON must not); numbers become their decimal text."""
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.string())
    if not _is_text(arr):
        cast = _try_cast(arr, pa.string())
        return arr if cast is None else cast
    return null_empty(arr)


def to_category(arr: Array) -> Array:
    """Text to a dictionary array (categories are sorted later, in pandas)."""
    if pa.types.is_dictionary(arr.type):  # encoded by the CSV reader: one dictionary per block
        arr = arr.cast(arr.type.value_type)
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


def convert(arr: Array, kind: str, tz: str, zone: str = "UTC") -> Array | None:
    """Convert one column to ``kind``; ``None`` when its values do not fit the kind.

    ``zone`` is where the file's naive datetimes are wall times (see `to_datetime`).
    """
    if kind == "datetime":
        return to_datetime(arr, tz, zone)
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


def infer(arr: Array, key: str, tz: str, zone: str = "UTC") -> Array:
    """Type a column the registry does not know.

    JSON numbers, booleans and lists keep their type. Text becomes a datetime when every
    value is a datetime, a boolean when every value is true/false/yes/no, and a number when
    every value is one, unless the key names an identifier or a value has a leading zero
    (IDs and phone numbers stay text).
    """
    if pa.types.is_timestamp(arr.type):
        return to_datetime(arr, tz, zone)
    if not _is_text(arr):
        if pa.types.is_null(arr.type) or (
            _looks_like_id(key) and (pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type))
        ):
            return to_text(arr)  # as a CSV gives it: identifiers are never numbers
        return arr
    arr = tokens = null_empty(arr)
    if arr.null_count == len(arr):
        return arr
    if _all(pc.match_substring_regex(tokens, _DATETIME)):
        out = to_datetime(arr, tz, zone)
        if out is not None:
            return out
    distinct = pc.unique(tokens)
    if len(distinct) <= 5 and {
        str(v).lower() for v in distinct.to_pylist() if v is not None
    } <= {"true", "false", "yes", "no"}:
        return to_bool(tokens)
    if not _looks_like_id(key):
        if _all(pc.match_substring_regex(tokens, _INT)):
            # Integers that fit int64 are integers; longer ones stay text, digit for digit.
            number = _try_cast(tokens, pa.int64())
            return arr if number is None else number
        if _all(pc.match_substring_regex(tokens, _FLOAT)):
            number = _exact_float(tokens)
            if number is not None:
                return number
    return arr


def first_misfit(arr: Array, kind: str, tz: str, zone: str = "UTC") -> tuple[int, Any] | None:
    """The first value of a column that does not fit ``kind``, and its (0-based) row.

    For the warning that says a column is not of its kind: each distinct value (the first
    1,000) is tried alone, in order of first appearance.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    for value in pc.unique(arr).to_pylist()[:1000]:
        if value is None:
            continue
        if convert(pa.array([value], arr.type), kind, tz, zone) is None:
            return int(pc.index(arr, pa.scalar(value, arr.type)).as_py()), value
    return None
