"""The signed storage download: auth refusal, expiry, tampering, and what the files hold."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from emulator_support import SEED, window

from explore_pandas.emulator import Emulator, catalog


def _s3_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/xml"
    assert f"<Code>{code}</Code>" in response.text
    assert response.text.startswith("<?xml")
    assert "platform-tid" not in response.headers
    assert response.headers["x-amz-request-id"]


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return parts._replace(query=urlencode(query)).geturl()


def test_download_without_authorization(api, emu):
    job_id = api.create_id({"format": "json", "timespan": window(emu)})
    response = api.http.get(api.storage_url(job_id))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert "platform-tid" not in response.headers
    assert response.headers["x-amz-request-id"]
    assert emu.stats()["storage_requests_with_authorization"] == 0


def test_download_twice_gives_the_same_bytes(api, emu):
    job_id = api.create_id({"format": "csv", "timespan": window(emu)})
    url = api.storage_url(job_id)
    first = api.http.get(url)
    second = api.http.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content


@pytest.mark.parametrize("authorization", ["Bearer {token}", "Basic ZXhwbG9yZTpzZWNyZXQ=", "AWS4-HMAC-SHA256 x"])
def test_any_authorization_header_is_400(api, emu, authorization):
    job_id = api.create_id()
    url = api.storage_url(job_id)
    header = authorization.format(token=api.bearer()["Authorization"][7:])
    response = api.http.get(url, headers={"Authorization": header})
    _s3_error(response, 400, "InvalidArgument")
    assert emu.stats()["storage_requests_with_authorization"] == 1
    assert api.http.get(url).status_code == 200  # the URL itself is fine


def test_authorization_counter_counts_each_request(api, emu):
    job_id = api.create_id()
    url = api.storage_url(job_id)
    for _ in range(3):
        api.http.get(url, headers=api.bearer())
    api.http.get(url)
    stats = emu.stats()
    assert stats["storage_requests_with_authorization"] == 3
    assert stats["requests"]["storage"] == 4


def test_expired_signature_is_403(api, emu):
    job_id = api.create_id()
    url = api.storage_url(job_id)
    emu.clock.advance(emu.options.storage_ttl + 1)
    _s3_error(api.http.get(url), 403, "AccessDenied")


def test_signature_valid_until_nearly_the_ttl(api, emu):
    job_id = api.create_id()
    url = api.storage_url(job_id)
    emu.clock.advance(emu.options.storage_ttl - 2)
    assert api.http.get(url).status_code == 200


def test_storage_ttl_setting(api, emu):
    emu.configure(storage_ttl=30)
    job_id = api.create_id()
    url = api.storage_url(job_id)
    assert "X-Amz-Expires=30" in url
    emu.clock.advance(31)
    _s3_error(api.http.get(url), 403, "AccessDenied")


def test_files_endpoint_gives_a_fresh_url_after_expiry(api, emu):
    job_id = api.create_id()
    old = api.storage_url(job_id)
    emu.clock.advance(emu.options.storage_ttl + 1)
    api.forget_token()
    _s3_error(api.http.get(old), 403, "AccessDenied")
    fresh = api.storage_url(job_id)
    assert fresh != old
    assert api.http.get(fresh).status_code == 200


@pytest.mark.parametrize("param, value", [
    ("X-Amz-Signature", "0" * 64),
    ("X-Amz-Expires", "999999"),
    ("X-Amz-Date", "20990101T000000Z"),
])
def test_tampered_signature_is_403(api, emu, param, value):
    job_id = api.create_id()
    url = _with_query(api.storage_url(job_id), **{param: value})
    _s3_error(api.http.get(url), 403, "SignatureDoesNotMatch")


def test_signature_of_another_object_is_403(api, emu):
    first = api.create_id()
    second = api.create_id()
    url = api.storage_url(first).replace(first, second)
    _s3_error(api.http.get(url), 403, "SignatureDoesNotMatch")


def test_unsigned_storage_request_is_403(api, emu):
    job_id = api.create_id()
    _s3_error(api.http.get(f"{emu.base_url}/_storage/{job_id}.csv"), 403, "SignatureDoesNotMatch")


def test_storage_of_a_deleted_file_is_404(api, emu):
    job_id = api.create_id()
    url = api.storage_url(job_id)
    assert api.http.delete(api.files_url(job_id), headers=api.bearer()).status_code == 204
    _s3_error(api.http.get(url), 404, "NoSuchKey")


# -- retention (30 days) ---------------------------------------------------------------------

def test_files_expire_after_30_days(api, emu):
    emu.configure(storage_ttl=40 * 86400)  # a URL that outlives the file
    job_id = api.create_id()
    url = api.storage_url(job_id)
    emu.clock.advance(30 * 86400 - 60)
    api.forget_token()
    assert api.status(job_id).status_code == 303
    assert api.http.get(url).status_code == 200
    emu.clock.advance(61)
    api.forget_token()
    status = api.status(job_id)
    assert (status.status_code, status.json()["job"]["status"]) == (200, "deleted")
    assert api.files(job_id).status_code == 404
    _s3_error(api.http.get(url), 404, "NoSuchKey")
    assert emu.stats()["statuses"] == {"deleted": 1}


def test_retention_counts_from_done_not_from_creation(api, emu):
    emu.configure(progression={"seconds": 86400})
    job_id = api.create_id()
    emu.clock.advance(30 * 86400 + 60)  # 30 days after creation, 29 after done
    api.forget_token()
    assert api.status(job_id).status_code == 303
    emu.clock.advance(86400)
    api.forget_token()
    assert api.status(job_id).json()["job"]["status"] == "deleted"


# -- file contents ---------------------------------------------------------------------------

def test_csv_header_has_display_labels(api, emu):
    job_id = api.create_id({"format": "csv", "timespan": window(emu)})
    response = api.download(job_id)
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == catalog.REPORTS["calls"].labels
    assert "Call Id" in rows[0]
    assert len(rows) - 1 == api.truth(job_id)["rows"]


def test_csv_uses_crlf_line_ends(api, emu):
    job_id = api.create_id({"format": "csv", "timespan": window(emu)})
    content = api.download(job_id).content
    assert content.split(b"\n", 1)[0].endswith(b"\r")


def test_json_has_entries_and_total(api, emu):
    job_id = api.create_id({"format": "json", "timespan": window(emu)})
    response = api.download(job_id)
    body = response.json()
    truth = api.truth(job_id)
    assert body["total"] == len(body["entries"]) == truth["rows"] > 0
    assert list(body["entries"][0]) == catalog.REPORTS["calls"].keys
    for key, value in catalog.REPORTS["calls"].json_header.items():
        assert body[key] == value


def test_json_bulk_is_one_object_per_line(api, emu):
    job_id = api.create_id({"format": "json_bulk", "timespan": window(emu)})
    response = api.download(job_id)
    assert response.headers["Content-Type"] == "application/x-ndjson"
    lines = response.content.decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert all(isinstance(record, dict) for record in records)
    assert len(records) == api.truth(job_id)["rows"] > 0
    assert list(records[0]) == catalog.REPORTS["calls"].keys


def test_formats_hold_the_same_rows(api, emu):
    span = window(emu)
    ids = {fmt: api.create_id({"format": fmt, "timespan": span}) for fmt in ("csv", "json", "json_bulk")}
    csv_rows = list(csv.DictReader(io.StringIO(api.download(ids["csv"]).content.decode(), newline="")))
    entries = api.download(ids["json"]).json()["entries"]
    bulk = [json.loads(line) for line in api.download(ids["json_bulk"]).content.decode().splitlines()]
    assert len(csv_rows) == len(entries) == len(bulk)
    assert entries == bulk
    assert [r["Call Id"] for r in csv_rows] == [e["call_id"] for e in entries]


@pytest.mark.parametrize("slug", sorted(catalog.REPORTS))
def test_every_report_type_downloads(api, emu, slug):
    job_id = api.create_id({"format": "json", "timespan": window(emu, hours=0.5)}, slug=slug)
    body = api.download(job_id, slug=slug).json()
    assert body["total"] == len(body["entries"]) == api.truth(job_id)["rows"]
    if body["entries"]:
        assert list(body["entries"][0]) == catalog.REPORTS[slug].keys


def test_content_length_on_every_format(api, emu):
    for fmt in ("csv", "json", "json_bulk"):
        job_id = api.create_id({"format": fmt, "timespan": window(emu)})
        response = api.download(job_id)
        assert int(response.headers["Content-Length"]) == len(response.content) > 0


def test_same_seed_same_bytes_across_emulators(http):
    now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    span = {"from": "2026-02-20T08:00:00Z", "to": "2026-02-20T10:00:00Z"}

    def fetch(seed: int) -> bytes:
        with Emulator(seed=seed, progression="immediate", now=now) as other:
            token = http.post(other.token_url, data={"grant_type": "client_credentials"},
                              auth=(other.client_id, other.client_secret)).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            created = http.post(f"{other.base_url}/data/reports/calls/jobs",
                                json={"format": "csv", "timespan": span}, headers=auth).json()
            files = http.get(created["_links"]["files"]["href"], headers=auth, allow_redirects=False)
            return http.get(files.headers["Location"]).content

    first, again, other_seed = fetch(SEED), fetch(SEED), fetch(SEED + 1)
    assert first == again
    assert first != other_seed
    assert len(first) > 1000


def test_storage_has_no_platform_tid_but_api_has(api, emu):
    job_id = api.create_id()
    files = api.files(job_id)
    assert "platform-tid" in files.headers
    response = requests.get(files.headers["Location"], timeout=10)
    assert response.status_code == 200
    assert "platform-tid" not in response.headers
