"""Issue 12, second round: what a fresh tester found (each test is one kind, not one file)."""

from __future__ import annotations

import gzip
import json
import warnings
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from explore_pandas import read_file
from explore_pandas.exceptions import (
    ParseError,
    RowLimitWarning,
    SchemaDriftWarning,
    ValidationError,
)
from explore_pandas.frames.layouts import match_layout
from explore_pandas.frames.provenance import provenance, window_record
from explore_pandas.pulls.assemble import concat_frames

# -- A3: columns that fit several layouts alike are the current layout, and that is said -------


@pytest.mark.parametrize("header", ["Talk Time,Csat Score,Agent Disconnected",
                                    "Talk Time,Ivr Options,Csat Score,Disposition Code,Rating Reason"])
def test_a_file_whose_columns_fit_both_layouts_is_the_current_one_with_a_warning(
        tmp_path: Path, header: str) -> None:
    path = tmp_path / "shared.csv"
    width = header.count(",") + 1
    path.write_text(header + "\n" + ",".join(["120", "5", "No", "x", "y"][:width]) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = read_file(path, report="calls")
    said = [str(w.message) for w in caught if issubclass(w.category, SchemaDriftWarning)]
    assert any("fit the layouts ['v1', 'pre2026'] alike" in m for m in said), said
    assert df.attrs["explore"]["layout"] == "v1"
    assert df["talk_time"].tolist() == [120]  # seconds, never 120 days


def test_a_tie_goes_to_the_only_layout_the_file_has_every_column_of() -> None:
    assert match_layout("calls", ["talk_time", "csat_score"]).layout == "v1"
    assert match_layout("calls", ["Talk Time"], labels=True).layout == "v1"


# -- A2: frames of two layouts stacked: one dtype per column, said, and the layout says both ---

DATA = Path(__file__).parents[1] / "data"


def _calls(name: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaDriftWarning)
        return read_file(DATA / name, report="calls")


def test_frames_of_two_layouts_stack_with_one_dtype_per_column_and_a_warning() -> None:
    pre, v1 = _calls("calls_pre2026.json"), _calls("calls_v1.json")
    with pytest.warns(SchemaDriftWarning, match=r"layouts \['pre2026', 'v1'\] are combined.*'talk_time'"):
        both = concat_frames([pre, v1], layouts=["pre2026", "v1"], report="calls")
    assert len(both) == len(pre) + len(v1)
    assert pd.api.types.is_timedelta64_dtype(both["talk_time"])  # never object of Timedelta and int
    assert both["talk_time"].tolist() == [*pre["talk_time"], *pd.to_timedelta(v1["talk_time"], unit="s")]
    for column in both.columns:  # every column keeps the dtype of the layout(s) that have it
        source = pre if column in pre.columns else v1
        if column != "talk_time" and not isinstance(both[column].dtype, pd.CategoricalDtype):
            assert both[column].dtype == source[column].dtype, column
    mixed = [c for c in both.columns if both[c].dtype == object  # pandas 2 keeps text as object: only text
             and not both[c].dropna().map(type).eq(str).all()]
    assert mixed == []


def test_the_provenance_of_windows_of_two_layouts_names_both_and_an_empty_file_none() -> None:
    def window(layout: str, rows: int) -> dict[str, object]:
        return window_record(datetime(2026, 5, 1), datetime(2026, 5, 2), "j", rows, rows, False, layout)

    assert provenance({}, [window("pre2026", 3), window("v1", 2)])["layout"] == "pre2026+v1"
    assert provenance({}, [window("pre2026", 3), window("v1", 0)])["layout"] == "pre2026"
    assert provenance({}, [window("v1", 0)])["layout"] == "v1"


# -- A4/A5: a cut or malformed csv is an error, never fewer or changed rows --------------------


@pytest.mark.parametrize(("body", "line"), [
    (b'Call Id,Notes\n1,"unterminated\n2,x\n3,y\n', 2),        # unclosed quote in the last column
    (b'Call Id,Notes,Type\n1,a,inbound\n2,"b,inbound\n3,c,inbound\n', 3),
    (b"Call Id,Is Mood Prompted\r\n1,true\r\n2,tr", 3),       # cut inside the last field
    (b'Call Id,Notes\r\n1,"a ""quoted"" word"\r\n2,"cut in a quo', 3),
])
def test_a_csv_cut_or_with_an_unclosed_quote_is_a_parse_error_at_its_line(
        tmp_path: Path, body: bytes, line: int) -> None:
    path = tmp_path / "cut.csv"
    path.write_bytes(body)
    with pytest.raises(ParseError, match=rf"cut\.csv .*line {line}: .*(never closed|cut off)"):
        read_file(path, report="calls")


def test_a_csv_without_its_last_line_break_says_how_to_read_it_when_it_is_whole(tmp_path: Path) -> None:
    path = tmp_path / "edited.csv"
    path.write_bytes(b"Call Id,Talk Time\r\n1,12\r\n2,1234")  # "1234" may be "12345..." cut
    with pytest.raises(ParseError, match="download it again; if you know the last row is whole, add a line break"):
        read_file(path, report="calls")
    path.write_bytes(path.read_bytes() + b"\r\n")
    with pytest.warns(SchemaDriftWarning, match="missing"):  # two columns of the report's many
        frame = read_file(path, report="calls")
    assert frame["talk_time"].tolist() == [12, 1234]


def test_quotes_that_are_closed_and_a_header_without_a_line_break_still_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_bytes(b'Call Id,Notes\r\n1,"say ""hi""\r\nbye"\r\n2,x\r\n')
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaDriftWarning)
        assert read_file(path, report="calls")["notes"].tolist() == ['say "hi"\r\nbye', "x"]
        path.write_bytes(b"Call Id,Notes")
        assert len(read_file(path, report="calls")) == 0


# -- A6: content that is not a report of this type is a ParseError naming the file and what it is --

FOREIGN = {
    "page.csv": (b"<!DOCTYPE html><html><body>Sign in</body></html>\n", "an HTML page"),
    "page.json": (b"<html><body>Access Denied</body></html>\n", "an HTML page"),
    "s3.csv": (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code></Error>',
               r"an XML document.*AccessDenied"),
    "error.json": (b'{\n  "code": "0401001",\n  "message": "Unauthorized"\n}\n', r"an API error body.*0401001"),
    "error.jsonl": (b'{"code": "0401001", "message": "Unauthorized"}\n', r"an API error body"),
    "job.json": (b'{"job": {"id": "x", "status": "done"}, "_links": {}}', "the JSON body of a job"),
    "other.csv": (b"Foo,Bar\n1,2\n", r"header names no column of the calls report \(\['foo', 'bar'\]\)"),
    "header.csv": (b"Foo,Bar", r"header names no column of the calls report"),
    "other.jsonl": (b'{"foo": 1}\n', r"entries name no column of the calls report"),
}


@pytest.mark.parametrize("name", sorted(FOREIGN))
@pytest.mark.parametrize("format", [None, "csv", "json", "json_bulk"])
def test_content_that_is_no_report_of_this_type_is_a_parse_error(
        tmp_path: Path, name: str, format: str | None) -> None:
    body, what = FOREIGN[name]
    path = tmp_path / name
    path.write_bytes(body)
    with pytest.raises(ParseError, match=rf"{name}") as raised:
        read_file(path, report="calls", format=format)
    if format is None or "no column" not in what:  # another format asked: it may say that first
        assert raised.match(what)


def test_a_file_of_only_unknown_columns_is_fine_for_an_undocumented_report(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"Foo,Bar\n1,2\n")
    assert read_file(path, report="wfm_timeseries")["foo"].tolist() == [1]


# -- A7: csv, json and json_bulk type the values of a column the registry does not know alike --


@pytest.mark.parametrize("values", [["2026-11-01", "2026-11-02"], ["2026-11-01T10:00", "2026-11-02T10:00"],
                                    ["2026-11-01", "2026-11-02 10:00:00"], [None, "2026-11-01"]])
def test_date_like_text_in_an_unknown_column_reads_alike_in_every_format(
        tmp_path: Path, values: list[str | None]) -> None:
    records = [{"call_id": f"c{i}", "t": v} for i, v in enumerate(values)]
    (tmp_path / "r.json").write_text(json.dumps({"entries": records, "total": len(records)}))
    (tmp_path / "r.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (tmp_path / "r.csv").write_text("Call Id,T\n" + "".join(f"c{i},{v or ''}\n" for i, v in enumerate(values)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaDriftWarning)
        frames = [read_file(tmp_path / name, report="calls") for name in ("r.csv", "r.json", "r.jsonl")]
    for frame in frames[1:]:
        pd.testing.assert_series_equal(frame["t"], frames[0]["t"])
    text = frames[0]["t"].dtype == "str" or (  # pandas 2 keeps text as object
        frames[0]["t"].dtype == object and frames[0]["t"].dropna().map(type).eq(str).all())
    assert text or str(frames[0]["t"].dtype).startswith("datetime64")


# -- B3/C7: what read_file is given is checked as read_report checks its options ---------------


@pytest.mark.parametrize("source", [b"Call Id\n1\n", None, 5])
def test_a_source_that_is_no_path_or_file_is_a_validation_error(source: object) -> None:
    with pytest.raises(ValidationError, match="path_or_buffer: .* (is|are) not a path or a file"):
        read_file(source, report="calls")  # type: ignore[arg-type]


def test_a_directory_is_a_parse_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=rf"{tmp_path.name}: it is a directory"):
        read_file(tmp_path, report="calls")


def test_bad_options_are_validation_errors_naming_the_field_and_format_ignores_case(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"entries": [{"call_id": "1"}], "total": 1}))
    with pytest.raises(ValidationError, match="timezone: 'Mars/Base' is not an IANA time zone") as raised:
        read_file(path, report="calls", tz="Mars/Base")
    assert raised.value.fields[0]["name"] == "timezone"
    with pytest.raises(ValidationError, match="format: 'parquet' is not a report format"):
        read_file(path, report="calls", format="parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaDriftWarning)
        assert read_file(path, report="calls", format="JSON").attrs["explore"]["format"] == "json"


# -- B2: rows ending with CR alone read as with LF or CRLF --------------------------------------


@pytest.mark.parametrize("end", [b"\r", b"\n", b"\r\n"])
def test_every_line_end_reads_the_same(tmp_path: Path, end: bytes) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(end.join([b"Call Id,Notes", b'1,"two' + end + b'lines"', b"2,x", b""]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaDriftWarning)
        df = read_file(path, report="calls")
    assert df["call_id"].tolist() == ["1", "2"] and df["notes"].tolist() == [f"two{end.decode()}lines", "x"]


# -- C2/C3: compressed, UTF-16 and truncated content says so, and what to do --------------------

ENVELOPE = json.dumps({"entries": [{"call_id": "1"}, {"call_id": "2"}], "total": 2})


@pytest.mark.parametrize(("name", "body", "what"), [
    ("r.csv", gzip.compress(b"Call Id\n1\n"), r"gzip-compressed data: decompress it first"),
    ("r.json.gz", gzip.compress(ENVELOPE.encode()), r"gzip-compressed data"),
    ("r.csv", "Call Id\n1\n".encode("utf-16"), r"UTF-16 text, not UTF-8: save it as UTF-8"),
    ("r.json", ENVELOPE.encode("utf-16-le"), r"UTF-16 text"),
    ("r.json", ENVELOPE[:40].encode(), r"line 1: the JSON ends before it is complete.*truncated"),
    ("r.json", ENVELOPE[:-1].encode(), r"truncated"),
    ("r.jsonl", b'{"call_id": "1"}\n{"call_id": "2', r"line 2: the last line is cut"),
])
@pytest.mark.parametrize("format", [None, "given"])
def test_compressed_utf16_and_truncated_files_say_so(
        tmp_path: Path, name: str, body: bytes, what: str, format: str | None) -> None:
    path = tmp_path / name
    path.write_bytes(body)
    fmt = None if format is None else {"r.csv": "csv", "r.jsonl": "json_bulk"}.get(name, "json")
    with pytest.raises(ParseError, match=rf"{name}.*{what}"):
        read_file(path, report="calls", format=fmt)


# -- C5: a field longer than the csv module's 131,072 characters reads whole ---------------------


def test_a_csv_field_of_megabytes_reads_whole(tmp_path: Path) -> None:
    big = "x" * (5 << 20)
    path = tmp_path / "r.csv"
    path.write_text(f'Call Id,Notes\r\n1,"{big}"\r\n2,"a ""b"""\r\n')
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaDriftWarning)
        df = read_file(path, report="calls")
    assert df["notes"].tolist() == [big, 'a "b"']
    path.write_text(f'Call Id,Notes\r\n1,"{big}\r\n2,x\r\n')  # and an unclosed quote after it is found
    with pytest.raises(ParseError, match="line 2: a quoted field opened"):
        read_file(path, report="calls")


# -- C6: a small file short of its json total does not claim the 1,000,000-row limit -------------


def test_a_small_file_short_of_its_total_says_so_not_the_row_limit(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"entries": [{"queue_name": "a"}], "total": 5}')
    with pytest.warns(RowLimitWarning, match="holds fewer rows than its total: 1 row received of 5") as caught:
        read_file(path, report="wfm_timeseries")
    assert "1,000,000" not in str(caught[0].message)


# -- C4: a value that does not fit its column's kind is named, with its row ---------------------


def test_a_misfit_value_is_named_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("Call Id,Csat Score\n1,5\n2,4\n3,five\n")
    with pytest.warns(SchemaDriftWarning, match=r"'csat_score' is not int \(read as string\): row 3 holds 'five'"):
        read_file(path, report="calls")


# -- D: a lowercase z, and a delimiter at the end of every line ---------------------------------


def test_a_lowercase_z_is_utc_and_a_trailing_delimiter_is_no_column(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"Call Id,T,\r\n1,2026-11-01T10:00:00z,\r\n2,2026-11-01 11:00:00Z,\r\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaDriftWarning)
        df = read_file(path, report="calls")
    assert list(df.columns) == ["call_id", "t"]
    assert df["t"].tolist() == [pd.Timestamp("2026-11-01 10:00", tz="UTC"), pd.Timestamp("2026-11-01 11:00", tz="UTC")]


def test_drift_warnings_point_at_the_callers_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("Call Id,Csat Score\n1,five\n")
    with pytest.warns(SchemaDriftWarning) as caught:
        read_file(path, report="calls")
    assert {w.filename for w in caught} == {__file__}
