"""Report files to Arrow tables, before typing: one reader per format.

Private module of `parsing`. The readers parse from the file on disk with Arrow's
multi-threaded CSV and JSON readers and never hold the whole text in memory. The ``json``
envelope (``{"type": ..., "entries": [...], "total": N}``, ``explore-api.md`` section 7.1)
is streamed: the bytes of its ``entries`` array are rewritten on the fly into NDJSON for
Arrow's JSON reader. Anything the fast paths cannot handle falls back to the json module.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, Union

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

from explore_pandas.exceptions import ParseError
from explore_pandas.frames.schemas import TEXT_KINDS, ReportSchema

Source = Union[str, "os.PathLike[str]", IO[bytes], IO[str]]

_SUFFIXES = {".csv": "csv", ".json": "json", ".jsonl": "json_bulk", ".ndjson": "json_bulk"}
_PEEK = 1 << 16
_CHUNK = 1 << 22  # bytes per block handed to Arrow
_CSV_BLOCK = 1 << 22
_BOM = b"\xef\xbb\xbf"
# The envelope's text before and after the entries array: scalar "key": value pairs only.
_STRING = rb'"(?:[^"\\]|\\.)*"'
_PAIR = _STRING + rb"\s*:\s*(?:" + _STRING + rb"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)"
_HEAD = re.compile(rb"\s*\{\s*(?P<pairs>(?:" + _PAIR + rb'\s*,\s*)*)"entries"\s*:\s*\[', re.S)
_TAIL = re.compile(rb"\]\s*(?P<pairs>(?:,\s*" + _PAIR + rb"\s*)*)\}\s*", re.S)
# The scalar keys around "entries" (type, version, total) and the gap between two entries.
_SEPARATOR = re.compile(rb"\}\s*,\s*\{")


@contextmanager
def _binary(source: Source) -> Iterator[IO[bytes]]:
    """Open a path, or wrap a text buffer, as a binary file; buffers are left open."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            yield f
    elif isinstance(source, io.TextIOBase):
        yield io.BytesIO(source.read().encode("utf-8"))
    else:
        yield source  # type: ignore[misc]


def _arrow_source(source: Source, f: IO[bytes]) -> Any:
    # Arrow reads a path with its own (faster, GIL-free) file reader.
    return os.fspath(source) if isinstance(source, (str, os.PathLike)) else f


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
    with _binary(path_or_buffer) as f:
        pos = f.tell() if f.seekable() else None
        head = f.read(_PEEK)
        if pos is not None:
            f.seek(pos)
    text = head.removeprefix(_BOM).lstrip()
    if not text:
        raise ParseError("cannot infer the format of an empty file: pass format=")
    if b"\x00" in head:
        raise ParseError("the file is binary, not a csv, json or json_bulk report")
    if not text.startswith((b"{", b"[")):
        if isinstance(path_or_buffer, (str, os.PathLike)) and suffix == ".json":
            raise ParseError("a .json file that does not start with '{'")
        return "csv"
    lines = [line for line in text.splitlines() if line.strip()]
    if text.startswith(b"{") and _is_object(lines[0]):
        if len(lines) > 1 and lines[1].lstrip().startswith(b"{") or b'"entries"' not in lines[0]:
            return "json_bulk"
    if _HEAD.match(text):
        return "json"
    raise ParseError("JSON content is neither an {\"entries\": [...]} envelope nor NDJSON")


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def csv_table(source: Source, schema: ReportSchema) -> pa.Table:
    """A CSV report as text columns named by JSON key (display labels mapped by ``schema``)."""
    with _binary(source) as f:
        if not f.seekable():
            f = io.BytesIO(f.read())
        pos = f.tell()
        first = f.readline().removeprefix(_BOM).decode("utf-8")
        f.seek(pos)
        if not first.strip():
            return pa.table({})
        labels = next(csv.reader([first]))
        # Every column is read as text and typed afterwards, so IDs keep their leading
        # zeros and one odd value cannot fail the whole read. Cells may hold line breaks.
        table = pa_csv.read_csv(
            _arrow_source(source, f),
            read_options=pa_csv.ReadOptions(
                column_names=labels, skip_rows=1, block_size=_CSV_BLOCK
            ),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={label: pa.string() for label in labels},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    return table.rename_columns(_unique([schema.key_for_label(label) for label in labels]))


def _unique(keys: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        out.append(key if seen[key] == 1 else f"{key}_{seen[key]}")
    return out


def _json_options(first: dict[str, Any] | None, schema: ReportSchema) -> pa_json.ParseOptions:
    """Read the registry's text columns as text: Arrow would otherwise guess timestamps."""
    if not first:
        return pa_json.ParseOptions()
    fields = [
        (key, pa.string()) for key in first
        if key in schema.by_key and schema.by_key[key].kind in TEXT_KINDS
    ]
    return pa_json.ParseOptions(
        explicit_schema=pa.schema(fields), unexpected_field_behavior="infer"
    )


def _in_order(table: pa.Table, first: dict[str, Any] | None) -> pa.Table:
    """Columns in the file's key order (an explicit schema puts its fields first)."""
    if not first:
        return table
    order = [key for key in first if key in table.column_names]
    order += [key for key in table.column_names if key not in first]
    return table.select(order)


def json_bulk_table(source: Source, schema: ReportSchema) -> pa.Table:
    """An NDJSON report (one entry object per line) as a table, columns in key order."""
    with _binary(source) as f:
        pos = f.tell() if f.seekable() else None
        line = f.readline()
        while line and not line.strip():
            line = f.readline()
        first = json.loads(line) if line.strip() else None
        if first is not None and not isinstance(first, dict):
            raise ParseError("a json_bulk report must hold one JSON object per line")
        if pos is None:
            rest = [json.loads(x) for x in f if x.strip()]
            return _records_table([first, *rest] if first is not None else rest)
        if first is None:
            return pa.table({})

        def reopen() -> Any:
            f.seek(pos)
            return _arrow_source(source, f)

        try:
            table = _read_ndjson(reopen, _json_options(first, schema))
        except pa.ArrowInvalid:
            # Mixed value types in a column, or an object split over lines: the slow path.
            f.seek(pos)
            return _records_table([json.loads(x) for x in f if x.strip()])
    return _in_order(table, first)


def _read_ndjson(reopen: Callable[[], Any], options: pa_json.ParseOptions) -> pa.Table:
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


def _records_table(records: list[dict[str, Any]]) -> pa.Table:
    """Records (parsed by the json module) to a table; columns of mixed types become text."""
    if not all(isinstance(record, dict) for record in records):
        raise ParseError("report entries must be JSON objects")
    keys = list(dict.fromkeys(key for record in records for key in record))
    columns = {}
    for key in keys:
        values = [record.get(key) for record in records]
        try:
            columns[key] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            columns[key] = pa.array(
                [v if v is None or isinstance(v, str) else json.dumps(v) for v in values],
                pa.string(),
            )
    return pa.table(columns)


class _EntriesAsNDJSON(io.RawIOBase):
    """The bytes ``[start, end)`` of a file (the inside of ``"entries": [...]``) as NDJSON.

    Raw line breaks in JSON are always insignificant whitespace (inside strings they are
    escaped), so they become spaces. The separator between two entries (``},{``, or
    ``}, {`` and the like) is learnt from the first one and each becomes ``}\n{``, with
    ``bytes.replace`` (a regex substitution is ten times slower). A separator inside a
    string is also split, and one with other spacing is not: either leaves a line that is
    not one JSON object, Arrow fails, and the caller falls back to the json module.
    """

    def __init__(self, f: IO[bytes], start: int, end: int) -> None:
        super().__init__()
        self._f, self._left, self._carry = f, end - start, b""
        self._out, self._pos = b"", 0
        self._separator: bytes | None = None
        f.seek(start)

    def readable(self) -> bool:
        return True

    def _ndjson(self, raw: bytes) -> bytes:
        if b"\n" in raw or b"\r" in raw:
            raw = raw.replace(b"\r", b" ").replace(b"\n", b" ")
        if self._separator is None:
            match = _SEPARATOR.search(raw)
            self._separator = match.group() if match else None
        return raw.replace(self._separator, b"}\n{") if self._separator else raw

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(_CHUNK), b""))
        while self._pos == len(self._out) and self._left:
            # Read about one block, so each call copies the bytes only a few times.
            want = min(max(size - len(self._carry), 1 << 16), self._left)
            chunk = self._f.read(want)
            self._left = self._left - len(chunk) if chunk else 0
            raw = self._carry + chunk
            # Hold back the raw bytes from the last "}": a separator may straddle chunks.
            cut = max(raw.rfind(b"}"), 0) if self._left else len(raw)
            self._out, self._pos, self._carry = self._ndjson(raw[:cut]), 0, raw[cut:]
        if self._pos == 0 and len(self._out) <= size:
            out, self._out = self._out, b""
            return out
        out = self._out[self._pos:self._pos + size]
        self._pos += len(out)
        return out


def _scalars(pairs: bytes) -> dict[str, Any]:
    pairs = pairs.strip().strip(b",")
    return json.loads(b"{" + pairs + b"}") if pairs.strip() else {}


def json_table(source: Source, schema: ReportSchema) -> tuple[pa.Table, dict[str, Any]]:
    """The entries of a ``json`` envelope and its other scalar keys (``total``, ``type``...)."""
    with _binary(source) as f:
        if f.seekable():
            base = f.tell()
            size = f.seek(0, io.SEEK_END) - base
            f.seek(base)
            head = f.read(min(size, _PEEK))
            bom = len(_BOM) if head.startswith(_BOM) else 0
            match = _HEAD.match(head, bom)
            f.seek(base + max(size - _PEEK, 0))
            tail = f.read()
            close = tail.rfind(b"]")
            end_match = _TAIL.fullmatch(tail, close) if close >= 0 else None
            if match and end_match:
                start, end = base + match.end(), base + size - len(tail) + close
                meta = {**_scalars(match["pairs"]), **_scalars(end_match["pairs"])}
                rest = head[match.end():].lstrip()
                if end <= start or rest.startswith(b"]"):
                    return pa.table({}), meta
                first = _first_object(rest)
                try:
                    table = _read_ndjson(
                        lambda: _EntriesAsNDJSON(f, start, end), _json_options(first, schema)
                    )
                    return _in_order(table, first), meta
                except pa.ArrowInvalid:
                    pass  # not one flat object per entry: let the json module decide
            f.seek(base)
        try:
            body = json.load(f)
        except ValueError as exc:
            raise ParseError(f"not a JSON report file: {exc}") from None
    if not isinstance(body, dict) or not isinstance(body.get("entries"), list):
        raise ParseError('a json report must be an object with an "entries" array')
    entries = body.pop("entries")
    return _records_table(entries), body


def _first_object(text: bytes) -> dict[str, Any] | None:
    """The first entry, when it fits in ``text`` (it gives the key order and the text keys)."""
    try:
        value, _ = json.JSONDecoder().raw_decode(text.decode("utf-8", errors="ignore"))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
