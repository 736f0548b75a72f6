"""Report files to Arrow tables, before typing: the csv and json_bulk readers, and sniffing.

Private module of `parsing`. The readers parse from the file on disk with Arrow's
multi-threaded CSV and JSON readers and never hold the whole text in memory (the ``json``
envelope is in `envelope`). Anything the fast paths cannot handle exactly falls back to the
json module: JSON integers beyond 2**53 among floats (Arrow reads them as doubles, losing
digits), mixed value types in a column, objects split over lines.

Each reader takes ``match``, which picks the report's layout from the file's column names
(`layouts.match_layout`), and returns the table with the layout it read it with.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any, Union

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from explore_pandas.exceptions import ParseError
from explore_pandas.frames.csvtypes import breaks_in_values, read_csv_typed, sniff_zones
from explore_pandas.frames.locate import Problem, not_an_object
from explore_pandas.frames.schemas import TEXT_KINDS, ReportSchema

Source = Union[str, "os.PathLike[str]", IO[bytes], IO[str]]
#: Picks a layout from a file's column names (``labels=True``: CSV display labels).
Match = Callable[..., ReportSchema]

_SUFFIXES = {".csv": "csv", ".json": "json", ".jsonl": "json_bulk", ".ndjson": "json_bulk"}
PEEK = 1 << 16
_CHUNK = 1 << 22  # bytes per block handed to Arrow
BOM = b"\xef\xbb\xbf"
_EXACT = 2.0**53  # integers from here on are not all exact in a float64
_NOTES = b"explore_notes"  # table metadata: what a reader noted about the file (`file_notes`)
_COLUMNS = b"explore_columns"  # table metadata: every column of a file read in part (`file_columns`)
# The envelope's text before and after the entries array: scalar "key": value pairs only.
_STRING = rb'"(?:[^"\\]|\\.)*"'
_PAIR = _STRING + rb"\s*:\s*(?:" + _STRING + rb"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)"
ENVELOPE_HEAD = re.compile(rb"\s*\{\s*(?P<pairs>(?:" + _PAIR + rb'\s*,\s*)*)"entries"\s*:\s*\[', re.DOTALL)
ENVELOPE_TAIL = re.compile(rb"\]\s*(?P<pairs>(?:,\s*" + _PAIR + rb"\s*)*)\}\s*", re.DOTALL)


_HEADER_END = re.compile(rb"(\r\n|\r|\n)")


@contextmanager
def opened(source: Source) -> Iterator[IO[bytes]]:
    """Open a path, or wrap a text buffer, as a binary file; buffers are left open."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            yield f
    elif isinstance(source, io.TextIOBase):
        yield io.BytesIO(source.read().encode("utf-8"))
    else:
        yield source  # type: ignore[misc]


def arrow_source(source: Source, f: IO[bytes]) -> Any:
    """What Arrow reads: a path with its own (faster, GIL-free) reader, else the buffer."""
    return os.fspath(source) if isinstance(source, (str, os.PathLike)) else f


def peek(f: IO[bytes]) -> bytes:
    """The first bytes of a seekable file, leaving its position as it was."""
    pos = f.tell()
    head = f.read(PEEK)
    f.seek(pos)
    return head


def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file look like: ``csv``, ``json``, ``json_bulk``,
    ``binary``, or ``None`` when they are empty or JSON of neither report layout."""
    text = head.removeprefix(BOM).lstrip()
    if not text:
        return None
    if b"\x00" in head:
        return "binary"
    lines = [line for line in text.splitlines() if line.strip()]
    if lines[0].strip() in (b"null", b"true", b"false") and any(line.lstrip().startswith(b"{") for line in lines[1:4]):
        return None  # NDJSON whose first line is no object: the json_bulk reader says so, at its line
    if not text.startswith((b"{", b"[")):
        return "csv"
    if text.startswith(b"{") and _is_object(lines[0]) and (
            len(lines) > 1 and lines[1].lstrip().startswith(b"{") or b'"entries"' not in lines[0]):
        return "json_bulk"
    if ENVELOPE_HEAD.match(text):
        return "json"
    return None


def infer_format(path_or_buffer: Source) -> str:
    """Guess a report file's format from its suffix, else from its first bytes.

    ``.csv``, ``.jsonl`` and ``.ndjson`` decide. Otherwise (``.json`` too, as NDJSON is often
    saved under that suffix): a first line holding a whole JSON object followed by another
    object line is ``json_bulk``; a JSON object with an ``"entries"`` key is ``json``; text
    not starting with ``{`` or ``[`` is ``csv``.

    Raises
    ------
    ParseError
        When the content is empty, binary or JSON of neither layout.
    """
    suffix = ""
    if isinstance(path_or_buffer, (str, os.PathLike)):
        suffix = os.path.splitext(os.fspath(path_or_buffer))[1].lower()
        if suffix in _SUFFIXES and suffix != ".json":
            return _SUFFIXES[suffix]
    with opened(path_or_buffer) as f:
        head = peek(f) if f.seekable() else f.read(PEEK)
    seen = sniff(head)
    if seen is None and not head.strip():
        raise ParseError("cannot infer the format of an empty file: pass format=")
    if seen == "binary":
        raise ParseError("the file is binary, not a csv, json or json_bulk report")
    if seen == "csv" and suffix == ".json":
        raise ParseError("a .json file that does not start with '{'")
    if seen is None:
        raise ParseError("JSON content is neither an {\"entries\": [...]} envelope nor NDJSON")
    return seen


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def csv_table(source: Source, f: IO[bytes], match: Match, columns: Sequence[str] | None = None
              ) -> tuple[pa.Table, ReportSchema]:
    """A CSV report as columns named by JSON key, and the layout its header matches.

    Integers, flags, datetimes and categories are typed by Arrow as it reads (`csvtypes`),
    the other columns are text (IDs keep their leading zeros), typed afterwards. Cells may
    hold line breaks. ``columns`` (JSON keys): only those are read.
    """
    pos = f.tell()
    head = f.read(PEEK)
    f.seek(pos)
    # Rows end with CRLF, LF or CR alone (old Mac files; Arrow reads all three).
    parts = _HEADER_END.split(head.removeprefix(BOM), maxsplit=1)
    first, rest = parts[0], (parts[2] if len(parts) == 3 else b"")
    if len(parts) == 1 and len(head) == PEEK:  # a header longer than the peek
        first, rest = f.readline().removeprefix(BOM).rstrip(b"\r\n"), f.read(PEEK)
        f.seek(pos)
    header = first.decode("utf-8")
    if not header.strip():
        return pa.table({}), match([])
    labels = next(csv.reader([header]))
    schema = match(labels, labels=True)
    keys = _unique([schema.key_for_label(label) for label in labels])
    wanted = None if columns is None else set(columns)
    if not rest[:64].strip():  # a header alone, with or without a line break after it
        return pa.table({key: pa.array([], pa.string()) for key in keys
                         if wanted is None or key in wanted}), schema
    include = None if wanted is None else [label for label, key in zip(labels, keys) if key in wanted]

    def reopen() -> Any:
        f.seek(pos)
        return arrow_source(source, f)

    zones = sniff_zones(head.removeprefix(BOM), labels, keys, schema)
    table = read_csv_typed(reopen, labels, keys, schema, zones, include, breaks_in_values(rest))
    if include is None:
        return without_trailing_delimiter(table.rename_columns(keys)), schema
    by_label = dict(zip(labels, keys))
    table = table.rename_columns([by_label[name] for name in table.column_names])
    return table.replace_schema_metadata({**(table.schema.metadata or {}), _COLUMNS: json.dumps(keys).encode()}), schema


def without_trailing_delimiter(table: pa.Table) -> pa.Table:
    """A header ending with a delimiter (``a,b,``) names an empty last column: when every
    row is empty there too, it is only the delimiter, not a column."""
    last = table.column_names[-1] if table.num_columns > 1 else None
    if last == "" and table.column(last).null_count == table.num_rows:
        return table.drop_columns([last])
    return table


def _unique(keys: list[str]) -> list[str]:
    """The keys, a repeat numbered ``key_2``, ``key_3``... skipping names the keys already hold
    (``talk_time, talk_time, talk_time_2``: the repeat is ``talk_time_3``), so no value is lost."""
    taken, used, out = set(keys), set(), []
    for key in keys:
        name, number = key, 1
        while name in used or (number > 1 and name in taken):
            number += 1
            name = f"{key}_{number}"
        used.add(name)
        out.append(name)
    return out


def json_options(first: dict[str, Any] | None, schema: ReportSchema) -> pa_json.ParseOptions:
    """Read the registry's text columns, and the columns it does not know whose first value
    is a string, as text: Arrow would otherwise guess timestamps (``"2026-11-01"`` too),
    where a CSV of the same values gives text; both are then typed by the same rules."""
    if not first:
        return pa_json.ParseOptions()
    fields = [
        (key, pa.string()) for key in first
        if (key in schema.by_key and schema.by_key[key].kind in TEXT_KINDS)
        or (key not in schema.by_key and isinstance(first[key], str))
    ]
    return pa_json.ParseOptions(
        explicit_schema=pa.schema(fields), unexpected_field_behavior="infer"
    )


def in_order(table: pa.Table, first: dict[str, Any] | None) -> pa.Table:
    """Columns in the file's key order (an explicit schema puts its fields first)."""
    if not first:
        return table
    order = [key for key in first if key in table.column_names]
    order += [key for key in table.column_names if key not in first]
    return table.select(order)


def inexact(table: pa.Table) -> bool:
    """Whether Arrow read a value otherwise than written: a JSON integer of 2**53 or more as a
    double (digits may be lost), or a string as a timestamp (a column whose first value was
    null: its text must be typed as a CSV's is)."""
    for column in table.columns:
        if pa.types.is_timestamp(column.type):
            return True
        if pa.types.is_floating(column.type) and len(column) > column.null_count:
            big = pc.greater_equal(pc.abs(column), _EXACT)
            if pc.any(pc.and_(big, pc.equal(pc.floor(column), column))).as_py():
                return True
    return False


def json_bulk_table(source: Source, f: IO[bytes], match: Match) -> tuple[pa.Table, ReportSchema]:
    """An NDJSON report (one entry object per line) as a table, columns in key order."""
    pos = f.tell()
    line = f.readline()
    number = 1
    while line and not line.strip():
        line, number = f.readline(), number + 1
    if not line.strip():
        return pa.table({}), match([])
    first = _object(line, number)
    schema = match(list(first))

    def reopen() -> Any:
        f.seek(pos)
        return arrow_source(source, f)

    try:
        table = read_ndjson(reopen, json_options(first, schema))
    except pa.ArrowInvalid:
        table = None  # mixed value types in a column, or an object split over lines
    if table is None or inexact(table) or _empty_rows(table):
        f.seek(pos)
        records, lines = [], []
        for number, raw in enumerate(f, 1):
            if raw.strip():
                records.append(_object(raw, number))
                lines.append(f"line {number}")
        return records_table(records, lines), match(list(dict.fromkeys(k for r in records for k in r)))
    return in_order(table, first), match(table.column_names)


def _empty_rows(table: pa.Table) -> bool:
    """Whether a row is null in every column: Arrow reads a ``null`` line (no object, so no
    row) as one; the json module then says which line it is. (An ``{}`` line also reads
    so, and the json module reads it alike.)"""
    if not table.num_rows or any(column.null_count == 0 for column in table.columns):
        return False
    empty = pc.is_null(table.columns[0])
    for column in table.columns[1:]:
        empty = pc.and_(empty, pc.is_null(column))
    return bool(pc.any(empty).as_py())


class _Repeated(dict):  # type: ignore[type-arg]
    """An object in which a key came more than once (``repeated``: those keys)."""

    repeated: list[str]


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for the json module: a key repeated in one object keeps every
    value, the repeat named ``key_2`` (as a CSV's repeated header label is, `_unique`),
    where ``json.loads`` would silently keep only the last one."""
    keys = [key for key, _ in pairs]
    if len(set(keys)) == len(keys):
        return dict(pairs)
    out = _Repeated(zip(_unique(keys), (value for _, value in pairs)))
    out.repeated = list(dict.fromkeys(key for key in keys if keys.count(key) > 1))
    return out


def loads(raw: bytes | str) -> Any:
    """``json.loads`` that keeps the values of repeated keys (`unique_keys`)."""
    return json.loads(raw, object_pairs_hook=unique_keys)


def file_columns(table: pa.Table) -> list[str]:
    """The file's columns (JSON keys), also when only some were read (``columns=``): the drift
    and layout warnings are about the file, not about the selection."""
    meta = table.schema.metadata or {}
    return list(json.loads(meta[_COLUMNS])) if _COLUMNS in meta else list(table.column_names)


def file_notes(table: pa.Table) -> list[str]:
    """What the reader noted about the file's content (repeated keys), for the drift warning."""
    meta = table.schema.metadata or {}
    return list(json.loads(meta[_NOTES])) if _NOTES in meta else []


def _object(raw: bytes, number: int) -> dict[str, Any]:
    try:
        value = loads(raw)
    except ValueError as exc:
        # Only the last line of a file can lack its line break: a line cut there is a cut file.
        said = "the last line is cut (the file is truncated?)" if not raw.endswith(b"\n") else "not a JSON object"
        raise Problem(f"{said}: {exc}", line=number) from None
    if not isinstance(value, dict):
        raise Problem(not_an_object(value), line=number)
    return value


def read_ndjson(reopen: Callable[[], Any], options: pa_json.ParseOptions) -> pa.Table:
    """NDJSON to a table, with Arrow's streaming reader when it can.

    The streaming reader holds half the memory of ``read_json`` (it does not keep every
    parsed block until the end) and is no slower, but it fixes the schema on the first
    block: a column that is null throughout that block, or appears later, makes it fail.
    ``read_json`` unifies the blocks' types, so it reads those files.
    """
    read_options = pa_json.ReadOptions(block_size=_CHUNK)
    try:
        stream = pa_json.open_json(reopen(), read_options=read_options, parse_options=options)
        return stream.read_all()
    except pa.ArrowInvalid:
        return pa_json.read_json(reopen(), read_options=read_options, parse_options=options)


def _column(values: list[Any]) -> pa.Array:
    """One column of records parsed by the json module, exactly.

    Integers that fit int64 are int64; a column with a larger one, or with an integer
    beyond 2**53 among floats, is text (each number as written): no digit is lost.
    """
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {int, float}:
        ints = [v for v in values if type(v) is int]
        if int in kinds and float not in kinds and all(-(2**63) <= v < 2**63 for v in ints):
            return pa.array(values, pa.int64())
        if float not in kinds or any(abs(v) >= _EXACT for v in ints):
            return pa.array([None if v is None else json.dumps(v) for v in values], pa.string())
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array(
            [v if v is None or isinstance(v, str) else json.dumps(v) for v in values], pa.string()
        )


def records_table(records: list[Any], places: Sequence[str] | None = None) -> pa.Table:
    """Records (parsed by the json module, `loads`) to a table; columns of mixed types become
    text. A repeated key (see `unique_keys`) is noted in the table's metadata (`file_notes`),
    naming the record's place (``places``: e.g. ``"line 7"``; else its entry number)."""
    notes = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise Problem(not_an_object(record), record=index)
        if isinstance(record, _Repeated):
            where = places[index] if places is not None else f"entry {index + 1}"
            notes += [f"{where} has the key {key!r} more than once: each value is kept, a repeat as "
                      f"{key + '_2'!r} (or the next free number, as a csv's repeated header is)"
                      for key in record.repeated]
    keys = list(dict.fromkeys(key for record in records for key in record))
    table = pa.table({key: _column([record.get(key) for record in records]) for key in keys})
    return table.replace_schema_metadata({_NOTES: json.dumps(notes[:5] + (
        [f"and {len(notes) - 5} more"] if len(notes) > 5 else []))}) if notes else table
