"""The account quota (15 simultaneous jobs), data latency (5 minutes) and the row cap."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
import requests
from emulator_support import assert_api_error, iso, window

SLOW = {"polls": 100}


def _fill(api, n: int) -> list[str]:
    return [api.create_id() for _ in range(n)]


# -- quota -----------------------------------------------------------------------------------

def test_sixteenth_simultaneous_job_is_429(api, emu):
    emu.configure(progression=SLOW)
    _fill(api, 15)
    body = assert_api_error(api.create(), 429, code="too_many_requests")
    assert "15" in body["description"]
    assert body["fields"] == []
    response = api.create()
    assert "Retry-After" not in response.headers  # none by default, as documented
    stats = emu.stats()
    assert stats["jobs_created"] == 15
    assert stats["running"] == 15
    assert stats["max_running"] == 15


def test_quota_counts_created_processing_and_uploading(api, emu):
    emu.configure(progression={"polls": 5})
    ids = _fill(api, 15)
    for job_id in ids[:5]:
        api.status(job_id)  # processing
    for job_id in ids[5:10]:
        for _ in range(3):
            api.status(job_id)  # uploading
    statuses = emu.stats()["statuses"]
    assert statuses == {"created": 5, "processing": 5, "uploading": 5}
    assert_api_error(api.create(), 429)


def test_a_job_finishing_frees_a_slot(api, emu):
    emu.configure(progression={"polls": 2})
    quick = api.create_id()
    emu.configure(progression=SLOW)
    _fill(api, 14)
    assert_api_error(api.create(), 429)
    assert api.status(quick).status_code == 200
    assert api.status(quick).status_code == 303  # done: its slot is free
    assert api.create().status_code == 202
    assert_api_error(api.create(), 429)
    assert emu.stats()["max_running"] == 15


def test_a_job_finishing_by_the_clock_frees_a_slot(api, emu):
    emu.configure(progression={"seconds": 60})
    _fill(api, 15)
    assert_api_error(api.create(), 429)
    emu.clock.advance(61)
    assert api.create().status_code == 202


def test_canceled_and_failed_jobs_free_slots(api, emu):
    emu.configure(progression=SLOW)
    ids = _fill(api, 15)
    assert api.http.delete(api.job_url(ids[0]), headers=api.bearer()).status_code == 204
    assert api.create().status_code == 202
    assert_api_error(api.create(), 429)
    emu.configure(fail_at="created")
    emu.reset()
    emu.configure(progression=SLOW, fail_at="created")
    api.forget_token()
    failing = _fill(api, 15)
    api.status(failing[0])  # fails at this read
    assert api.create().status_code == 202


def test_quota_is_per_account_not_per_report_type(api, emu):
    emu.configure(progression=SLOW)
    for slug in ("calls", "contacts", "user_status"):
        for _ in range(5):
            assert api.create(slug=slug).status_code == 202
    assert_api_error(api.create(slug="ring_attempts"), 429)


def test_quota_retry_after_knob(api, emu):
    emu.configure(progression=SLOW, quota_retry_after=30)
    _fill(api, 15)
    response = api.create()
    assert_api_error(response, 429)
    assert response.headers["Retry-After"] == "30"


def test_quota_setting(api, emu):
    emu.configure(progression=SLOW, quota=2)
    _fill(api, 2)
    assert_api_error(api.create(), 429)


def test_validation_comes_before_the_quota(api, emu):
    emu.configure(progression=SLOW)
    _fill(api, 15)
    assert_api_error(api.create({"timespan": {}}), 400)


def test_parallel_creates_never_exceed_the_quota(api, emu, token):
    emu.configure(progression=SLOW)
    bearer = {"Authorization": f"Bearer {token()}"}
    body = {"timespan": window(emu)}
    sessions = [requests.Session() for _ in range(24)]
    codes: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(len(sessions))

    def create(session: requests.Session) -> None:
        start.wait()
        response = session.post(api.jobs_url(), json=body, headers=bearer, timeout=30)
        with lock:
            codes.append(response.status_code)

    try:
        # open every connection first (keep-alive), so that the burst below is 24
        # simultaneous requests and not 24 simultaneous connects
        for session in sessions:
            assert session.get(f"{emu.base_url}/_emulator/stats", timeout=30).status_code == 200
        threads = [threading.Thread(target=create, args=(session,)) for session in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for session in sessions:
            session.close()
    assert sorted(codes) == [202] * 15 + [429] * 9
    stats = emu.stats()
    assert stats["max_running"] == 15
    assert stats["jobs_created"] == 15


def test_max_running_never_above_15_through_a_busy_session(api, emu):
    emu.configure(progression={"polls": 3})
    accepted = refused = 0
    live: list[str] = []
    for _ in range(40):
        response = api.create()
        if response.status_code == 202:
            accepted += 1
            live.append(response.json()["job"]["id"])
        else:
            assert_api_error(response, 429)
            refused += 1
            for job_id in live[:3]:
                while api.status(job_id).status_code == 200:
                    pass
            live = live[3:]
        assert emu.stats()["running"] <= 15
    assert accepted > 15 and refused > 0
    assert emu.stats()["max_running"] == 15


# -- data latency (5 minutes) ----------------------------------------------------------------

def test_rows_newer_than_five_minutes_are_not_in_the_file(api, emu):
    emu.clock.set(datetime(2026, 3, 4, 16, 0, tzinfo=timezone.utc))  # a busy weekday hour
    emu.configure(rates={"calls": 20_000})  # so that the last 5 minutes surely hold calls
    before = emu.clock.now()
    now = before.replace(microsecond=0)
    start = now - timedelta(hours=2)
    job_id = api.create_id({"format": "json", "timespan": {"from": iso(start), "to": iso(now)}})
    after = emu.clock.now()
    truth = api.truth(job_id)
    data_to = datetime.fromisoformat(truth["data_to_utc"])
    latency = timedelta(minutes=5)
    assert before - latency <= data_to <= after - latency  # creation time minus 5 minutes
    assert truth["rows"] == truth["matching_rows"] == emu.count_rows("calls", start, data_to)
    assert emu.count_rows("calls", start, now) > truth["rows"]  # the last 5 minutes had calls
    entries = api.download(job_id).json()["entries"]
    assert len(entries) == truth["rows"]
    field = "end_at"  # the calls report's timespan field
    stamps = [datetime.fromisoformat(e[field].replace("Z", "+00:00")) for e in entries]
    assert max(stamps) < data_to
    assert min(stamps) >= start


def test_latency_does_not_cut_an_older_window(api, emu):
    span = window(emu, hours=1, ago=1)
    job_id = api.create_id({"timespan": span})
    truth = api.truth(job_id)
    assert truth["data_to_utc"] == truth["to_utc"]
    start = datetime.fromisoformat(truth["from_utc"])
    end = datetime.fromisoformat(truth["to_utc"])
    assert truth["rows"] == emu.count_rows("calls", start, end)


def test_latency_setting(api, emu):
    emu.configure(latency_seconds=3600)
    now = emu.clock.now().replace(microsecond=0)
    job_id = api.create_id({"timespan": {"from": iso(now - timedelta(minutes=30)), "to": iso(now)}})
    truth = api.truth(job_id)
    assert truth["rows"] == 0  # the whole window is inside the hour of latency
    assert api.download(job_id).content.count(b"\n") == 1  # csv header only


def test_control_truth_matches_count_rows(api, emu):
    start = datetime(2026, 1, 5, 8, tzinfo=timezone.utc)
    end = start + timedelta(hours=6)
    response = api.http.get(f"{emu.base_url}/_emulator/truth",
                            params={"report": "calls", "from": iso(start), "to": iso(end)})
    assert response.json() == {"rows": emu.count_rows("calls", start, end)}


# -- the row cap ------------------------------------------------------------------------------

def _json_job(api, emu, span) -> tuple[str, dict]:
    job_id = api.create_id({"format": "json", "timespan": span})
    return job_id, api.download(job_id).json()


# Enough calls that three hours hold more than the small caps below at any time of day
# (the synthetic day is quiet at night in New York).
BUSY = {"calls": 20_000}


def test_row_cap_keeps_the_first_rows_in_time_order(api, emu):
    emu.configure(rates=BUSY)
    span = window(emu, hours=3, ago=1)
    _, full = _json_job(api, emu, span)
    assert len(full["entries"]) > 50
    emu.configure(row_limit=50, on_row_limit="truncate")  # the raw API's cut, even where no client sees it
    job_id, capped = _json_job(api, emu, span)
    assert api.status(job_id).status_code == 303  # done, not failed
    truth = api.truth(job_id)
    assert truth["rows"] == 50 and truth["matching_rows"] == len(full["entries"])
    assert capped["entries"] == full["entries"][:50]
    assert capped["total"] == 50
    stamps = [e["end_at"] for e in capped["entries"]]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize("fmt", ["csv", "json_bulk"])
def test_row_cap_in_other_formats(api, emu, fmt):
    emu.configure(row_limit=50, rates=BUSY, on_row_limit="truncate")
    job_id = api.create_id({"format": fmt, "timespan": window(emu, hours=3)})
    text = api.download(job_id).content.decode()
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert len(rows) == 1 + 50
    else:
        assert len([json.loads(line) for line in text.splitlines()]) == 50


def test_row_cap_total_matching_writes_the_pre_cap_count(api, emu):
    emu.configure(row_limit=50, total="matching", rates=BUSY)
    job_id, capped = _json_job(api, emu, window(emu, hours=3))
    truth = api.truth(job_id)
    assert len(capped["entries"]) == 50
    assert capped["total"] == truth["matching_rows"] > 50


def test_row_cap_fail_knob_fails_the_job(api, emu):
    emu.configure(row_limit=50, on_row_limit="fail", rates=BUSY)
    job_id = api.create_id({"timespan": window(emu, hours=3)})
    status = api.status(job_id)
    assert (status.status_code, status.json()["job"]["status"]) == (200, "failed")
    assert_api_error(api.files(job_id), 404)


def test_row_cap_fail_knob_spares_small_jobs(api, emu):
    emu.configure(row_limit=100_000, on_row_limit="fail")
    job_id = api.create_id({"timespan": window(emu, hours=1)})
    assert api.status(job_id).status_code == 303


def test_default_row_limit_is_one_million(emu):
    assert emu.options.row_limit == 1_000_000
    assert emu.options.on_row_limit == "auto"


@pytest.mark.parametrize(("fmt", "total"), [("csv", "matching"), ("json_bulk", "matching"), ("json", "rows")])
def test_a_small_row_limit_no_client_could_see_is_refused_at_create(api, emu, fmt, total):
    emu.configure(row_limit=50, rates=BUSY, total=total)
    body = assert_api_error(api.create({"format": fmt, "timespan": window(emu, hours=3)}), 400, field="format")
    assert f"row_limit=50 would cut this {fmt} file at 50 of" in body["description"]
    assert "format='json'" in body["description"] and "on_row_limit='truncate'" in body["description"]
    assert emu.stats()["jobs_created"] == 0


def test_a_small_row_limit_is_cut_where_json_total_shows_it_and_spares_small_jobs(api, emu):
    emu.configure(row_limit=50, rates=BUSY, total="matching")
    job_id, capped = _json_job(api, emu, window(emu, hours=3))
    assert len(capped["entries"]) == 50 < capped["total"]
    emu.configure(row_limit=100_000, total="rows")
    job_id = api.create_id({"format": "csv", "timespan": window(emu, hours=1)})  # not cut: nothing to see
    assert api.status(job_id).status_code == 303
