"""The registry's types pushed into Arrow's CSV reader: typing inside the read.

Private module of `readers`. A CSV report is read with the column types its layout gives
(integers, flags, datetimes and categories typed by Arrow as it parses; everything else as
text, typed afterwards by `convert`), so that the typing pass has little left to do:

============  ==============================  ==============================================
kind          read as                         why
============  ==============================  ==============================================
int           ``int64``                       a value beyond int64 fails the read (fallback)
bool          ``bool`` (Yes/No, TRUE/FALSE,   the spellings of `convert.to_bool`, in three
              true/false, Y/N, T/F, 1/0)      casings; any other fails the read (fallback)
datetime      ``timestamp[us]`` (naive) or    which one from the first rows (`sniff_zones`):
              ``timestamp[us, UTC]`` (``Z``)  naive values are localised afterwards
category      ``dictionary<int32, string>``   no text column built and then encoded
other kinds   text                            float exactness checks, durations, lists,
                                              ``"None"`` and inference happen afterwards
============  ==============================  ==============================================

Empty cells are nulls. Arrow reads blocks in parallel unless values may hold line breaks
(``newlines_in_values``, which serialises the chunking): the fast read assumes they do not,
and a file where they do makes Arrow fail (its chunker cuts a block inside a quoted value and
the parser finds the block truncated: apache/arrow#39857), never misread. Any failure of a
typed read (a line break in a value, a value that does not fit its type) falls back to the
exact read: every column as text, line breaks allowed, typed afterwards.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv

from explore_pandas.frames.convert import FALSE_WORDS, TRUE_WORDS
from explore_pandas.frames.schemas import ReportSchema

__all__ = ["BLOCK", "breaks_in_values", "read_csv_typed", "sniff_zones", "text_types"]

BLOCK = 1 << 22
_DATETIME_PARSERS = [pa_csv.ISO8601, "%Y-%m-%d %H:%M:%S"]  # the second: unpadded hours ("0:00:00")
_ZONE = re.compile(r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.ASCII)  # a time, then a zone
_SAMPLE_ROWS = 200


def _casings(words: frozenset[str]) -> list[str]:
    return sorted({form for word in words for form in (word, word.upper(), word.title())})


_TRUE_VALUES = _casings(TRUE_WORDS)
_FALSE_VALUES = _casings(FALSE_WORDS)


def _has_zone(value: str) -> bool:
    return _ZONE.search(value) is not None


def sniff_zones(head: bytes, labels: Sequence[str], keys: Sequence[str], schema: ReportSchema) -> dict[str, bool]:
    """Datetime columns (by label) and whether their first value in ``head`` carries a zone.

    ``head`` is the file's first bytes, header included; a column with no value there is
    left out (read as text and typed afterwards).
    """
    wanted = {i: label for i, (label, key) in enumerate(zip(labels, keys))
              if key in schema.by_key and schema.by_key[key].kind == "datetime"}
    if not wanted:
        return {}
    lines = head.split(b"\n")
    text = b"\n".join(lines[1:-1]).decode("utf-8", errors="replace")  # the last line may be cut
    zones: dict[str, bool] = {}
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""))):
            if number >= _SAMPLE_ROWS or len(zones) == len(wanted):
                break
            for index, label in wanted.items():
                if label not in zones and index < len(row) and row[index]:
                    zones[label] = _has_zone(row[index])
    except csv.Error:  # e.g. a NUL byte: what was seen so far decides
        pass
    return zones


def breaks_in_values(head: bytes) -> bool:
    """Whether a value in the file's first bytes holds a line break (then the file surely has them)."""
    cut = head.rfind(b"\n")
    text = head[:cut].decode("utf-8", errors="replace") if cut > 0 else ""
    try:
        return any("\n" in v or "\r" in v for row in csv.reader(io.StringIO(text, newline="")) for v in row)
    except csv.Error:  # e.g. a NUL byte: the exact read will say where
        return True


def text_types(labels: Sequence[str]) -> dict[str, Any]:
    """Every column as text: the exact read."""
    return {label: pa.string() for label in labels}


def _typed(labels: Sequence[str], keys: Sequence[str], schema: ReportSchema, zones: dict[str, bool]) -> dict[str, Any]:
    types: dict[str, Any] = {}
    for label, key in zip(labels, keys):
        column = schema.by_key.get(key)
        kind = column.kind if column is not None else "str"
        if kind == "int":
            types[label] = pa.int64()
        elif kind == "bool":
            types[label] = pa.bool_()
        elif kind == "category":
            types[label] = pa.dictionary(pa.int32(), pa.string())
        elif kind == "datetime" and label in zones:
            types[label] = pa.timestamp("us", tz="UTC" if zones[label] else None)
        else:
            types[label] = pa.string()
    return types


def _read(source: Any, labels: Sequence[str], types: dict[str, Any], include: Sequence[str] | None,
          newlines: bool) -> pa.Table:
    return pa_csv.read_csv(
        source,
        read_options=pa_csv.ReadOptions(column_names=list(labels), skip_rows=1, block_size=BLOCK),
        parse_options=pa_csv.ParseOptions(newlines_in_values=newlines),
        convert_options=pa_csv.ConvertOptions(
            column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""],
            true_values=_TRUE_VALUES, false_values=_FALSE_VALUES, timestamp_parsers=_DATETIME_PARSERS,
            include_columns=list(include) if include is not None else None,
        ),
    )


def read_csv_typed(reopen: Any, labels: Sequence[str], keys: Sequence[str], schema: ReportSchema,
                   zones: dict[str, bool], include: Sequence[str] | None = None, breaks: bool = False) -> pa.Table:
    """The CSV's rows (``include``: only those labels), typed in the read where it can be.

    ``reopen()`` gives what Arrow reads (a path, or the buffer rewound). Tries the fast typed
    read (unless ``breaks``: values in the first bytes hold line breaks), then the typed read
    with line breaks in values, then the exact all-text read; the last one's error, if any, is
    raised.
    """
    typed = _typed(labels, keys, schema, zones)
    conversion = False
    try:
        if not breaks:
            return _read(reopen(), labels, typed, include, newlines=False)
    except pa.ArrowInvalid as error:
        conversion = "conversion error" in str(error)
    if not conversion:
        try:
            return _read(reopen(), labels, typed, include, newlines=True)
        except pa.ArrowInvalid:
            pass
    return _read(reopen(), labels, text_types(labels), include, newlines=True)
