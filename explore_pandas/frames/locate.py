"""Where a report file goes wrong: the line or record of a problem, for `ParseError` messages.

Private module of `parsing`. The fast readers (Arrow) say *what* failed but rarely *where*;
these functions re-read the file, only after a failure, with the standard library to find
the first bad line: invalid UTF-8, a CSV row of the wrong width, an NDJSON line that is not
one JSON object, a ``json`` file's syntax error or an entry that is not an object.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

__all__ = ["Problem", "bad_csv_row", "bad_json", "bad_ndjson_line", "bad_utf8", "cut_csv", "foreign_content", "not_an_object"]

_BLOCK = 1 << 20


class Problem(ValueError):
    """What is wrong with a file, and where: ``line`` (1-based) or ``record`` (0-based)."""

    def __init__(self, what: str, *, line: int | None = None, record: int | None = None,
                 encoding: bool = False) -> None:
        super().__init__(what)
        self.what, self.line, self.record, self.encoding = what, line, record, encoding

    def where(self) -> str:
        if self.line is not None:
            return f"line {self.line}"
        if self.record is not None:
            return f"entry {self.record + 1}"
        return ""


_JSON_NAMES = {dict: "an object", list: "an array", str: "a string", int: "a number",
               float: "a number", bool: "a boolean", type(None): "null"}


def not_an_object(value: object) -> str:
    """``"a number, not a JSON object"``: what stands where an entry object belongs."""
    return f"{_JSON_NAMES.get(type(value), type(value).__name__)}, not a JSON object"


def bad_utf8(f: IO[bytes], start: int = 0) -> Problem | None:
    """The first invalid UTF-8 byte of the file from ``start``, with its line; else None."""
    f.seek(start)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    done, lines = 0, 1
    while True:
        block = f.read(_BLOCK)
        # Bytes held back by the decoder from the last block come before this one.
        held = len(decoder.getstate()[0])
        try:
            decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            offset = max(exc.start - held, 0)
            line = lines + block[:offset].count(b"\n")
            byte = block[offset:offset + 1] or b"?"
            return Problem(f"invalid UTF-8 (byte 0x{byte.hex()} at offset {done + offset})",
                           line=line, encoding=True)
        if not block:
            return None
        done += len(block)
        lines += block.count(b"\n")


def _text(f: IO[bytes], start: int) -> io.TextIOWrapper:
    f.seek(start)
    return io.TextIOWrapper(f, encoding="utf-8-sig", errors="replace", newline="")


@contextmanager
def _any_field_size() -> Iterator[None]:
    """The csv module reads fields of any size meanwhile (its default limit is 131,072
    characters; Arrow, which reads the files, has none); the caller's limit is restored."""
    before = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def bad_csv_row(f: IO[bytes], start: int = 0) -> Problem | None:
    """The first CSV record whose width differs from the header's, or that does not parse."""
    with _any_field_size():
        return _bad_csv_row(f, start)


def _bad_csv_row(f: IO[bytes], start: int) -> Problem | None:
    text = _text(f, start)
    reader = csv.reader(text, strict=True)
    width, row_number, row_start = None, 0, 1
    try:
        for row in reader:
            row_start = reader.line_num + 1
            if width is None:
                width = len(row)
                continue
            row_number += 1
            if len(row) != width and row != []:
                return Problem(f"row {row_number} has {len(row)} fields, the header {width}",
                               line=reader.line_num)
    except csv.Error as exc:
        if "end of data" in str(exc):
            return Problem(f"row {row_number + 1}: a quoted field opened in the row starting here is "
                           "never closed: every later row would be read into it (a cut or damaged file)",
                           line=row_start)
        return Problem(f"row {row_number + 1}: {exc}", line=reader.line_num)
    finally:
        text.detach()
    return None


def cut_csv(f: IO[bytes], start: int = 0) -> Problem | None:
    """A CSV file that ends inside its last row: in an open quoted field (an odd number of
    ``"`` in the file; an unclosed quote would swallow every later row) or without the line
    break that ends every row (the API's files, and any CSV writer's, end with one).

    One pass over the bytes, only counting; the exact line of an unclosed quote is found
    with the csv module, and a quote that the csv module reads as text is no problem.
    """
    f.seek(start)
    quotes = lines = returns = 0
    last = b""
    for block in iter(lambda: f.read(_BLOCK), b""):
        quotes += block.count(b'"')
        lines += block.count(b"\n")
        returns += block.count(b"\r")
        last = block[-1:]
    lines = max(lines, returns)  # rows may end with CR alone
    if quotes % 2:
        text = _text(f, start)
        reader = csv.reader(text, strict=True)
        row_start = 1
        try:
            with _any_field_size():
                for _ in reader:
                    row_start = reader.line_num + 1
        except csv.Error as exc:
            if "end of data" not in str(exc):
                return Problem(f"{exc}", line=reader.line_num)
            return Problem("a quoted field opened in the row starting here is never closed: every "
                           "later row would be read into it (a cut or damaged file)", line=row_start)
        finally:
            text.detach()
    if lines and last not in (b"\n", b"\r"):
        return Problem("the file ends inside its last row, without the line break that ends "
                       "every row: it looks cut off (an interrupted download? download it again; "
                       "if you know the last row is whole, add a line break after it)", line=lines + 1)
    return None


def bad_ndjson_line(f: IO[bytes], start: int = 0) -> Problem | None:
    """The first non-blank line that is not one JSON object (json_bulk)."""
    f.seek(start)
    for number, raw in enumerate(f, 1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError as exc:
            said = "the last line is cut (the file is truncated?)" if not raw.endswith(b"\n") else "not a JSON object"
            return Problem(f"{said}: {exc}", line=number)
        if not isinstance(value, dict):
            return Problem(not_an_object(value), line=number)
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return Problem("a \\u escape of a lone surrogate, which is not text", line=number)
    return None


def bad_json(error: json.JSONDecodeError) -> Problem:
    """A ``json`` file's syntax error, at its line; one at the very end means the file is cut."""
    if error.msg.startswith("Unterminated") or not error.doc[error.pos:].strip():
        return Problem(f"the JSON ends before it is complete ({error.msg}, column {error.colno}): "
                       "the file is truncated (an interrupted download?)",
                       line=error.lineno)
    return Problem(f"not valid JSON: {error.msg} (column {error.colno})", line=error.lineno)


_XML_CODE = re.compile(rb"<Code>([^<]{1,80})</Code>")


def foreign_content(head: bytes) -> str | None:
    """What the first bytes of a file are when they are plainly no report, else None: gzip or
    ZIP data, UTF-16 text, an HTML page, an XML document (a storage error), an API error body
    or a job's JSON body; compressed and UTF-16 content says what to do."""
    if head.startswith(b"\x1f\x8b"):
        return ("gzip-compressed data: decompress it first (gunzip), or pass the open file "
                "gzip.open(path, 'rb') with format=")
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive: extract the report file from it first"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 3 and head[1:4:2] == b"\x00\x00"):
        return ("UTF-16 text, not UTF-8: save it as UTF-8 first (e.g. "
                "Path(p).write_text(Path(p).read_text(encoding='utf-16'), encoding='utf-8'))")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = text[:64].lower()
    if lower.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "an HTML page (a login, proxy or error page?), not a report file"
    if lower.startswith((b"<?xml", b"<error")):
        code = _XML_CODE.search(text)
        said = f" (code {code.group(1).decode('utf-8', 'replace')})" if code else ""
        return f"an XML document, such as a storage error{said}, not a report file"
    if not text.startswith(b"{"):
        return None
    try:
        body, _ = json.JSONDecoder().raw_decode(text.decode("utf-8", "replace"))
    except ValueError:
        return None
    if not isinstance(body, dict) or "entries" in body:
        return None
    if "job" in body or "_links" in body:
        return "the JSON body of a job (download the file its links name), not a report file"
    if {"code", "message"} <= set(body):
        return (f"an API error body (code {body['code']!r}: {str(body['message'])[:120]!r}), "
                "not a report file")
    return None
