"""The ``json`` report envelope, streamed: ``{"type": ..., "entries": [...], "total": N}``.

Private module of `parsing` (``explore-api.md`` section 7.1). The bytes of the ``entries``
array are rewritten on the fly into NDJSON for Arrow's JSON reader, so the file is never
held whole in memory; anything the fast path cannot read exactly goes to the json module.
"""

from __future__ import annotations

import io
import json
import re
from typing import IO, Any

import pyarrow as pa

from explore_pandas.frames.locate import Problem, bad_json
from explore_pandas.frames.readers import (
    BOM,
    ENVELOPE_HEAD,
    ENVELOPE_TAIL,
    PEEK,
    Match,
    Source,
    in_order,
    inexact,
    json_options,
    loads,
    read_ndjson,
    records_table,
)
from explore_pandas.frames.schemas import ReportSchema

__all__ = ["json_table"]

_CHUNK = 1 << 22  # bytes per block handed to Arrow
# The gap between two entries.
_SEPARATOR = re.compile(rb"\}\s*,\s*\{")


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


def json_table(
    source: Source, f: IO[bytes], match: Match
) -> tuple[pa.Table, dict[str, Any], ReportSchema]:
    """The entries of a ``json`` envelope, its other scalar keys (``total``, ``type``...)
    and the layout the entries' keys match."""
    base = f.tell()
    size = f.seek(0, io.SEEK_END) - base
    f.seek(base)
    head = f.read(min(size, PEEK))
    bom = len(BOM) if head.startswith(BOM) else 0
    start_match = ENVELOPE_HEAD.match(head, bom)
    f.seek(base + max(size - PEEK, 0))
    tail = f.read()
    close = tail.rfind(b"]")
    end_match = ENVELOPE_TAIL.fullmatch(tail, close) if close >= 0 else None
    if start_match and end_match:
        start, end = base + start_match.end(), base + size - len(tail) + close
        meta = {**_scalars(start_match["pairs"]), **_scalars(end_match["pairs"])}
        rest = head[start_match.end():].lstrip()
        if end <= start or rest.startswith(b"]"):
            return pa.table({}), meta, match([])
        first = _first_object(rest)
        schema = match(list(first or ()))
        try:
            if first is None:  # the first entry is no object (pyarrow 2x crashes on a leading null)
                raise pa.ArrowInvalid("not an object")
            table = read_ndjson(lambda: _EntriesAsNDJSON(f, start, end), json_options(first, schema))
            if not inexact(table):
                return in_order(table, first), meta, match(table.column_names)
        except pa.ArrowInvalid:
            pass  # not one flat object per entry: let the json module decide
    f.seek(base)
    try:
        body = loads(f.read().removeprefix(BOM))
    except json.JSONDecodeError as exc:
        raise bad_json(exc) from None
    if not isinstance(body, dict) or not isinstance(body.get("entries"), list):
        raise Problem('a json report must be an object with an "entries" array', line=1)
    entries = body.pop("entries")
    table = records_table(entries)
    return table, body, match(table.column_names)


def _first_object(text: bytes) -> dict[str, Any] | None:
    """The first entry, when it fits in ``text`` (it gives the key order and the text keys)."""
    try:
        value, _ = json.JSONDecoder().raw_decode(text.decode("utf-8", errors="ignore"))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
