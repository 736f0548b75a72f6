"""Issue 12's cases, one kind each: the file a user meets in practice, and the right value.

Sections follow the issue: layouts, row limit, integers, empty files, encoding, wrong
format, messages, mixed datetimes, unknown report.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from explore_pandas.exceptions import (
    ParseError,
    RowLimitWarning,
    SchemaDriftWarning,
    ValidationError,
)
from explore_pandas.frames.layouts import match_layout
from explore_pandas.frames.parsing import empty_frame, parse_file, read_file
from explore_pandas.frames.schemas import get_schema
from explore_pandas.reports import report_type

FORMATS = ("csv", "json", "json_bulk")
SUFFIX = {"csv": ".csv", "json": ".json", "json_bulk": ".jsonl"}


def title(key: str) -> str:
    return key.replace("_", " ").title()


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write(path: Path, fmt: str, records: list[dict[str, Any]], **head: Any) -> Path:
    """``records`` laid out as the API does (section 7): labels, envelope, NDJSON."""
    path = path.with_suffix(SUFFIX[fmt])
    if fmt == "json":
        path.write_text(json.dumps({**head, "entries": records, "total": len(records)}), encoding="utf-8")
    elif fmt == "json_bulk":
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([title(k) for k in records[0]])
        writer.writerows([[cell(r.get(k)) for k in records[0]] for r in records])
        path.write_text(out.getvalue(), encoding="utf-8")
    return path


def read_all(tmp_path: Path, report: str, records: list[dict[str, Any]], **kw: Any) -> pd.DataFrame:
    """The records read from all three formats; asserts the three frames are equal."""
    frames = [read_file(write(tmp_path / f"r{fmt}", fmt, records), report=report, **kw) for fmt in FORMATS]
    for other in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], other)
    return frames[0]


# -- 1. layouts --------------------------------------------------------------------------------

PRE2026 = [
    {"interaction_id": "74458c", "call_type": "inbound", "start_time": "2022-06-30 16:42:24",
     "end_time": "2022-06-30 16:42:38", "talkdesk_phone_number": "+14704678413",
     "customer_phone_number": "+17753827775", "talk_time": 0.000069444446,
     "record": "/recordings/cads", "hangup": "disconnected", "in_business_hours?": "TRUE",
     "callback_from_queue?": "FALSE", "waiting_time": 0.00005787037,
     "agent_speed_to_answer": 0.000046296296, "holding_time": 0.0, "rating": 2,
     "description": "no", "agent_name": "Alice Eve", "phone_display_name": "support",
     "disposition_code": "Not Interested", "transfer?": "No", "handling_agent": "Mark Jones",
     "tags": "agents+rg1", "ivr_options": "1,2,1", "csat_score": 1,
     "csat_survey_time": "2022-06-30 16:44:40", "team": "Team 2", "rating_reason": "x",
     "agent_disconnected": "Yes"},
]


def test_calls_pre2026_is_read_in_its_own_layout(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = read_all(tmp_path, "calls", PRE2026)
    assert df.attrs["explore"]["layout"] == "pre2026"
    assert df["talk_time"][0] == pd.Timedelta(seconds=6)
    for key in ("waiting_time", "agent_speed_to_answer", "holding_time"):
        assert str(df[key].dtype) == "timedelta64[us]", key
    assert df["in_business_hours?"].tolist() == [True] and df["transfer?"].tolist() == [False]
    assert df["agent_disconnected"].tolist() == [True]


def test_layout_is_matched_from_keys_or_labels() -> None:
    assert match_layout("calls", list(PRE2026[0])).layout == "pre2026"
    assert match_layout("calls", [title(k) for k in PRE2026[0]], labels=True).layout == "pre2026"
    assert match_layout("calls", get_schema("calls").keys).layout == "v1"
    assert match_layout("calls", []).layout == "v1"
    assert match_layout("user_status", get_schema("user_status").keys[:-1]).layout == "reporting"


def test_a_number_that_does_not_fit_its_kind_stays_a_number(tmp_path: Path) -> None:
    # Day fractions under calls v1's integer talk_time: inferred (float), never text.
    records = [{"call_id": "1", "end_at": "2026-05-12T00:00:00Z", "talk_time": 0.5},
               {"call_id": "2", "end_at": "2026-05-12T00:00:01Z", "talk_time": 0.25}]
    with pytest.warns(SchemaDriftWarning, match=r"'talk_time' is not int \(read as double\)"):
        df = read_file(write(tmp_path / "c", "csv", records), report="calls")
    assert df["talk_time"].dtype == "float64" and df["talk_time"].tolist() == [0.5, 0.25]


# -- 2. row limit ------------------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "warns"), [(1_000_000, True), (999_999, False)])
def test_a_file_at_the_row_limit_warns(tmp_path: Path, rows: int, warns: bool) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"Queue Name,Actual Contacts\r\n" + b"agents,1\r\n" * rows)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = read_file(path, report="wfm_timeseries")
    limit = [w for w in caught if issubclass(w.category, RowLimitWarning)]
    assert len(df) == rows and len(limit) == int(warns)
    assert df.attrs["explore"]["truncated"] is warns
    if warns:
        message = str(limit[0].message)
        assert "reached the API's limit of 1,000,000 rows: 1,000,000 rows received" in message
        assert "big.csv" in message


def test_a_json_total_above_its_entries_warns(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"entries": [{"queue_name": "a"}], "total": 5}')
    with pytest.warns(RowLimitWarning, match="1 row received of 5, later rows are missing"):
        df = read_file(path, report="wfm_timeseries")
    assert df.attrs["explore"]["total"] == 5


# -- 3. integers -------------------------------------------------------------------------------


def test_long_integers_are_exact_and_alike_in_every_format(tmp_path: Path) -> None:
    records = [{"queue_name": "a", "big": 9007199254740993, "huge": 12345678901234567890,
                "neg": -98765432109876543210, "mixed": 1.5},
               {"queue_name": "b", "big": -9223372036854775808, "huge": None, "neg": 1,
                "mixed": 9007199254740993}]
    df = read_all(tmp_path, "wfm_timeseries", records)
    assert df["big"].dtype == "Int64"
    assert df["big"].tolist() == [9007199254740993, -9223372036854775808]
    assert df["huge"].tolist()[0] == "12345678901234567890" and pd.isna(df["huge"][1])
    assert df["neg"].tolist() == ["-98765432109876543210", "1"]  # beyond int64: text, exact
    assert df["mixed"].tolist() == ["1.5", "9007199254740993"]  # no float64 for a long integer


def test_a_registered_integer_beyond_int64_is_text_not_an_overflow(tmp_path: Path) -> None:
    records = [{"queue_name": "a", "forecasted_contacts": 123456789012345678901}]
    df = read_all(tmp_path, "wfm_timeseries", records)
    assert df["forecasted_contacts"].tolist() == ["123456789012345678901"]
    with pytest.warns(SchemaDriftWarning, match="'status_time' is not int"):
        user = read_file(write(tmp_path / "u", "json_bulk", [{"status_time": 10**20}]), report="user_status")
    assert user["status_time"].tolist() == ["100000000000000000000"]


# -- 4. empty ----------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [
    b"", b"\r\n", b"Call Id,Type,End At", b"Call Id,Type,End At\r\n", b'{"entries": [], "total": 0}',
])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_empty_file_is_the_empty_typed_frame_of_the_report(tmp_path: Path, content: bytes, fmt: str) -> None:
    looks = "csv" if content.startswith(b"Call") else "json" if content.startswith(b"{") else None
    if looks not in (None, fmt):
        return  # a csv header is not an empty json file: see the wrong-format tests
    path = tmp_path / f"empty{SUFFIX[fmt]}"
    path.write_bytes(content)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = read_file(path, report="calls", tz="Asia/Tokyo")
        explicit = parse_file(path, report="calls", format=fmt, tz="Asia/Tokyo").frame
    expected = empty_frame("calls", tz="Asia/Tokyo")
    pd.testing.assert_frame_equal(df, expected)
    pd.testing.assert_frame_equal(explicit, expected)
    assert str(df["end_at"].dtype) == "datetime64[us, Asia/Tokyo]" and df["is_transfer"].dtype == "boolean"


# -- 5. encoding -------------------------------------------------------------------------------

LATIN1 = b"Jos\xe9"


@pytest.mark.parametrize(("fmt", "line"), [("json", 4), ("json_bulk", 3), ("csv", 4)])
def test_invalid_utf8_is_a_parse_error_naming_file_and_line(tmp_path: Path, fmt: str, line: int) -> None:
    records = [{"queue_name": f"q{i}", "note": "PLACEHOLDER" if i == 2 else "ok"} for i in range(4)]
    path = write(tmp_path / "bad", fmt, records)
    if fmt == "json":  # one entry per line, as the emulator writes them
        path.write_text('{"entries": [\n' + ",\n".join(json.dumps(r) for r in records) + "\n], \"total\": 4}")
    path.write_bytes(path.read_bytes().replace(b"PLACEHOLDER", LATIN1))
    with pytest.raises(ParseError, match=rf"{re.escape(path.name)}.*line {line}: invalid UTF-8") as info:
        read_file(path, report="wfm_timeseries")
    assert info.value.line == line and "encoding_errors='replace'" in str(info.value)
    replaced = read_file(path, report="wfm_timeseries", encoding_errors="replace")
    assert replaced["note"][2] == "Jos\ufffd"
    ignored = read_file(path, report="wfm_timeseries", encoding_errors="ignore")
    assert ignored["note"][2] == "Jos"
    repr(replaced)
    replaced.to_csv(io.StringIO())
    replaced.to_parquet(tmp_path / "ok.parquet")
    back = pd.read_parquet(tmp_path / "ok.parquet")
    assert back["note"].tolist() == replaced["note"].tolist()


# -- 6. wrong format ---------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "asked", "looks"), [
    ("json", "csv", "json"), ("json", "json_bulk", "json"), ("json_bulk", "json", "json_bulk"),
    ("csv", "json", "csv"), ("csv", "json_bulk", "csv"), ("json_bulk", "csv", "json_bulk"),
])
def test_content_of_another_format_is_named(tmp_path: Path, written: str, asked: str, looks: str) -> None:
    records = [{"queue_name": "a", "actual_contacts": 1}, {"queue_name": "b", "actual_contacts": 2}]
    path = write(tmp_path / "r", written, records)
    with pytest.raises(ParseError, match=rf"not a {asked} file: it looks like a {looks} report"):
        parse_file(path, report="wfm_timeseries", format=asked)


# -- 7. messages -------------------------------------------------------------------------------


def test_json_bulk_error_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    lines = [json.dumps({"queue_name": f"q{i}"}) for i in range(600)]
    lines[500] = '{"queue_name": "q500",'  # line 501
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ParseError, match=r"r\.jsonl.*line 501: not a JSON object") as info:
        read_file(path, report="wfm_timeseries")
    assert info.value.line == 501 and info.value.path == str(path)


def test_csv_error_names_its_row_and_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text('Queue Name,Actual Contacts\r\na,1\r\n"b\r\nc",2\r\nd,3,extra\r\ne,4\r\n')
    with pytest.raises(ParseError, match=r"r\.csv.*line 5: row 3 has 3 fields, the header 2"):
        read_file(path, report="wfm_timeseries")


def test_json_entry_that_is_not_an_object_is_named(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"entries": [{"queue_name": "a"}, 7], "total": 2}')
    with pytest.raises(ParseError, match=r"r\.json.*entry 2: a number, not a JSON object"):
        read_file(path, report="wfm_timeseries")


def test_a_lone_surrogate_escape_is_named_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"queue_name": "ok"}\n{"queue_name": "a\\ud800b"}\n')
    with pytest.raises(ParseError, match=r"line 2: a \\u escape of a lone surrogate"):
        read_file(path, report="wfm_timeseries")


# -- 8. mixed datetimes ------------------------------------------------------------------------

MIXED = ["2026-03-29 00:30:00", "2026-03-29T01:30:00+00:00", "2026-03-29T03:30:00+02:00",
         "2026-03-29T01:45:00.250Z", "2026-03-29 2:00:00", "", None]
INSTANTS = ["2026-03-29 00:30:00", "2026-03-29 01:30:00", "2026-03-29 01:30:00",
            "2026-03-29 01:45:00.250", "2026-03-29 02:00:00"]


def test_naive_and_offset_datetimes_mix_in_one_column(tmp_path: Path) -> None:
    records = [{"message_created_at": v, "contact_id": "c", "sent_at": v} for v in MIXED]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SchemaDriftWarning)  # sent_at is new; typing must not warn
        df = read_all(tmp_path, "messaging_traffic", records, tz="Europe/Lisbon")
    expected = [pd.Timestamp(t, tz="UTC").tz_convert("Europe/Lisbon") for t in INSTANTS]
    for key in ("message_created_at", "sent_at"):
        assert str(df[key].dtype) == "datetime64[us, Europe/Lisbon]", key
        assert df[key].tolist()[:5] == expected and df[key][5:].isna().all(), key


def test_only_a_value_that_is_no_datetime_warns(tmp_path: Path) -> None:
    records = [{"message_created_at": v} for v in ("2026-03-29 00:30:00", "2026-03-29T01:30:00Z", "soon")]
    with pytest.warns(SchemaDriftWarning, match="'message_created_at' is not datetime"):
        df = read_file(write(tmp_path / "m", "json", records), report="messaging_traffic")
    assert df["message_created_at"].tolist()[2] == "soon"


def test_naive_values_are_wall_times_of_the_reports_rendering_zone() -> None:
    # UTC for every documented report (section 8.2); a schema may say otherwise.
    import pyarrow as pa

    from explore_pandas.frames.parsing import typed_table
    from explore_pandas.frames.schemas import Column, ReportSchema

    schema = ReportSchema("x", None, (Column("at", "datetime"),), render_zone="Europe/Lisbon")
    for values in (["2026-07-01 10:00:00", "2026-07-01T10:00:00Z"], ["2026-07-01 10:00:00"]):
        typed, notes = typed_table(pa.table({"at": values}), schema, "UTC")
        want = [pd.Timestamp("2026-07-01 09:00", tz="UTC"), pd.Timestamp("2026-07-01 10:00", tz="UTC")]
        assert typed.column("at").to_pylist() == want[:len(values)] and notes == []


# -- 9. unknown report -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["nope", "cals", "user_stat"])
def test_an_unknown_report_fails_as_read_report_does(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / "r", "json", [{"a": 1}])
    with pytest.raises(ValidationError) as expected:
        report_type(name)
    for call in (lambda: read_file(path, report=name), lambda: parse_file(path, report=name, format="json")):
        with pytest.raises(ValidationError) as got:
            call()
        assert str(got.value) == str(expected.value)
    if name == "cals":
        assert "Did you mean 'calls'" in str(expected.value)


def test_a_display_name_is_a_report_name(tmp_path: Path) -> None:
    path = write(tmp_path / "r", "json", [{"status_label": "Away", "status_end_at": "2024-01-01 00:00:00"}])
    with pytest.warns(SchemaDriftWarning):
        df = read_file(path, report="User Status")
    assert df.attrs["explore"]["report"] == "user_status"
