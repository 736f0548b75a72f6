"""Wire rendering for the emulator: typed Arrow columns to CSV cells and JSON tokens.

Everything here is vectorised over Arrow arrays (no per-row Python) so a 1,000,000-row file
renders in seconds. A rendered row is one Arrow string per row; a day's text is the data
buffer of that string array, written straight to the file.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from explore_pandas.emulator.catalog import ISO_Z, MILLIS, NAIVE, UNPADDED, Column

_FORMATS = (NAIVE, ISO_Z, MILLIS, UNPADDED)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)


def ascii_strings(mat: NDArray[Any], keep: NDArray[Any] | None = None) -> pa.StringArray:
    """Turn an ``(n, width)`` uint8 matrix of ASCII codes into an Arrow string array.

    ``keep`` (same shape, bool) drops characters, which gives rows of different lengths.
    """
    n, width = mat.shape
    if keep is None:
        data = mat.tobytes()
        offsets = np.arange(0, n * width + 1, width, dtype=np.int64)
    else:
        data = mat[keep].tobytes()
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(keep.sum(axis=1), out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.large_string(), n, buffers).cast(pa.string())


def _put(mat: NDArray[Any], col: int, values: NDArray[Any], width: int) -> None:
    """Write zero-padded decimal ``values`` into ``mat[:, col:col+width]``."""
    for i in range(width - 1, -1, -1):
        mat[:, col + i] = _DIGITS[values % 10]
        values = values // 10


def _civil(days: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Days since 1970-01-01 to (year, month, day); H. Hinnant's civil_from_days."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, day


def format_ms(ms: NDArray[Any], fmt: str, *, utc: bool = True) -> pa.StringArray:
    """Render int64 epoch milliseconds (wall time) in one of the catalogue formats.

    ``utc=False`` drops the ``Z`` of `ISO_Z`, for wall times of another zone.
    """
    if fmt not in _FORMATS:
        raise ValueError(f"unsupported datetime format {fmt!r}")
    millis = fmt == MILLIS
    zulu = fmt == ISO_Z and utc
    width = 19 + 4 * millis + zulu
    mat = np.empty((len(ms), width), dtype=np.uint8)
    days, rest = np.divmod(ms.astype(np.int64), 86_400_000)
    year, month, day = _civil(days)
    fields = ((0, year, 4), (5, month, 2), (8, day, 2), (11, rest // 3_600_000, 2),
              (14, rest // 60_000 % 60, 2), (17, rest // 1000 % 60, 2))
    for col, values, digits in fields:
        _put(mat, col, values, digits)
    mat[:, [4, 7]] = ord("-")
    mat[:, [13, 16]] = ord(":")
    mat[:, 10] = ord("T") if fmt == ISO_Z else ord(" ")
    if millis:
        mat[:, 19] = ord(".")
        _put(mat, 20, rest % 1000, 3)
    if zulu:
        mat[:, -1] = ord("Z")
    keep = None
    if fmt == UNPADDED:
        # Team schedule / QM show "2025-03-28 0:00:00": the hour's leading zero is dropped.
        keep = np.ones(mat.shape, dtype=bool)
        keep[:, 11] = mat[:, 11] != ord("0")
    return ascii_strings(mat, keep)


def render_datetimes(arr: pa.Array, fmt: str, empty: str | None, tz: str) -> pa.Array:
    """Render a timestamp array in ``tz`` wall time; missing values become ``empty``."""
    ms = pc.fill_null(arr.cast(pa.int64()), 0).to_numpy()
    utc = tz == "UTC"
    if not utc:
        wall = pd.DatetimeIndex(ms.astype("datetime64[ms]")).tz_localize("UTC").tz_convert(tz)
        ms = wall.tz_localize(None).as_unit("ms").asi8
    text = format_ms(ms, fmt, utc=utc)
    missing = pa.scalar(empty, pa.string())
    return pc.if_else(arr.is_null(), missing, text) if arr.null_count else text


def _may_contain(values: pa.Array, chars: bytes) -> bool:
    """Whether any of ``chars`` occurs in the column's data buffer (a cheap pre-check).

    A sliced array shares its parent's buffer, so this can say yes for bytes outside the
    slice; that only costs an unneeded escape pass, never a wrong result.
    """
    data = values.buffers()[2]
    if data is None:
        return False
    table = np.zeros(256, dtype=bool)
    table[list(chars)] = True
    return bool(table[np.frombuffer(data, dtype=np.uint8)].any())


def _quote(values: pa.Array) -> pa.Array:
    """RFC 4180: quote only cells holding a quote, comma or line break; double the quotes."""
    if not _may_contain(values, b'",\r\n'):  # ids, numbers, most enums: skip the work
        return values
    needs = pc.match_substring_regex(values, '[",\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, values)


def _list_json(values: pa.Array) -> pa.Array:
    """A list<string> column as JSON array text (``["a", "b"]``); values need no escaping."""
    inner = pc.binary_join(values, '", "')
    return pc.binary_join_element_wise('["', inner, '"]', "")


def csv_cells(values: pa.Array) -> pa.Array:
    """One wire column as CSV cell text; nulls are empty cells."""
    if pa.types.is_list(values.type):
        values = _list_json(values)
    if pa.types.is_string(values.type):
        return pc.fill_null(_quote(values), "")
    return pc.fill_null(values.cast(pa.string()), "")


def _json_escape(values: pa.Array) -> pa.Array:
    """Escape a string column for JSON; the generator emits no other control characters."""
    if not _may_contain(values, b'\\"\n\r\t'):
        return values
    for old, new in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        values = pc.replace_substring(values, old, new)
    return values


def json_member(key: str, values: pa.Array, sep: str = ",") -> pa.Array:
    """One wire column as ``<sep>"key":<value>`` text; nulls are ``null``."""
    name = sep + json.dumps(key) + ":"
    if pa.types.is_list(values.type):
        values = _list_json(values)
    elif pa.types.is_string(values.type):
        values = pc.binary_join_element_wise(name + '"', _json_escape(values), '"', "")
        return pc.fill_null(values, name + "null")
    else:
        values = values.cast(pa.string())
    return pc.fill_null(pc.binary_join_element_wise(name, values, ""), name + "null")


def csv_header(columns: tuple[Column, ...]) -> bytes:
    """The CSV header row of display labels."""
    labels = pa.array([c.label for c in columns])
    return (",".join(_quote(labels).to_pylist()) + "\r\n").encode()


def csv_rows(wire: list[pa.Array]) -> pa.Array:
    """Each row as one CSV line ending in CRLF."""
    cells = [csv_cells(v) for v in wire]
    cells[-1] = pc.binary_join_element_wise(cells[-1], "\r\n", "")
    return pc.binary_join_element_wise(*cells, ",")


def json_rows(wire: list[pa.Array], keys: list[str], prefix: str, suffix: str) -> pa.Array:
    """Each row as ``prefix + {"key": value, ...} + suffix``."""
    pieces = [
        json_member(key, values, "," if i else prefix + "{")
        for i, (key, values) in enumerate(zip(keys, wire))
    ]
    pieces[-1] = pc.binary_join_element_wise(pieces[-1], "}" + suffix, "")
    return pc.binary_join_element_wise(*pieces, "")


def write_text(out: BinaryIO, rows: pa.Array, skip: int = 0) -> None:
    """Write the concatenated text of ``rows`` (no nulls) without building a Python str."""
    if isinstance(rows, pa.ChunkedArray):
        rows = rows.combine_chunks()
    width = np.int64 if pa.types.is_large_string(rows.type) else np.int32
    _, offsets_buffer, data = rows.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=width)[rows.offset:rows.offset + len(rows) + 1]
    out.write(memoryview(data)[int(offsets[0]) + skip:int(offsets[-1])])
