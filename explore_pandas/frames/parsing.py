"""Report files (csv, json, json_bulk) to typed, timezone-aware DataFrames.

The three formats give the same frame for the same report: CSV display labels map to the
JSON keys (`schemas.ReportSchema.key_for_label`), every column is typed from the registry
(`convert`), and columns the registry does not know are kept and inferred. A report
published in several layouts (`layouts`) is typed with the layout the file's columns match.

Files are read from disk by Arrow (`readers`, `envelope`), typed column by column
(`convert`), and turned into pandas once. Drift from the registry gives one
`SchemaDriftWarning` per call; a file that cannot be read gives a `ParseError` naming the
file and the line or entry (`locate`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from explore_pandas.exceptions import ParseError
from explore_pandas.frames import convert
from explore_pandas.frames.checks import (
    check_arguments,
    check_format,
    check_source,
    warn_drift,
    warn_guessed_layout,
)
from explore_pandas.frames.layouts import layouts_of
from explore_pandas.frames.limits import (
    row_limit_message,
    row_limit_reached,
    warn_row_limit,
)
from explore_pandas.frames.locate import Problem, foreign_content
from explore_pandas.frames.options import check_columns, check_dtype, check_dtype_backend
from explore_pandas.frames.readers import Source, file_columns, file_notes, infer_format, opened, peek
from explore_pandas.frames.reading import parse_error, read_table, seekable, source_name
from explore_pandas.frames.schemas import ReportSchema
from explore_pandas.frames.shaping import present, select_columns
from explore_pandas.reports import report_type

__all__ = [
    "ParsedReport",
    "empty_frame",
    "infer_format",
    "parse_file",
    "read_file",
    "row_limit_message",
    "row_limit_reached",
    "to_frame",
    "typed_table",
    "warn_row_limit",
]



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
    layout : str
        The report layout the file was read in (``"v1"`` or ``"pre2026"`` for calls, see
        `layouts`).
    """

    frame: pd.DataFrame
    total: int | None
    rows: int
    format: str = "csv"
    envelope: dict[str, Any] = field(default_factory=dict)
    layout: str = "explore"

    @property
    def truncated(self) -> bool:
        """Whether the file may lack rows (the API's row limit; see `row_limit_reached`)."""
        return row_limit_reached(self.rows, self.total)


def _empty_table(schema: ReportSchema) -> pa.Table:
    """No rows, with every column of the layout: what an empty file is, whatever its format
    (a CSV header names columns, an empty json file none; both must read the same)."""
    return pa.table({key: pa.array([], pa.string()) for key in schema.keys})


def _to_pandas_type(typ: pa.DataType) -> Any:
    if pa.types.is_integer(typ):
        return pd.Int64Dtype()
    if pa.types.is_boolean(typ):
        return pd.BooleanDtype()
    if pa.types.is_list(typ) or pa.types.is_struct(typ):
        return pd.ArrowDtype(typ)
    return None


def typed_table(table: pa.Table, schema: ReportSchema, tz: str) -> tuple[pa.Table, list[str]]:
    """Convert every column to its kind; return the table and notes on values that did not fit.

    A column whose values do not fit its registered kind is inferred (`convert.infer`):
    numbers stay numbers, and the note says what it became.
    """
    notes, columns = [], []
    zone = schema.render_zone
    for key, arr in zip(table.column_names, table.columns):
        column = schema.by_key.get(key)
        if column is None:
            columns.append(convert.infer(arr, key, tz, zone))
            continue
        typed = convert.convert(arr, column.kind, tz, zone)
        if typed is None:
            misfit = convert.first_misfit(arr, column.kind, tz, zone)
            typed = convert.infer(arr, key, tz, zone)
            where = f": row {misfit[0] + 1} holds {misfit[1]!r}" if misfit else ""
            notes.append(f"{key!r} is not {column.kind} (read as {typed.type}){where}")
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


def parse_file(
    path_or_buffer: Source, *, report: str, format: str, tz: str = "UTC",
    encoding_errors: str = "strict", columns: Sequence[str] | None = None,
    dtype_backend: str = "numpy_nullable", dtype: Mapping[str, Any] | None = None,
) -> ParsedReport:
    """Parse one report file of a known format into a typed frame.

    Parameters
    ----------
    path_or_buffer : str, PathLike or file-like
        The report file (binary buffers are read from their current position).
    report : str
        The report ``{type}`` slug, e.g. ``"calls"`` (or its display name); it selects the
        registry schema, and the file's columns select the layout.
    format : {"csv", "json", "json_bulk"}
        The file's format.
    tz : str, default "UTC"
        IANA zone the datetime columns are converted to (file values are UTC).
    encoding_errors : {"strict", "replace", "ignore"}, default "strict"
        What to do with bytes that are not UTF-8, as in ``pandas.read_csv``.
    columns : list of str, optional
        Only these columns (JSON keys), in this order; one the file lacks is all null.
    dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
        As in pandas' readers (see `shaping`).
    dtype : dict, optional
        ``{column: dtype}`` overrides, applied last.

    Returns
    -------
    ParsedReport
        The frame, the json ``total`` (or ``None``), the number of rows and the layout.

    Raises
    ------
    ValidationError
        For an unknown report, with the closest known names.
    ParseError
        When the file cannot be read in that format; the message names the file and the
        line (or json entry) at fault.

    Warns
    -----
    SchemaDriftWarning
        Once, when expected columns are missing, new ones appear, or values do not fit
        the registry's kind for their column.
    """
    check_source(path_or_buffer)
    check_arguments(format, tz, encoding_errors)
    format = check_format(format)
    slug = report_type(report).slug
    wanted = check_columns(columns, slug)
    overrides = check_dtype(dtype, slug, wanted)
    backend = check_dtype_backend(dtype_backend)
    name = source_name(path_or_buffer)
    with seekable(path_or_buffer) as f:
        start = f.tell()
        try:
            table, meta, schema = read_table(path_or_buffer, f, slug, format, wanted)
        except Problem as problem:
            if not problem.encoding or encoding_errors == "strict":
                raise parse_error(name, format, slug, problem) from None
            f.seek(start)
            fixed = io.BytesIO(f.read().decode("utf-8", encoding_errors).encode("utf-8"))
            try:
                table, meta, schema = read_table(fixed, fixed, slug, format, wanted)
            except Problem as again:
                raise parse_error(name, format, slug, again) from None
    rows = table.num_rows
    read_notes, columns_of_file = file_notes(table), file_columns(table)
    if rows == 0:
        table = _empty_table(schema)
    table = select_columns(table, wanted, lambda key: pa.string())
    typed, notes = typed_table(table, schema, tz)
    notes = read_notes + notes
    del table  # only the typed columns stay alive through the conversion to pandas
    frame = _typed_absent(to_frame(typed), slug, tz, [c for c in wanted or () if c not in schema.by_key])
    frame = present(frame, backend, overrides)
    del typed
    if rows:
        warn_drift(schema, columns_of_file, notes, wanted)
        warn_guessed_layout(schema, columns_of_file)
    total = meta.pop("total", None)
    total = total if isinstance(total, int) and not isinstance(total, bool) else None
    return ParsedReport(frame, total, len(frame), format, meta, schema.layout)


def _typed_absent(frame: pd.DataFrame, slug: str, tz: str, keys: list[str]) -> pd.DataFrame:
    """Columns asked for that this file's layout lacks (``end_at`` of a pre-2026 calls file): empty,
    with the type another layout of the report gives them, not text (so that windows stack)."""
    for key in keys:
        layout = next((s.layout for s in layouts_of(slug) if key in s.by_key and s.layout), None)
        if layout is not None and frame[key].isna().all():
            dtype = empty_frame(slug, tz=tz, layout=layout, columns=[key])[key].dtype
            frame[key] = pd.Series(index=frame.index, dtype=dtype)
    return frame


def empty_frame(report: str, *, tz: str = "UTC", layout: str | None = None,
                columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The typed frame of a report with no rows: every column of its (current) layout, or ``columns``.

    What any empty file of the report reads as, in every format.
    """
    slug = report_type(report).slug
    candidates = layouts_of(slug)
    schema = next((s for s in candidates if s.layout == layout), candidates[0])
    table = select_columns(_empty_table(schema), columns, lambda key: pa.string())
    typed, _ = typed_table(table, schema, tz)
    return to_frame(typed)


_READ_FILE_ADVICE = (
    "The file holds only the first rows: ask the API for a shorter range (or pull it with "
    "read_report(..., on_row_limit='split'))."
)


def read_file(
    path_or_buffer: Source, *, report: str, format: str | None = None, tz: str = "UTC",
    encoding_errors: str = "strict", columns: Sequence[str] | None = None,
    dtype_backend: str = "numpy_nullable", dtype: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Read a report file already on disk (downloaded earlier, or by another tool).

    Parameters
    ----------
    path_or_buffer : str, PathLike or file-like
        The report file.
    report : str
        The report ``{type}`` slug, e.g. ``"calls"`` or ``"contacts"``; an unknown name is
        a ``ValidationError`` that suggests the closest ones, as in ``read_report``.
    format : {"csv", "json", "json_bulk"}, optional
        Inferred from the suffix (``.csv``, ``.json``, ``.jsonl``, ``.ndjson``) or, failing
        that, from the content (see `infer_format`).
    tz : str, default "UTC"
        IANA zone of the datetime columns.
    encoding_errors : {"strict", "replace", "ignore"}, default "strict"
        Bytes that are not UTF-8 are a ``ParseError`` naming the line, unless replaced
        (``"replace"``, with U+FFFD) or dropped (``"ignore"``), as in ``pandas.read_csv``.
    columns : list of str, optional
        Only these columns (the report's JSON keys) are parsed and kept, in this order; a
        name that is not a column of the report is a ``ValidationError`` suggesting the
        closest ones.
    dtype_backend : {"numpy_nullable", "pyarrow"}, default "numpy_nullable"
        As in pandas' readers: ``"pyarrow"`` gives ``pd.ArrowDtype`` columns (timestamps
        with their zone, durations, booleans, dictionary-encoded strings).
    dtype : dict, optional
        ``{column: dtype}`` overrides, applied after the registry's types.

    Returns
    -------
    pandas.DataFrame
        Datetimes ``datetime64[us, tz]`` (a fraction finer than the microsecond, such as
        ``.123456789``, is truncated to ``.123456``), durations ``timedelta64[us]``, flags ``boolean``,
        IDs and phone numbers ``str``, the same columns whatever the format.
        ``df.attrs["explore"]`` says which report, layout and format the file was read as,
        its rows and json ``total``, and whether it reached the API's row limit.

    Warns
    -----
    RowLimitWarning
        When the file holds 1,000,000 rows (the API's limit) or fewer than its ``total``.

    Examples
    --------
    >>> df = read_file("calls.csv", report="calls", tz="Europe/Lisbon")  # doctest: +SKIP
    >>> df["end_at"].dtype  # doctest: +SKIP
    datetime64[us, Europe/Lisbon]
    >>> df.attrs["explore"]["layout"]  # doctest: +SKIP
    'v1'
    """
    slug = report_type(report).slug
    check_source(path_or_buffer)
    if isinstance(path_or_buffer, io.TextIOBase):
        # Read once: inferring the format must not consume the only copy of the text.
        path_or_buffer = io.BytesIO(path_or_buffer.read().encode("utf-8"))
    elif not isinstance(path_or_buffer, (str, os.PathLike)) and not path_or_buffer.seekable():
        path_or_buffer = io.BytesIO(path_or_buffer.read())  # type: ignore[arg-type]
    check_dtype(dtype, slug, check_columns(columns, slug))
    check_dtype_backend(dtype_backend)
    if format is None:
        format = _format_of(path_or_buffer)
    else:
        format = check_format(format)
    parsed = parse_file(path_or_buffer, report=slug, format=format, tz=tz, encoding_errors=encoding_errors,
                        columns=columns, dtype_backend=dtype_backend, dtype=dtype)
    name = source_name(path_or_buffer)
    warn_row_limit(slug, parsed.rows, parsed.total, where=f"in {name}",
                   advice=_READ_FILE_ADVICE, stacklevel=2, local=True)
    frame = parsed.frame
    frame.attrs["explore"] = {
        "report": slug, "layout": parsed.layout, "format": parsed.format, "timezone": tz,
        "source": name, "rows": parsed.rows, "total": parsed.total,
        "truncated": parsed.truncated,
    }
    return frame


def _format_of(source: Source) -> str:
    """`infer_format`, except that an empty file is any format: it reads the same in all.

    Its errors name the file, and say what the content is when it is plainly no report.
    """
    name = source_name(source)
    with opened(source) as f:
        head = peek(f)
    if not head.strip():
        suffix = os.path.splitext(name)[1].lower()
        return {".json": "json", ".jsonl": "json_bulk", ".ndjson": "json_bulk"}.get(suffix, "csv")
    foreign = foreign_content(head)
    if foreign is not None:
        raise ParseError(f"cannot read {name}: line 1: this is {foreign}", path=name, line=1)
    try:
        return infer_format(source)
    except ParseError as error:
        raise ParseError(f"cannot read {name}: {error}", path=name) from None
