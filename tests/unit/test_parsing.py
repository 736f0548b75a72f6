"""Report files to typed frames: small hand-written files from the examples in explore-api.md."""

from __future__ import annotations

import csv
import io
import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from explore_pandas.exceptions import ParseError, SchemaDriftWarning, ValidationError
from explore_pandas.frames.parsing import ParsedReport, infer_format, parse_file, read_file
from explore_pandas.frames.schemas import get_schema

FORMATS = ("csv", "json", "json_bulk")
SUFFIX = {"csv": ".csv", "json": ".json", "json_bulk": ".jsonl"}


def full(slug: str, **values: Any) -> dict[str, Any]:
    """A record with every required registry column (null unless given), in registry order."""
    record = {c.key: None for c in get_schema(slug).columns if not c.optional}
    record.update(values)
    return record


def label(slug: str, key: str) -> str:
    column = get_schema(slug).by_key.get(key)
    if column is not None and column.label:
        return column.label
    return key.replace("_", " ").title()  # "call_id" -> "Call Id", as the C-gui client reads


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def write(tmp_path: Path, slug: str, fmt: str, records: list[dict[str, Any]], **head: Any) -> Path:
    """Write ``records`` the way the API lays each format out (section 7)."""
    path = tmp_path / f"{slug}{SUFFIX[fmt]}"
    if fmt == "json":
        path.write_text(json.dumps({**head, "entries": records, "total": len(records)}))
    elif fmt == "json_bulk":
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    else:
        keys = list(records[0])
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([label(slug, k) for k in keys])
        writer.writerows([[csv_cell(r.get(k)) for k in keys] for r in records])
        path.write_text(out.getvalue(), encoding="utf-8")
    return path


def parse_all(tmp_path: Path, slug: str, records: list[dict[str, Any]], tz: str = "UTC"
              ) -> pd.DataFrame:
    """Parse the records in all three formats, assert the frames are equal, return one."""
    frames = {
        fmt: read_file(write(tmp_path, slug, fmt, records), report=slug, tz=tz)
        for fmt in FORMATS
    }
    pd.testing.assert_frame_equal(frames["csv"], frames["json"])
    pd.testing.assert_frame_equal(frames["csv"], frames["json_bulk"])
    return frames["json"]


def utc(text: str, tz: str = "UTC") -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC").tz_convert(tz)


CALLS_V1 = [
    full("calls", call_id="1737000000000000001", callsid="CA0a1b", type="inbound",
         start_at="2026-04-23T10:22:26Z", end_at="2026-04-23T10:29:02Z",
         talkdesk_phone_number="+351210000000", contact_phone_number="+14155550100",
         total_time=396, talk_time=300, is_in_business_hours=True, is_transfer=False,
         is_callback_from_queue=None, csat_survey_time="", agent_disconnected="Yes",
         ivr_options="1,2,1", data_status="Valid", notes='Said "thanks", closed\nvia IVR'),
    full("calls", call_id="0042", type="outbound", start_at="2026-04-23T11:00:00Z",
         end_at="2026-04-23T11:00:30Z", talkdesk_phone_number="+351210000000",
         total_time=30, talk_time=0, is_in_business_hours=False, is_transfer=True,
         is_callback_from_queue=True, csat_survey_time="2026-04-23T11:05:00Z",
         agent_disconnected="No", ivr_options="", data_status="Valid", csat_score=5),
]


def test_calls_v1_in_three_formats(tmp_path: Path) -> None:
    df = parse_all(tmp_path, "calls", CALLS_V1, tz="Europe/Lisbon")
    assert list(df.columns) == list(CALLS_V1[0])
    assert str(df["start_at"].dtype) == "datetime64[us, Europe/Lisbon]"
    assert df["start_at"][0] == utc("2026-04-23 10:22:26", "Europe/Lisbon")
    assert df["start_at"][0].hour == 11  # Lisbon is UTC+1 in April
    assert pd.isna(df["csat_survey_time"][0])
    assert df["csat_survey_time"][1] == utc("2026-04-23 11:05:00")
    # IDs and phone numbers stay strings, leading zeros and "+" included.
    assert df["call_id"].tolist() == ["1737000000000000001", "0042"]
    assert df["talkdesk_phone_number"][0] == "+351210000000"
    assert df["ivr_options"][0] == "1,2,1" and pd.isna(df["ivr_options"][1])
    assert df["total_time"].dtype == "Int64" and df["total_time"].tolist() == [396, 30]
    assert df["is_in_business_hours"].dtype == "boolean"
    assert df["is_callback_from_queue"].tolist() == [pd.NA, True]
    assert df["agent_disconnected"].tolist() == [True, False]
    assert df["type"].dtype == "category"
    assert list(df["type"].cat.categories) == ["inbound", "outbound"]
    assert df["notes"][0] == 'Said "thanks", closed\nvia IVR'
    assert df["call_id"].dtype == df["notes"].dtype == pd.Series(["text"]).dtype  # str (pandas 3), object before


def test_json_total_and_envelope(tmp_path: Path) -> None:
    path = write(tmp_path, "calls", "json", CALLS_V1, type="calls", version="v1")
    parsed = parse_file(path, report="calls", format="json")
    assert isinstance(parsed, ParsedReport)
    assert (parsed.total, parsed.rows, parsed.format) == (2, 2, "json")
    assert parsed.envelope == {"type": "calls", "version": "v1"}
    csv_parsed = parse_file(write(tmp_path, "calls", "csv", CALLS_V1), report="calls",
                            format="csv")
    assert csv_parsed.total is None and csv_parsed.rows == 2


EXPLORE_CALLS = [
    full("explore_calls", interaction_id="3b5e0a", call_type="inbound",
         start_time="2022-06-30 16:42:24", end_time="2022-06-30 16:48:01",
         customer_phone_number="+351912345678", talk_time=0.000069444446,
         waiting_time=0.0, holding_time=None, **{"in_business_hours?": "TRUE",
         "callback_from_queue?": "FALSE", "transfer?": "No"}, agent_disconnected="Yes",
         rating=4, csat_survey_time="None"),
    full("explore_calls", interaction_id="00017", call_type="outbound",
         start_time="2022-06-30 17:00:00", end_time="2022-06-30 17:01:00",
         talk_time=0.5, **{"in_business_hours?": "FALSE", "callback_from_queue?": "TRUE",
         "transfer?": "Yes"}, agent_disconnected="No", csat_survey_time=""),
]


def test_explore_calls_pre_2026_payload(tmp_path: Path) -> None:
    df = parse_all(tmp_path, "explore_calls", EXPLORE_CALLS)
    assert df["start_time"][0] == utc("2022-06-30 16:42:24")
    assert str(df["talk_time"].dtype) == "timedelta64[us]"
    assert df["talk_time"].tolist()[:2] == [pd.Timedelta(seconds=6), pd.Timedelta(hours=12)]
    assert pd.isna(df["holding_time"][0])
    assert df["in_business_hours?"].tolist() == [True, False]
    assert df["callback_from_queue?"].tolist() == [False, True]
    assert df["transfer?"].tolist() == [False, True]
    assert df["csat_survey_time"].isna().all()
    assert df["interaction_id"][1] == "00017"


CONTACTS_CSV = (
    "Interaction ID,Contact ID,Company Number,Contact Person Number,Direction,Contact Type,"
    "Started At,Wait Time,Answered At,Finished At,Inside Business Hours (Yes / No),"
    "Transfer Out Type,User Name,Last Contact (Yes / No),Data Status (Valid / Damaged)\r\n"
    '0a1b,7f3c,+351210000000,00351912345678,IN,Answered,2022-01-19 09:59:42,12,'
    '2022-01-19 10:00:00,2022-01-19 10:05:00,Yes,None,"Hérmes ""Nunes""",Yes,Valid\r\n'
    "0a1c,7f3d,+351210000000,,OUT,Missed,2022-01-19 11:00:00,,None,"
    '2022-01-19 11:00:40,No,Blind,"Smith, John",No,Damaged\r\n'
)


def test_contacts_csv_display_labels(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(CONTACTS_CSV, encoding="utf-8")
    with pytest.warns(SchemaDriftWarning) as record:
        df = read_file(path, report="contacts", tz="Europe/Lisbon")
    assert len(record) == 1
    assert "missing" in str(record[0].message) and "new" not in str(record[0].message)
    assert list(df.columns[:4]) == [
        "interaction_id", "contact_id", "company_number", "contact_person_number"]
    assert "inside_business_hours" in df and "last_contact_yes_no" in df
    assert df["contact_person_number"].tolist()[0] == "00351912345678"
    assert df["inside_business_hours"].tolist() == [True, False]
    assert df["last_contact_yes_no"].tolist() == [True, False]
    assert df["wait_time"].tolist() == [12, pd.NA]
    assert pd.isna(df["answered_at"][1])  # "None" is a missing datetime
    assert df["finished_at"][0] == utc("2022-01-19 10:05:00")
    assert df["user_name"].tolist() == ['Hérmes "Nunes"', "Smith, John"]
    assert df["transfer_out_type"].isna().tolist() == [True, False]  # "None" is missing in text too (§8.4)
    assert df["data_status_valid_damaged"].dtype == "category"


AUDIT = [
    full("audit_logs", actor_id="f04f", timestamp="2023-02-10 17:07:22.809",
         ip_addresses=["85.240.88.175"], operation="read_ring_groups",
         operation_status="success", generator_name="ring-groups-api"),
    full("audit_logs", actor_id="f050", timestamp="2023-02-10 17:07:23.000",
         ip_addresses=["10.0.0.1", "10.0.0.2"], operation="update_user",
         operation_status="failure", generator_name="users-api"),
    full("audit_logs", actor_id="f051", timestamp="2023-02-10 17:07:24.5",
         ip_addresses=[], operation="update_user", operation_status="success",
         generator_name="users-api"),
]


def test_audit_logs_milliseconds_and_ip_array(tmp_path: Path) -> None:
    df = parse_all(tmp_path, "audit_logs", AUDIT)
    assert df["timestamp"][0] == utc("2023-02-10 17:07:22.809")
    assert df["timestamp"][2] == utc("2023-02-10 17:07:24.500")
    assert list(df["ip_addresses"][0]) == ["85.240.88.175"]
    assert list(df["ip_addresses"][1]) == ["10.0.0.1", "10.0.0.2"]
    assert len(df["ip_addresses"][2]) == 0


STUDIO_KEY = "studio_flow_executions_aggregated.flow_execution_finished_time"


def test_studio_dotted_key_and_day_fraction(tmp_path: Path) -> None:
    records = [full("studio_flow_execution", call_sid="CA1", flow_id="0123456789",
                    time_in_step=1.6087963e-6, timestamp="2023-05-01 08:00:00",
                    step_execution_order=1, exit="ok", **{STUDIO_KEY: "2023-05-01 08:00:03"})]
    df = parse_all(tmp_path, "studio_flow_execution", records)
    assert STUDIO_KEY in df
    assert df[STUDIO_KEY][0] == utc("2023-05-01 08:00:03")
    assert df["time_in_step"][0] == pd.Timedelta(milliseconds=139)
    assert df["flow_id"][0] == "0123456789"


def test_messaging_contacts_dhms_and_no(tmp_path: Path) -> None:
    records = [
        full("messaging_contacts", contact_handle_time="0d 0h 0m 42s",
             first_response_time="0d 0h 0m 30s", interaction_handle_time="1d 2h 3m 4s",
             is_virtual_agent="NO", transfer_out="No", contact_duration=0.5,
             **{"wrap-up_duration": 0.000694444}),
        full("messaging_contacts", contact_handle_time="", first_response_time=None,
             interaction_handle_time="0d 0h 1m 0s", is_virtual_agent="YES", transfer_out="Yes"),
    ]
    df = parse_all(tmp_path, "messaging_contacts", records)
    assert df["contact_handle_time"].tolist()[0] == pd.Timedelta(seconds=42)
    assert pd.isna(df["contact_handle_time"][1]) and pd.isna(df["first_response_time"][1])
    assert df["interaction_handle_time"][0] == pd.Timedelta(days=1, hours=2, minutes=3, seconds=4)
    assert df["is_virtual_agent"].tolist() == [False, True]
    assert df["wrap-up_duration"][0] == pd.Timedelta(seconds=60)
    assert str(df["contact_duration"].dtype) == "timedelta64[us]"


def test_wfm_team_schedule_unpadded_hours_and_minutes(tmp_path: Path) -> None:
    records = [full("wfm_team_schedule_report", agent_id="0099",
                    event_start_time="2025-03-28 0:00:00", event_end_time="2025-03-28 10:30:00",
                    event_duration_min=630, event_paid_time_min=600,
                    created_at="2025-03-01 9:05:07",
                    updated_at="2025-03-27 23:59:59", event_type_usage="SHIFT")]
    df = parse_all(tmp_path, "wfm_team_schedule_report", records, tz="America/New_York")
    assert df["event_start_time"][0] == utc("2025-03-28 00:00:00", "America/New_York")
    assert df["created_at"][0] == utc("2025-03-01 09:05:07")
    assert df["event_duration_min"][0] == pd.Timedelta(minutes=630)
    assert df["agent_id"][0] == "0099"


def test_daylight_saving_instants_survive_conversion(tmp_path: Path) -> None:
    # Lisbon springs forward at 01:00 UTC on 2026-03-29: 00:30Z is 00:30 WET, 01:30Z 02:30 WEST.
    records = [full("messaging_traffic", message_created_at=t, contact_id="c")
               for t in ("2026-03-29 00:30:00", "2026-03-29 01:30:00")]
    df = parse_all(tmp_path, "messaging_traffic", records, tz="Europe/Lisbon")
    times = df["message_created_at"]
    assert [t.hour for t in times] == [0, 2]
    assert (times[1] - times[0]) == pd.Timedelta(hours=1)


def test_datetimes_are_aware_even_without_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text('{"entries": [], "total": 0}')
    parsed = parse_file(path, report="calls", format="json", tz="Asia/Tokyo")
    assert parsed.rows == 0 and parsed.total == 0
    assert str(parsed.frame["end_at"].dtype) == "datetime64[us, Asia/Tokyo]"
    assert parsed.frame["is_transfer"].dtype == "boolean"
    header_only = write(tmp_path, "calls", "csv", [full("calls")])
    text = header_only.read_text().splitlines()[0] + "\r\n"
    header_only.write_text(text)
    empty_csv = read_file(header_only, report="calls", tz="Asia/Tokyo")
    pd.testing.assert_frame_equal(empty_csv, parsed.frame)


def test_unknown_columns_are_kept_inferred_and_reported_once(tmp_path: Path) -> None:
    records = [
        full("ring_attempts", interaction_id="i1", ring_finished_at_time="2024-01-01 00:00:05",
             new_when="2024-01-01 00:00:00", new_count=3, new_code="007", new_flag="true",
             new_ratio=0.25, external_id=12345),
        full("ring_attempts", interaction_id="i2", ring_finished_at_time="2024-01-01 00:01:05",
             new_when="", new_count=None, new_code="123", new_flag="false", new_ratio=1.5,
             external_id=67890),
    ]
    del records[0]["team_name"], records[1]["team_name"]
    for fmt in ("json", "csv", "json_bulk"):
        path = write(tmp_path, "ring_attempts", fmt, records)
        with pytest.warns(SchemaDriftWarning) as record:
            df = read_file(path, report="ring_attempts")
        assert len(record) == 1, [str(r.message) for r in record]
        message = str(record[0].message)
        assert "'team_name'" in message and "'new_when'" in message and "'new_count'" in message
        assert str(df["new_when"].dtype) == "datetime64[us, UTC]"
        assert pd.isna(df["new_when"][1])
        assert df["new_code"].tolist() == ["007", "123"]  # a leading zero keeps it text
        assert df["new_flag"].dtype == "boolean"
        assert df["new_ratio"].tolist() == [0.25, 1.5]
        if fmt == "csv":
            assert df["new_count"].dtype == "Int64"
            assert df["external_id"].tolist() == ["12345", "67890"]  # *_id never numeric


def test_no_warning_when_only_optional_columns_are_absent(tmp_path: Path) -> None:
    path = write(tmp_path, "calls", "json", CALLS_V1)  # no mood / is_mood_prompted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_file(path, report="calls")


def test_values_that_do_not_fit_their_kind_are_kept_as_text(tmp_path: Path) -> None:
    records = [full("user_status", user_id="u1", status_end_at="2024-01-01 00:00:00",
                    is_user_active="maybe", status_time=5)]
    with pytest.warns(SchemaDriftWarning, match="'is_user_active' is not bool"):
        df = read_file(write(tmp_path, "user_status", "json", records), report="user_status")
    assert df["is_user_active"][0] == "maybe"


def test_undocumented_report_is_fully_inferred_without_warnings(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"a_id": "01", "when": "2024-01-01T00:00:00Z", "n": 2}\n'
                    '{"a_id": "02", "when": "2024-01-02T00:00:00Z", "n": 3}\n')
    df = read_file(path, report="wfm_timeseries", tz="Europe/Lisbon")
    assert df["a_id"].tolist() == ["01", "02"]
    assert df["when"][1] == utc("2024-01-02", "Europe/Lisbon")
    assert df["n"].tolist() == [2, 3]


@pytest.mark.parametrize(
    "text",
    [
        # pretty-printed, total first
        lambda entries: json.dumps({"total": 2, "entries": entries}, indent=2),
        # BOM, CRLF, entries one per line
        lambda entries: "\ufeff{\"entries\": [\r\n" + ",\r\n".join(
            json.dumps(e) for e in entries) + "\r\n], \"total\": 2}\r\n",
        # a "}, {" inside a string value: the streaming split fails, the fallback is exact
        lambda entries: json.dumps({"entries": [dict(entries[0], notes='a}, {"b'), entries[1]],
                                    "total": 2}),
    ],
)
def test_json_envelope_layouts(tmp_path: Path, text: Any) -> None:
    path = tmp_path / "calls.json"
    path.write_text(text(CALLS_V1), encoding="utf-8")
    parsed = parse_file(path, report="calls", format="json")
    assert parsed.total == 2 and parsed.rows == 2
    assert parsed.frame["call_id"].tolist() == ["1737000000000000001", "0042"]
    assert parsed.frame["end_at"][1] == utc("2026-04-23 11:00:30")


def test_buffers_are_read_like_paths(tmp_path: Path) -> None:
    expected = read_file(write(tmp_path, "calls", "csv", CALLS_V1), report="calls")
    for fmt in FORMATS:
        raw = write(tmp_path, "calls", fmt, CALLS_V1).read_bytes()
        from_bytes = read_file(io.BytesIO(raw), report="calls")
        from_text = read_file(io.StringIO(raw.decode()), report="calls")
        pd.testing.assert_frame_equal(from_bytes, expected)
        pd.testing.assert_frame_equal(from_text, expected)


def test_infer_format(tmp_path: Path) -> None:
    assert infer_format("report.CSV") == "csv"
    assert infer_format(Path("a.ndjson")) == "json_bulk"
    assert infer_format(io.BytesIO(b'{"a": 1}\n{"a": 2}\n')) == "json_bulk"
    one_line = b' {"type": "calls", "entries": [{"a": 1}], "total": 1}'
    assert infer_format(io.BytesIO(one_line)) == "json"
    pretty = b'{\n  "entries": [\n    {"a": 1}\n  ],\n  "total": 1\n}'
    assert infer_format(io.BytesIO(pretty)) == "json"
    assert infer_format(io.BytesIO(b"Call Id,Type\r\n1,inbound\r\n")) == "csv"
    ndjson_as_json = tmp_path / "bulk.json"  # NDJSON is often saved as .json
    ndjson_as_json.write_bytes(b'{"a": 1}\n{"a": 2}\n')
    assert infer_format(ndjson_as_json) == "json_bulk"
    no_suffix = tmp_path / "download"
    no_suffix.write_bytes(b'{"a": 1}\n{"a": 2}\n')
    assert infer_format(no_suffix) == "json_bulk"


@pytest.mark.parametrize("content", [b"", b"   \n", b"[1, 2]", b"\x00\x01PK", b'{"a": [1,'])
def test_infer_format_refuses_what_it_cannot_name(content: bytes) -> None:
    with pytest.raises(ParseError):
        infer_format(io.BytesIO(content))


def test_parse_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"entries": [{"a": 1}, ')
    with pytest.raises(ParseError, match="bad.json as a json file .*line 1: the JSON ends before it is complete.*truncated"):
        read_file(bad, report="calls")
    with pytest.raises(ValidationError, match="format: 'xml' is not a report format"):
        parse_file(bad, report="calls", format="xml")
    with pytest.raises(ValidationError, match="timezone: 'Mars/Olympus' is not an IANA time zone"):
        parse_file(bad, report="calls", format="json", tz="Mars/Olympus")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(ParseError):
        read_file(broken, report="calls")


def _ring_attempts(n: int) -> list[dict[str, Any]]:
    return [
        full("ring_attempts", interaction_id=f"{i:05d}", attempt_type="Ignored",
             ring_finished_at_time=f"2024-01-01 00:{i // 60 % 60:02d}:{i % 60:02d}",
             ring_attempt_duration=i,
             # Null throughout the first blocks, text later: Arrow's streaming reader
             # refuses that, and the parser must fall back without losing the values.
             team_name=None if i < 150 else f"Team {i}")
        for i in range(200)
    ]


@pytest.mark.parametrize("separator", [",", ", ", ",\n  "])
def test_json_streams_in_small_blocks_without_the_json_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, separator: str
) -> None:
    from explore_pandas.frames import envelope, readers

    monkeypatch.setattr(readers, "_CHUNK", 1024)  # many blocks; separators straddle them
    monkeypatch.setattr(envelope, "_CHUNK", 1024)

    def refuse(records: Any) -> Any:
        raise AssertionError("the streaming path should have read this file")

    monkeypatch.setattr(envelope, "records_table", refuse)
    records = _ring_attempts(200)
    path = tmp_path / "ring_attempts.json"
    entries = separator.join(json.dumps(r) for r in records)
    path.write_text('{"type": "ring_attempts", "entries": [' + entries + '], "total": 200}')
    parsed = parse_file(path, report="ring_attempts", format="json")
    bulk = write(tmp_path, "ring_attempts", "json_bulk", records)
    pd.testing.assert_frame_equal(parsed.frame, read_file(bulk, report="ring_attempts"))
    assert parsed.rows == parsed.total == 200
    assert parsed.frame["interaction_id"].tolist() == [f"{i:05d}" for i in range(200)]
    assert parsed.frame["team_name"].notna().sum() == 50
    assert parsed.frame["ring_attempt_duration"].tolist() == list(range(200))
