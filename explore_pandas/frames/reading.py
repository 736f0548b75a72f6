"""Reading one report file into an Arrow table, or finding what is wrong with it and where.

Private module of `parsing`: it checks that the content is the format asked for, picks the
reader (`readers`, `envelope`) and the report's layout, checks UTF-8, and turns any failure
into a `locate.Problem` (the line or entry at fault), from which `parse_error` builds the
`ParseError` users see.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import IO, Any

import pyarrow as pa

from explore_pandas.exceptions import ParseError
from explore_pandas.frames.envelope import json_table
from explore_pandas.frames.layouts import match_layout
from explore_pandas.frames.locate import (
    Problem,
    bad_csv_row,
    bad_ndjson_line,
    bad_utf8,
    cut_csv,
    foreign_content,
)
from explore_pandas.frames.readers import (
    BOM,
    Source,
    csv_table,
    file_columns,
    json_bulk_table,
    opened,
    peek,
    sniff,
)
from explore_pandas.frames.schemas import ReportSchema

__all__ = ["parse_error", "read_table", "seekable", "source_name"]


def source_name(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<buffer>"


@contextmanager
def seekable(source: Source) -> Iterator[IO[bytes]]:
    """The file as a seekable binary file (a non-seekable stream is read into memory)."""
    with opened(source) as f:
        yield f if f.seekable() else io.BytesIO(f.read())


def read_table(source: Source, f: IO[bytes], report: str, format: str, columns: Sequence[str] | None = None
               ) -> tuple[pa.Table, dict[str, Any], ReportSchema]:
    """The file's rows as read (CSV partly typed, JSON as typed as JSON is), its envelope keys
    and its layout; ``columns`` (JSON keys): a CSV reads only those.

    Raises
    ------
    Problem
        What is wrong and where (`locate`), an invalid UTF-8 byte first.
    """
    start = f.tell()
    head = peek(f)
    if not head.removeprefix(BOM).strip():
        return pa.table({}), {}, match_layout(report, [])  # empty: the same in every format
    foreign = foreign_content(head)
    if foreign is not None:
        raise Problem(f"this is {foreign}", line=1)
    seen = sniff(head)
    if seen is not None and seen != format:
        looks = "binary data" if seen == "binary" else f"a {seen} report (pass format={seen!r})"
        raise Problem(f"this is not a {format} file: it looks like {looks}", line=1)
    match = partial(match_layout, report)
    meta: dict[str, Any] = {}
    try:
        if format == "csv":
            table, schema = csv_table(source, f, match, columns)
        elif format == "json_bulk":
            table, schema = json_bulk_table(source, f, match)
        else:
            table, meta, schema = json_table(source, f, match)
        if format != "csv":  # Arrow's JSON reader does not check UTF-8; its CSV reader does
            for column in table.columns:
                if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                    column.validate(full=True)
    except Problem as problem:
        raise bad_utf8(f, start) or problem from None
    except (ValueError, pa.ArrowException) as exc:  # UnicodeDecodeError is a ValueError
        located = bad_utf8(f, start)
        if located is None:
            locate = bad_csv_row if format == "csv" else bad_ndjson_line if format == "json_bulk" else None
            located = locate(f, start) if locate is not None else None
        raise (located or Problem(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)) from None
    if format == "csv" and table.num_rows:
        cut = cut_csv(f, start)
        if cut is not None:
            raise cut
    _check_known(table, schema, format)
    return table, meta, schema


def _check_known(table: pa.Table, schema: ReportSchema, format: str) -> None:
    """A file of a documented report with columns but none of the report's is not its file."""
    columns = file_columns(table)  # the file's, also when only some were read (columns=)
    if not schema.known or not columns or any(k in schema.by_key for k in columns):
        return
    names = columns[:5]
    labels = {name: schema.key_for_label(name) for name in columns}
    labels = {name: key for name, key in labels.items() if key in schema.by_key}
    if format != "csv" and labels:
        # Section 7.2: csv headers are display labels, the API's json uses snake_case keys.
        shown = dict(list(labels.items())[:3])
        raise Problem(f"its entries are keyed by the csv display labels of the {schema.slug} report "
                      f"({shown}...): the API's {format} uses the snake_case keys; read the csv "
                      "file, or rename the keys", line=1)
    what = "header names" if format == "csv" else "entries name"
    raise Problem(f"its {what} no column of the {schema.slug} report ({names}"
                  f"{'...' if len(columns) > 5 else ''}): another report's file, or no report?",
                  line=1)


def parse_error(name: str, format: str, report: str, problem: Problem) -> ParseError:
    where = problem.where()
    message = f"cannot read {name} as a {format} file of the {report} report: "
    message += f"{where}: {problem.what}" if where else problem.what
    if problem.encoding:
        message += " (pass encoding_errors='replace' to read it anyway)"
    return ParseError(message, path=name, line=problem.line, record=problem.record)
