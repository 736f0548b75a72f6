"""Tests of the emulator's seeded synthetic data and its report file writers."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from explore_pandas.emulator import data
from explore_pandas.emulator.catalog import ISO_Z, MILLIS, NAIVE, REPORTS, UNPADDED

UTC = timezone.utc
START = datetime(2026, 3, 2, 22, tzinfo=UTC)  # a Monday evening; windows cross midnight UTC
END = START + timedelta(hours=4)
SLUGS = sorted(REPORTS)
RATE = 150  # rows/day: small files keep the per-report tests fast
# The account's zone: START..END is its busy afternoon and evening (it is night in Lisbon,
# the emulator's default, and a 150-row day would leave the window nearly empty).
ZONE = "America/New_York"


def _generate(*args, **kw) -> pd.DataFrame:
    return data.generate(*args, **{"account_timezone": ZONE, **kw})


def _count_rows(*args, **kw) -> int:
    return data.count_rows(*args, **{"account_timezone": ZONE, **kw})


def _write_report(*args, **kw) -> int:
    return data.write_report(*args, **{"account_timezone": ZONE, **kw})


def _write(tmp_path: Path, slug: str, fmt: str, **kw) -> Path:
    path = tmp_path / f"{slug}.{fmt}"
    kw = {"seed": 7, "rate": RATE} | kw
    _write_report(path, slug, fmt, kw.pop("start", START), kw.pop("end", END), **kw)
    return path


def _wire_datetime(value: pd.Timestamp, fmt: str, empty: str | None) -> str | None:
    """Expected rendering, written independently of render.py (per value, via strftime)."""
    if pd.isna(value):
        return empty
    if fmt == MILLIS:
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if fmt == UNPADDED:
        return f"{value:%Y-%m-%d} {value.hour}:{value:%M:%S}"
    return value.strftime({NAIVE: "%Y-%m-%d %H:%M:%S", ISO_Z: "%Y-%m-%dT%H:%M:%SZ"}[fmt])


def _expected_entries(slug: str, frame: pd.DataFrame) -> list[dict]:
    spec = REPORTS[slug]
    rows = []
    for record in frame.to_dict(orient="records"):
        entry = {}
        for col in spec.columns:
            value = record[col.key]
            if col.kind == "datetime":
                value = _wire_datetime(value, spec.datetime_format, col.empty)
            elif not isinstance(value, list) and pd.isna(value):
                value = None
            entry[col.key] = value
        rows.append(entry)
    return rows


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def _same(parsed: object, expected: object) -> bool:
    if isinstance(expected, float) and isinstance(parsed, (int, float)):
        return parsed == expected
    return parsed == expected and type(parsed) is type(expected)


# --- determinism -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", data.FORMATS)
@pytest.mark.parametrize("slug", SLUGS)
def test_same_seed_gives_identical_bytes(tmp_path: Path, slug: str, fmt: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _write(tmp_path / "a", slug, fmt).read_bytes()
    assert _write(tmp_path / "b", slug, fmt).read_bytes() == first
    assert _write(tmp_path / "b", slug, fmt, seed=8).read_bytes() != first


_DIGEST = """
import hashlib, sys
from datetime import datetime, timezone
from explore_pandas.emulator import data
start = datetime(2026, 3, 2, 22, tzinfo=timezone.utc)
end = datetime(2026, 3, 3, 2, tzinfo=timezone.utc)
data.write_report(sys.argv[1], "contacts", "csv", start, end, seed=7, rate=150,
                  account_timezone="America/New_York")
print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())
"""


def test_files_do_not_depend_on_the_process_hash_seed(tmp_path: Path) -> None:
    # str hashes differ between processes; a seed derived from hash() would break this.
    env = {**os.environ, "PYTHONHASHSEED": "12345",
           "PYTHONPATH": str(Path(data.__file__).parents[2])}
    out = subprocess.run([sys.executable, "-c", _DIGEST, str(tmp_path / "x.csv")], env=env,
                         check=True, capture_output=True, text=True).stdout
    local = hashlib.sha256(_write(tmp_path, "contacts", "csv").read_bytes()).hexdigest()
    assert out.strip() == local


# --- counts and windows ------------------------------------------------------------------


def test_count_rows_is_additive_over_random_splits() -> None:
    rnd = random.Random(3)
    a = datetime(2026, 2, 26, 5, 17, 3, 250_000, tzinfo=UTC)
    c = a + timedelta(days=5)
    whole = _count_rows("calls", a, c, seed=11)
    for _ in range(25):
        b = a + timedelta(seconds=rnd.uniform(0, (c - a).total_seconds()))
        assert _count_rows("calls", a, b, seed=11) + _count_rows(
            "calls", b, c, seed=11) == whole
    for edge in (datetime(2026, 2, 28, tzinfo=UTC), datetime(2026, 3, 1, 12, tzinfo=UTC)):
        left = _count_rows("calls", a, edge, seed=11)
        assert left + _count_rows("calls", edge, c, seed=11) == whole


def test_count_rows_accepts_any_zone_and_compares_in_utc() -> None:
    lisbon, tokyo = ZoneInfo("Europe/Lisbon"), ZoneInfo("Asia/Tokyo")
    a = datetime(2026, 3, 28, 20, tzinfo=lisbon)  # spans Lisbon's DST change
    c = datetime(2026, 3, 30, 12, tzinfo=tokyo)
    b = datetime(2026, 3, 29, 1, 30, tzinfo=lisbon)
    utc = _count_rows("user_status", a.astimezone(UTC), c.astimezone(UTC), seed=2)
    assert _count_rows("user_status", a, c, seed=2) == utc
    assert _count_rows("user_status", a, b, seed=2) + _count_rows(
        "user_status", b, c, seed=2) == utc


def test_tiled_windows_give_exactly_the_rows_of_the_whole_range() -> None:
    a, c = datetime(2026, 3, 1, 21, tzinfo=UTC), datetime(2026, 3, 3, 2, tzinfo=UTC)
    cuts = [a, datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC),
            datetime(2026, 3, 2, 13, 7, tzinfo=UTC), c]
    whole = _generate("contacts", a, c, seed=5, rate=600)
    parts = [_generate("contacts", x, y, seed=5, rate=600) for x, y in zip(cuts, cuts[1:])]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)
    assert whole["interaction_id"].is_unique


def test_generate_respects_the_half_open_window() -> None:
    frame = _generate("ring_attempts", START, END, seed=1)
    field = frame["ring_finished_at_time"]
    assert field.min() >= START and field.max() < END
    assert field.is_monotonic_increasing
    assert len(frame) == _count_rows("ring_attempts", START, END, seed=1)


def test_limit_keeps_the_first_rows_in_time_order() -> None:
    full = _generate("calls", START - timedelta(days=2), END, seed=4, rate=RATE)
    capped = _generate("calls", START - timedelta(days=2), END, seed=4, rate=RATE, limit=70)
    pd.testing.assert_frame_equal(capped, full.head(70))


def test_daily_profile_is_busy_in_new_york_daytime() -> None:
    frame = _generate("calls", datetime(2026, 3, 9, tzinfo=UTC),
                          datetime(2026, 3, 16, tzinfo=UTC), seed=9)
    hours = frame["end_at"].dt.tz_convert("America/New_York").dt.hour
    assert (hours.between(8, 19)).mean() > 0.75
    assert 7 * 1500 * 0.8 < len(frame) < 7 * 1500 * 1.2


def test_derived_columns_are_consistent() -> None:
    calls = _generate("calls", START, END, seed=3)
    assert ((calls["end_at"] - calls["start_at"]).dt.total_seconds() == calls["total_time"]).all()
    assert (calls["talk_time"] <= calls["total_time"]).all()
    status = _generate("user_status", START, END, seed=3)
    assert (status["status_start_at"] <= status["status_end_at"]).all()


# --- files parse back to the ground truth ------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_json_parses_back_to_generate(tmp_path: Path, slug: str) -> None:
    expected = _expected_entries(slug, _generate(slug, START, END, seed=7, rate=RATE))
    body = json.loads(_write(tmp_path, slug, "json").read_text(encoding="utf-8"))
    assert list(body) == [*REPORTS[slug].json_header, "entries", "total"]
    assert {k: body[k] for k in REPORTS[slug].json_header} == REPORTS[slug].json_header
    assert body["total"] == len(body["entries"]) == len(expected) > 0
    for got, want in zip(body["entries"], expected):
        assert list(got) == list(want)
        assert all(_same(got[k], want[k]) for k in want), (got, want)


@pytest.mark.parametrize("slug", SLUGS)
def test_json_bulk_parses_back_to_generate(tmp_path: Path, slug: str) -> None:
    expected = _expected_entries(slug, _generate(slug, START, END, seed=7, rate=RATE))
    lines = _write(tmp_path, slug, "json_bulk").read_bytes().split(b"\n")
    assert lines[-1] == b""  # every entry, the last one too, ends with a newline
    entries = [json.loads(line) for line in lines[:-1]]
    assert len(entries) == len(expected)
    for got, want in zip(entries, expected):
        assert all(_same(got[k], want[k]) for k in want), (got, want)


@pytest.mark.parametrize("slug", SLUGS)
def test_csv_parses_back_to_generate(tmp_path: Path, slug: str) -> None:
    spec = REPORTS[slug]
    expected = _expected_entries(slug, _generate(slug, START, END, seed=7, rate=RATE))
    raw = _write(tmp_path, slug, "csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\n") >= raw.count(b"\r\n") >= len(expected) + 1
    with open(tmp_path / f"{slug}.csv", newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    assert header == spec.labels
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected):
        for cell, col in zip(row, spec.columns):
            value = want[col.key]
            if isinstance(value, float):
                assert float(cell) == value
            else:
                assert cell == _csv_cell(value), (col.key, cell, value)


def test_csv_reads_with_pandas_as_strings_and_keeps_ids(tmp_path: Path) -> None:
    frame = pd.read_csv(_write(tmp_path, "calls", "csv"), dtype=str, keep_default_na=False)
    truth = _generate("calls", START, END, seed=7, rate=RATE)
    assert frame["Call Id"].tolist() == truth["call_id"].tolist()
    assert frame["Team Id"].str.startswith("00").all() or (frame["Team Id"] == "").any()


def test_empty_window_writes_header_only_and_zero_total(tmp_path: Path) -> None:
    kw = {"start": START, "end": START}
    assert _write(tmp_path, "calls", "csv", **kw).read_bytes().count(b"\r\n") == 1
    assert json.loads(_write(tmp_path, "calls", "json", **kw).read_text())["entries"] == []
    assert _write(tmp_path, "calls", "json_bulk", **kw).read_bytes() == b""
    assert len(_generate("calls", START, START, seed=1)) == 0


# --- quirks ------------------------------------------------------------------------------


def test_csv_labels_differ_from_json_keys() -> None:
    assert REPORTS["calls"].labels[0] == "Call Id"
    assert "Recording Url" in REPORTS["calls"].labels
    contacts = REPORTS["contacts"].labels
    assert contacts[:3] == ["Interaction ID", "Contact ID", "Company Number"]
    assert "Inside Business Hours (Yes / No)" in contacts
    assert contacts[-3:] == ["Disconnected By Agent", "Last Contact (Yes / No)",
                             "Data Status (Valid / Damaged)"]


def test_datetime_formats_per_report(tmp_path: Path) -> None:
    calls = json.loads(_write(tmp_path, "calls", "json").read_text())["entries"][0]
    assert calls["end_at"].endswith("Z") and "T" in calls["end_at"]
    assert {e["csat_survey_time"] for e in json.loads(
        _write(tmp_path, "calls", "json").read_text())["entries"]} >= {""}
    user = json.loads(_write(tmp_path, "user_status", "json").read_text())
    assert user["type"] == "user_status" and user["version"] == "v1"
    status_end = user["entries"][0]["status_end_at"]
    assert len(status_end) == 19 and "T" not in status_end
    audit = json.loads(_write(tmp_path, "audit_logs", "json").read_text())["entries"][0]
    assert len(audit["timestamp"]) == 23 and isinstance(audit["ip_addresses"], list)
    team = _write(tmp_path, "wfm_team_schedule_report", "csv").read_text(encoding="utf-8")
    assert " 0:" in team or " 1:" in team  # START is 22:00 UTC; the window crosses midnight


def test_value_encodings(tmp_path: Path) -> None:
    explore = _generate("explore_calls", START, END, seed=7)
    assert explore["talk_time"].dtype == float and explore["talk_time"].max() < 1
    assert set(explore["in_business_hours?"]) == {"TRUE", "FALSE"}
    contacts = _generate("contacts", START, END, seed=7)
    assert set(contacts["inside_business_hours"]) == {"Yes", "No"}
    messaging = _generate("messaging_contacts", START, END, seed=7)
    assert messaging["contact_handle_time"].str.fullmatch(r"\d+d \d+h \d+m \d+s").all()
    assert set(messaging["is_virtual_agent"]) <= {"NO", "YES"}
    assert "wrap-up_duration" in messaging
    bulk = _write(tmp_path, "studio_flow_execution", "json_bulk").read_text(encoding="utf-8")
    studio = json.loads(bulk.split("\n")[0])
    assert isinstance(studio["studio_flow_executions_aggregated.flow_execution_finished_time"], str)
    assert isinstance(studio["time_in_step"], float)
    ring = _generate("user_status", START, END, seed=7)["ring_groups"]
    assert all(isinstance(json.loads(text), list) for text in ring)
    calls = _generate("calls", START, END, seed=7)
    assert calls["call_id"].str.fullmatch(r"\d{19}").all()
    assert calls["contact_phone_number"].str.fullmatch(r"\+1[2-9]\d{9}").all()
    assert calls["is_in_business_hours"].dtype == bool
    assert str(calls["end_at"].dtype) == "datetime64[ns, UTC]"
    assert calls["csat_survey_time"].isna().any() and calls["user_voice_rating"].dtype == "Int64"
    assert set(calls["agent_disconnected"]) == {"Yes", "No"}


def test_total_override_is_written_in_json(tmp_path: Path) -> None:
    body = json.loads(_write(tmp_path, "calls", "json", limit=5, total=1234).read_text())
    assert len(body["entries"]) == 5 and body["total"] == 1234


def test_render_tz_renders_wall_time_of_the_zone(tmp_path: Path) -> None:
    utc_rows = json.loads(_write(tmp_path, "calls", "json").read_text())["entries"]
    ny_rows = json.loads(_write(tmp_path, "calls", "json",
                                render_tz="America/New_York").read_text())["entries"]
    utc, ny = utc_rows[0]["end_at"], ny_rows[0]["end_at"]
    expected = datetime.strptime(utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    expected = expected.astimezone(ZoneInfo("America/New_York"))
    assert ny == expected.strftime("%Y-%m-%dT%H:%M:%S")


def test_bad_arguments_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        _count_rows("nope", START, END, seed=1)
    with pytest.raises(ValueError):
        _count_rows("calls", START.replace(tzinfo=None), END, seed=1)
    with pytest.raises(ValueError):
        _write(tmp_path, "calls", "xml")
    with pytest.raises(ValueError):
        _count_rows("calls", START, END, seed=-1)


# --- scale -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fmt", data.FORMATS)
def test_a_million_rows_exceed_the_row_cap(tmp_path: Path, fmt: str) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=31)
    available = _count_rows("calls", start, end, seed=1, rate=35_000)
    assert available > 1_000_000
    path = tmp_path / f"calls.{fmt}"
    written = _write_report(path, "calls", fmt, start, end, seed=1, rate=35_000,
                                limit=1_000_000, total=available)
    assert written == 1_000_000
    with open(path, "rb") as fh:  # text cells may hold a bare "\n"; records end in CRLF
        lines = sum(line.endswith(b"\r\n" if fmt == "csv" else b"\n") for line in fh)
    assert lines == {"csv": 1_000_001, "json": 1, "json_bulk": 1_000_000}[fmt]
    if fmt == "json":
        with open(path, "rb") as fh:
            fh.seek(-40, os.SEEK_END)
            assert fh.read().endswith(f'"total": {available}}}\n'.encode())
