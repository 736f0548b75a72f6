"""The checks of what a file reader is given, and its warnings about what a file holds.

Arguments get the errors ``read_report`` gives (a ValidationError naming the
field); columns that the registry does not expect, lack or cannot type get one
:class:`SchemaDriftWarning` naming them, pointing at the caller's line.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

from explore_pandas.exceptions import ParseError, SchemaDriftWarning, ValidationError
from explore_pandas.frames.layouts import ambiguous_layouts
from explore_pandas.frames.limits import user_stacklevel
from explore_pandas.frames.schemas import ReportSchema
from explore_pandas.spec import FORMATS
from explore_pandas.zones import check_zone

__all__ = ["ENCODING_ERRORS", "check_arguments", "check_format", "check_source", "invalid", "warn_drift",
           "warn_guessed_layout"]

#: What ``encoding_errors=`` accepts, as in ``pandas.read_csv``: fail, or replace/drop bytes.
ENCODING_ERRORS = ("strict", "replace", "ignore")


def warn_drift(schema: ReportSchema, columns: list[str], notes: list[str],
           wanted: Sequence[str] | None = None) -> None:
    """One SchemaDriftWarning naming every missing, new or mistyped column (of ``wanted``, when given)."""
    problems = list(notes)
    if wanted is not None:  # asked for by name: say it is not in the file, optional or not
        absent = [key for key in wanted if key not in columns]
        if absent:
            problems.insert(0, f"columns asked for but not in the file (read as empty): {absent}")
    elif schema.known:
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
            stacklevel=user_stacklevel(),
        )


def warn_guessed_layout(schema: ReportSchema, columns: list[str]) -> None:
    """Say so when the file's columns fit several layouts alike (it was read as the current one)."""
    tied = ambiguous_layouts(schema.slug, columns)
    if tied:
        warnings.warn(
            f"report {schema.slug!r}: the file's columns fit the layouts {tied} alike; it was read "
            f"as {schema.layout!r} (the current one). If it is another, its values are misread "
            "(e.g. durations in seconds vs fractions of a day)",
            SchemaDriftWarning,
            stacklevel=user_stacklevel(),
        )


def invalid(field: str, description: str, fix: str) -> ValidationError:
    """The error ``read_report`` gives for a bad option: a ValidationError naming the field."""
    return ValidationError(f"{field}: {description}. {fix}", fields=[{"name": field, "description": description}])


def check_format(format: str) -> str:
    """``csv``, ``json`` or ``json_bulk``, case-insensitive, as ``read_report`` takes it."""
    value = format.strip().lower() if isinstance(format, str) else format
    if value not in FORMATS:
        raise invalid("format", f"{format!r} is not a report format", f"Use one of {', '.join(FORMATS)}.")
    return value


def check_source(source: object) -> None:
    """A path to a file, or a file object; else a ValidationError (or ParseError) that says what to pass.

    A path that does not exist is left to ``open``: its ``FileNotFoundError`` names it.
    """
    if isinstance(source, (str, os.PathLike)):
        if os.path.isdir(source):
            name = os.fspath(source)
            raise ParseError(f"cannot read {name}: it is a directory, not a report file "
                             "(pass one file; write_parquet's folders are read with pandas.read_parquet)",
                             path=name)
        return
    if isinstance(source, (bytes, bytearray, memoryview)):
        raise invalid("path_or_buffer", "bytes are not a path or a file",
                       "Pass the file's path, or wrap the content: io.BytesIO(data).")
    if not callable(getattr(source, "read", None)):
        raise invalid("path_or_buffer", f"{type(source).__name__} is not a path or a file",
                       "Pass the path of a report file (str or pathlib.Path) or an open file object.")


def check_arguments(format: str, tz: str, encoding_errors: str) -> None:
    check_format(format)
    if encoding_errors not in ENCODING_ERRORS:
        raise invalid("encoding_errors", f"{encoding_errors!r} is not one of {ENCODING_ERRORS}",
                       "Use 'strict' (the default), 'replace' or 'ignore'.")
    check_zone(tz)
