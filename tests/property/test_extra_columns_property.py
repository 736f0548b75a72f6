"""Property: columns no registry knows read the same, and exactly, in csv, json and json_bulk.

Hypothesis builds a few rows with arbitrary extra columns of the value kinds users meet
(integers up to 20 digits and negative, floats, booleans in every spelling the docs show,
datetimes naive, with ``Z``, with offsets, with milliseconds and with unpadded hours, empty
strings, nulls, non-ASCII text with quotes and line breaks), writes them as the API does
(``explore-api.md`` section 7: csv with display-label headers, the json envelope, NDJSON)
and asserts that the three reads are equal and give back every value exactly.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explore_pandas.exceptions import SchemaDriftWarning
from explore_pandas.frames.parsing import read_file

SUFFIX = {"csv": ".csv", "json": ".json", "json_bulk": ".jsonl"}
BOOLEANS = [(True, False), ("TRUE", "FALSE"), ("Yes", "No"), ("YES", "NO"), ("true", "false")]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), include_characters="\n\r\t"),
               max_size=12)
MISSING = st.sampled_from([None, "", "None"])  # section 8.4's three spellings of no value


def _datetime_text(instant: datetime, style: str, offset: int) -> str:
    if style == "offset":
        wall = instant + timedelta(minutes=offset)
        sign = "-" if offset < 0 else "+"
        return wall.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    if style == "zulu":
        return instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "millis":
        return instant.strftime("%Y-%m-%d %H:%M:%S.") + f"{instant.microsecond // 1000:03d}"
    if style == "unpadded":
        return f"{instant:%Y-%m-%d} {instant.hour}:{instant:%M:%S}"
    return instant.strftime("%Y-%m-%d %H:%M:%S")


INSTANTS = st.datetimes(datetime(1971, 1, 1), datetime(2099, 1, 1)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000, tzinfo=timezone.utc))


@st.composite
def datetime_cell(draw: Any) -> tuple[str, pd.Timestamp]:
    instant = draw(INSTANTS)
    style = draw(st.sampled_from(["naive", "zulu", "offset", "millis", "unpadded"]))
    if style != "millis":
        instant = instant.replace(microsecond=0)
    text = _datetime_text(instant, style, draw(st.integers(-48, 56)) * 15)
    return text, pd.Timestamp(instant)


@st.composite
def column(draw: Any) -> tuple[str, list[Any], list[Any]]:
    """(kind, wire values, expected values) of one column; None expected means missing."""
    rows = draw(st.integers(1, 5))
    kind = draw(st.sampled_from(["int", "float", "bool", "datetime", "text"]))
    wire: list[Any] = []
    want: list[Any] = []
    spelling = draw(st.sampled_from(BOOLEANS))
    for _ in range(rows):
        if draw(st.integers(0, 4)) == 0:
            wire.append(draw(MISSING))
            want.append(None)
        elif kind == "int":
            value = draw(st.integers(-(10**20) + 1, 10**20 - 1) | st.integers(-1000, 1000))
            wire.append(value)
            want.append(value)
        elif kind == "float":
            value = draw(st.floats(allow_nan=False, allow_infinity=False))
            wire.append(value)
            want.append(value)
        elif kind == "bool":
            index = draw(st.integers(0, 1))
            wire.append(spelling[index])
            want.append(index == 0)
        elif kind == "datetime":
            text, instant = draw(datetime_cell())
            wire.append(text)
            want.append(instant)
        else:
            text = "t:" + draw(TEXT)  # a prefix keeps it text (not a number, flag or date)
            wire.append(text)
            want.append(text)
    return kind, wire, want


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, float) else str(value)


def _write(folder: Path, fmt: str, records: list[dict[str, Any]]) -> Path:
    path = folder / f"report{SUFFIX[fmt]}"
    if fmt == "json":
        path.write_text(json.dumps({"entries": records, "total": len(records)}, ensure_ascii=False),
                        encoding="utf-8")
    elif fmt == "json_bulk":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([key.replace("_", " ").title() for key in records[0]])  # display labels
        writer.writerows([[_cell(r[key]) for key in records[0]] for r in records])
        path.write_bytes(out.getvalue().encode("utf-8"))
    return path


def _expected(kind: str, want: list[Any]) -> list[Any]:
    present = [v for v in want if v is not None]
    if kind == "int" and not all(-(2**63) <= v < 2**63 for v in present):
        return [None if v is None else str(v) for v in want]  # beyond int64: the digits, as text
    return want


def _check(kind: str, got: pd.Series, want: list[Any], tz: str) -> None:
    assert got.isna().tolist() == [v is None for v in want], (kind, got.tolist(), want)
    present = [v for v in want if v is not None]
    values = got.dropna().tolist()
    if not present:
        return
    if kind == "datetime":
        assert str(got.dtype) == f"datetime64[us, {tz}]"
        assert [v.tz_convert("UTC") for v in values] == present
    elif kind == "int" and all(isinstance(v, int) for v in present):
        assert got.dtype == "Int64" and values == present
    elif kind == "float":
        assert got.dtype == "float64" and values == present
    elif kind == "bool":
        assert got.dtype == "boolean" and values == present
    else:
        assert values == present and all(isinstance(v, str) for v in values)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    columns=st.lists(column(), min_size=1, max_size=5),
    report=st.sampled_from(["wfm_timeseries", "calls"]),
    tz=st.sampled_from(["UTC", "Europe/Lisbon", "Asia/Kathmandu"]),
)
def test_extra_columns_read_alike_and_exactly_in_every_format(
    columns: list[tuple[str, list[Any], list[Any]]], report: str, tz: str
) -> None:
    rows = min(len(wire) for _, wire, _ in columns)
    keys = [f"extra_{i}" for i in range(len(columns))]
    records = [{key: wire[r] for key, (_, wire, _) in zip(keys, columns)} for r in range(rows)]
    if report == "calls":  # a file of a documented report names one of its columns (else: ParseError)
        keys = ["call_id", *keys]
        records = [{"call_id": f"c{r}", **record} for r, record in enumerate(records)]
    frames = {}
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaDriftWarning)  # new columns of a known report
        for fmt in SUFFIX:
            frames[fmt] = read_file(_write(Path(folder), fmt, records), report=report, tz=tz)
    pd.testing.assert_frame_equal(frames["csv"], frames["json"])
    pd.testing.assert_frame_equal(frames["csv"], frames["json_bulk"])
    frame = frames["json"]
    assert list(frame.columns) == keys
    for key, (kind, _, want) in zip(keys[len(keys) - len(columns):], columns):
        _check(kind, frame[key], _expected(kind, want[:rows]), tz)
