"""Report files (csv, json, json_bulk) to typed, timezone-aware DataFrames.

The three formats give the same frame for the same report: CSV display labels map to the
JSON keys (`schemas.ReportSchema.key_for_label`), every column is typed from the registry
(`convert`), and columns the registry does not know are kept and inferred.

Files are read from disk by Arrow (`readers`), typed column by column (`convert`), and
turned into pandas once. Drift from the registry gives one `SchemaDriftWarning` per call.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import pyarrow as pa

from explore_pandas.exceptions import ParseError, SchemaDriftWarning
from explore_pandas.frames import convert
from explore_pandas.frames.readers import (
    Source,
    csv_table,
    infer_format,
    json_bulk_table,
    json_table,
)
from explore_pandas.frames.schemas import ReportSchema, get_schema
from explore_pandas.spec import FORMATS

__all__ = ["ParsedReport", "infer_format", "parse_file", "read_file"]


@dataclass
class ParsedReport:
    """A parsed report file.

    Attributes
    ----------
    frame : pandas.DataFrame
        The typed rows.
    total : int or None
        The ``total`` of a ``json`` envelope (the API's row count), else ``None``.
    rows : int
        The number of rows parsed (``len(frame)``).
    format : str
        ``"csv"``, ``"json"`` or ``"json_bulk"``.
    envelope : dict
        The other scalar keys of a ``json`` envelope (``type``, ``version``).
    """

    frame: pd.DataFrame
    total: int | None
    rows: int
    format: str = "csv"
    envelope: dict[str, Any] = field(default_factory=dict)



def _schema_table(schema: ReportSchema) -> pa.Table:
    """An empty table with the registry's columns, for a file with no rows."""
    return pa.table({c.key: pa.array([], pa.string()) for c in schema.columns if not c.optional})


def _to_pandas_type(typ: pa.DataType) -> Any:
    if pa.types.is_integer(typ):
        return pd.Int64Dtype()
    if pa.types.is_boolean(typ):
        return pd.BooleanDtype()
    if pa.types.is_list(typ) or pa.types.is_struct(typ):
        return pd.ArrowDtype(typ)
    return None


def typed_table(table: pa.Table, schema: ReportSchema, tz: str) -> tuple[pa.Table, list[str]]:
    """Convert every column to its kind; return the table and notes on values that did not fit."""
    notes, columns = [], []
    for key, arr in zip(table.column_names, table.columns):
        column = schema.by_key.get(key)
        if column is None:
            columns.append(convert.infer(arr, key, tz))
            continue
        typed = convert.convert(arr, column.kind, tz)
        if typed is None:
            notes.append(f"{key!r} is not {column.kind} (kept as text)")
            typed = convert.to_text(arr)
        columns.append(typed)
    return pa.table(columns, names=table.column_names), notes


def to_frame(table: pa.Table) -> pd.DataFrame:
    """The typed table in pandas; Arrow memory is released column by column as it goes."""
    frame: pd.DataFrame = table.to_pandas(types_mapper=_to_pandas_type, split_blocks=True, self_destruct=True)
    for key in frame.columns:
        if isinstance(frame[key].dtype, pd.CategoricalDtype):
            categories = frame[key].cat.categories
            frame[key] = frame[key].cat.reorder_categories(sorted(categories))
    return frame


def _drift(schema: ReportSchema, columns: list[str], notes: list[str]) -> None:
    """One SchemaDriftWarning naming every missing, new or mistyped column."""
    problems = list(notes)
    if schema.known:
        missing = [c.key for c in schema.columns if not c.optional and c.key not in columns]
        new = [key for key in columns if key not in schema.by_key]
        if missing:
            problems.insert(0, f"missing {missing}")
        if new:
            problems.insert(len(missing) > 0, f"new {new}")
    if problems:
        warnings.warn(
            f"report {schema.slug!r} does not match the schema registry: " + "; ".join(problems),
            SchemaDriftWarning,
            stacklevel=3,
        )


def parse_file(
    path_or_buffer: Source, *, report: str, format: str, tz: str = "UTC"
) -> ParsedReport:
    """Parse one report file of a known format into a typed frame.

    Parameters
    ----------
    path_or_buffer : str, PathLike or file-like
        The report file (binary buffers are read from their current position).
    report : str
        The report ``{type}`` slug, e.g. ``"calls"``; it selects the registry schema.
    format : {"csv", "json", "json_bulk"}
        The file's format.
    tz : str, default "UTC"
        IANA zone the datetime columns are converted to (file values are UTC).

    Returns
    -------
    ParsedReport
        The frame, the json ``total`` (or ``None``) and the number of rows.

    Raises
    ------
    ParseError
        When the file cannot be read in that format.

    Warns
    -----
    SchemaDriftWarning
        Once, when expected columns are missing, new ones appear, or values do not fit
        the registry's kind for their column.
    """
    if format not in FORMATS:
        raise ParseError(f"format must be one of {FORMATS}, got {format!r}")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ParseError(
            f"unknown timezone {tz!r}: use an IANA name such as 'Europe/Lisbon'"
        ) from None
    schema = get_schema(report)
    meta: dict[str, Any] = {}
    try:
        if format == "csv":
            table = csv_table(path_or_buffer, schema)
        elif format == "json_bulk":
            table = json_bulk_table(path_or_buffer, schema)
        else:
            table, meta = json_table(path_or_buffer, schema)
    except ValueError as exc:  # Arrow's ArrowInvalid, json's and utf-8's errors are ValueErrors
        raise ParseError(f"cannot read the {format} file of report {report!r}: {exc}") from None
    empty = table.num_columns == 0
    if empty:
        table = _schema_table(schema)
    typed, notes = typed_table(table, schema, tz)
    del table  # only the typed columns stay alive through the conversion to pandas
    frame = to_frame(typed)
    del typed
    if not empty:
        _drift(schema, list(frame.columns), notes)
    total = meta.pop("total", None)
    return ParsedReport(frame, total if isinstance(total, int) else None, len(frame), format, meta)


def read_file(
    path_or_buffer: Source, *, report: str, format: str | None = None, tz: str = "UTC"
) -> pd.DataFrame:
    """Read a report file already on disk (downloaded earlier, or by another tool).

    Parameters
    ----------
    path_or_buffer : str, PathLike or file-like
        The report file.
    report : str
        The report ``{type}`` slug, e.g. ``"calls"`` or ``"contacts"``.
    format : {"csv", "json", "json_bulk"}, optional
        Inferred from the suffix (``.csv``, ``.json``, ``.jsonl``, ``.ndjson``) or, failing
        that, from the content (see `infer_format`).
    tz : str, default "UTC"
        IANA zone of the datetime columns.

    Returns
    -------
    pandas.DataFrame
        Datetimes ``datetime64[us, tz]``, durations ``timedelta64[us]``, flags ``boolean``,
        IDs and phone numbers ``str``, the same columns whatever the format.

    Examples
    --------
    >>> df = read_file("calls.csv", report="calls", tz="Europe/Lisbon")  # doctest: +SKIP
    >>> df["end_at"].dtype  # doctest: +SKIP
    datetime64[us, Europe/Lisbon]
    """
    if isinstance(path_or_buffer, io.TextIOBase):
        # Read once: inferring the format must not consume the only copy of the text.
        path_or_buffer = io.BytesIO(path_or_buffer.read().encode("utf-8"))
    if format is None:
        format = infer_format(path_or_buffer)
    return parse_file(path_or_buffer, report=report, format=format, tz=tz).frame
