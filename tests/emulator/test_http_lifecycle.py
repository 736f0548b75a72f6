"""Job lifecycle, progression, the redirect chain, list, cancel and delete, over HTTP."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from emulator_support import assert_api_error, window

JOB_KEYS = {"id", "name", "timezone", "status", "format", "timespan", "created_at", "type"}


def _status_of(response) -> str:
    body = response.json()
    return body["job"]["status"] if "job" in body else body["status"]


def _reads(api, job_id: str, n: int) -> list[tuple[int, str]]:
    out = []
    for _ in range(n):
        response = api.status(job_id)
        out.append((response.status_code, _status_of(response)))
    return out


# -- the 202 ------------------------------------------------------------------------------

def test_create_answers_202_enveloped_created(api, emu):
    request = {"name": "Q1 calls", "format": "json", "timezone": "Europe/Lisbon", "timespan": window(emu)}
    response = api.create(request)
    assert response.status_code == 202
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"job", "_links"}
    job = body["job"]
    assert set(job) == JOB_KEYS
    uuid.UUID(job["id"])
    assert job["status"] == "created"
    assert (job["name"], job["format"], job["timezone"], job["type"]) == ("Q1 calls", "json", "Europe/Lisbon", "calls")
    assert job["timespan"] == request["timespan"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", job["created_at"])
    created = datetime.fromisoformat(job["created_at"])
    assert abs((created - emu.clock.now().replace(tzinfo=None)).total_seconds()) < 5
    assert body["_links"] == {
        "self": {"href": f"{emu.base_url}/data/reports/calls/jobs/{job['id']}"},
        "files": {"href": f"{emu.base_url}/data/reports/calls/files/{job['id']}"},
    }


def test_created_at_follows_the_emulator_clock(api, emu):
    emu.clock.set(datetime.fromisoformat("2026-02-03T04:05:06+00:00"))
    body = api.create().json()
    assert body["job"]["created_at"].startswith("2026-02-03T04:05:0")


def test_flat_envelope_variant(api, emu):
    emu.configure(envelope="flat")
    response = api.create()
    body = response.json()
    assert response.status_code == 202
    assert set(body) == JOB_KEYS | {"_links"}
    assert body["status"] == "created"
    status = api.status(body["id"])
    assert status.status_code == 303
    assert set(status.json()) == JOB_KEYS | {"_links"}
    assert status.json()["status"] == "done"


def test_links_follow_to_the_same_job(api):
    body = api.create().json()
    response = api.http.get(body["_links"]["self"]["href"], headers=api.bearer(), allow_redirects=False)
    assert response.json()["job"]["id"] == body["job"]["id"]


# -- progression --------------------------------------------------------------------------

def test_immediate_progression_is_done_at_the_first_read(api, emu):
    job_id = api.create_id()
    response = api.status(job_id)
    assert response.status_code == 303
    assert response.json()["job"]["status"] == "done"
    assert response.headers["Location"] == f"/data/reports/calls/files/{job_id}"
    assert response.json()["_links"]["files"]["href"] == emu.base_url + response.headers["Location"]


@pytest.mark.parametrize("polls, expected", [
    (1, ["done"]),
    (2, ["processing", "done"]),
    (3, ["processing", "uploading", "done"]),
    (5, ["processing", "processing", "uploading", "uploading", "done"]),
])
def test_polls_progression_status_sequence(api, emu, polls, expected):
    emu.configure(progression={"polls": polls})
    created = api.create().json()["job"]
    assert created["status"] == "created"
    reads = _reads(api, created["id"], polls + 2)
    assert [status for _, status in reads] == expected + ["done", "done"]
    assert [code for code, _ in reads] == [200] * (polls - 1) + [303] * 3
    assert api.truth(created["id"])["polls"] == polls


def test_polls_progression_walks_every_active_stage_in_order(api, emu):
    emu.configure(progression={"polls": 10})
    job_id = api.create_id()
    seen = ["created"] + [status for _, status in _reads(api, job_id, 10)]
    order = ["created", "processing", "uploading", "done"]
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen)
    assert set(seen) == set(order)
    assert seen[-1] == "done" and seen[-2] != "done"


def test_files_reads_and_listing_do_not_count_as_polls(api, emu):
    emu.configure(progression={"polls": 2})
    job_id = api.create_id()
    for _ in range(3):
        assert api.files(job_id).status_code == 200
    api.http.get(api.jobs_url(), headers=api.bearer())
    emu.jobs()
    assert api.truth(job_id)["polls"] == 0
    assert _reads(api, job_id, 2) == [(200, "processing"), (303, "done")]


def test_seconds_progression_follows_the_clock(api, emu):
    emu.configure(progression={"seconds": 10})
    job_id = api.create_id()
    assert _reads(api, job_id, 1) == [(200, "created")]
    emu.clock.advance(3)
    assert _reads(api, job_id, 1) == [(200, "processing")]
    emu.clock.advance(4)
    assert _reads(api, job_id, 1) == [(200, "uploading")]
    emu.clock.advance(3.5)
    assert _reads(api, job_id, 1) == [(303, "done")]


def test_seconds_progression_needs_no_reads(api, emu):
    emu.configure(progression={"seconds": 60})
    job_id = api.create_id()
    emu.clock.advance(61)
    assert api.truth(job_id)["status"] == "done"
    assert api.files(job_id).status_code == 302


def test_default_progression_is_two_seconds(emu):
    from explore_pandas.emulator import Options

    assert Options().progression == {"seconds": 2.0}


def test_progression_applies_to_jobs_created_after_the_change(api, emu):
    emu.configure(progression={"polls": 50})
    slow = api.create_id()
    emu.configure(progression="immediate")
    fast = api.create_id()
    assert api.status(fast).status_code == 303
    assert _status_of(api.status(slow)) == "processing"


@pytest.mark.parametrize("stage, expected", [
    ("created", ["failed"]),
    ("processing", ["processing", "processing", "failed"]),
    ("uploading", ["processing", "processing", "uploading", "uploading", "failed"]),
])
def test_fail_at_each_stage(api, emu, stage, expected):
    emu.configure(progression={"polls": 5}, fail_at=stage)
    job_id = api.create_id()
    reads = _reads(api, job_id, len(expected) + 1)
    assert [status for _, status in reads] == expected + ["failed"]
    assert all(code == 200 for code, _ in reads)
    assert_api_error(api.files(job_id), 404, code="not_found")


@pytest.mark.parametrize("stage", ["created", "processing", "uploading"])
def test_fail_at_with_immediate_progression(api, emu, stage):
    emu.configure(fail_at=stage)
    response = api.create()
    assert response.json()["job"]["status"] == "created"
    job_id = response.json()["job"]["id"]
    status = api.status(job_id)
    assert (status.status_code, _status_of(status)) == (200, "failed")
    assert "Location" not in status.headers


def test_fail_at_with_seconds_progression(api, emu):
    emu.configure(progression={"seconds": 10}, fail_at="processing")
    job_id = api.create_id()
    emu.clock.advance(3)
    assert _status_of(api.status(job_id)) == "processing"
    emu.clock.advance(4)
    assert _status_of(api.status(job_id)) == "failed"


# -- the redirect chain ----------------------------------------------------------------------

@pytest.mark.parametrize("code", [300, 302, 303])
def test_job_redirect_status_variants(api, emu, code):
    emu.configure(job_redirect_status=code)
    job_id = api.create_id()
    response = api.status(job_id)
    assert response.status_code == code
    assert response.headers["Location"] == f"/data/reports/calls/files/{job_id}"
    assert response.json()["job"]["status"] == "done"


def test_absolute_location_variant(api, emu):
    emu.configure(location="absolute")
    job_id = api.create_id()
    response = api.status(job_id)
    assert response.headers["Location"] == f"{emu.base_url}/data/reports/calls/files/{job_id}"


@pytest.mark.parametrize("code", [302, 303])
def test_files_redirect_to_signed_storage_url(api, emu, code):
    emu.configure(files_redirect_status=code)
    job_id = api.create_id({"format": "json", "timespan": window(emu)})
    response = api.files(job_id)
    assert response.status_code == code
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == emu.storage_url != emu.base_url  # another origin, as S3
    assert parts.path == f"/_storage/{job_id}.json"
    for name in ("X-Amz-Algorithm", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"):
        assert name + "=" in parts.query
    assert "X-Amz-Expires=300" in parts.query
    assert response.json()["job"]["status"] == "done"


def test_files_before_done_is_200_with_the_job(api, emu):
    emu.configure(progression={"polls": 3})
    job_id = api.create_id()
    response = api.files(job_id)
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert response.json()["job"]["status"] == "created"


def test_full_chain_by_hand_relative_location(api, emu):
    emu.configure(progression={"polls": 2})
    job_id = api.create_id({"format": "json", "timespan": window(emu)})
    assert api.status(job_id).status_code == 200
    done = api.status(job_id)
    assert done.status_code == 303
    files_url = emu.base_url + done.headers["Location"]
    files = api.http.get(files_url, headers=api.bearer(), allow_redirects=False)
    assert files.status_code == 302
    download = api.http.get(files.headers["Location"])  # no Authorization to storage
    assert download.status_code == 200
    assert download.json()["total"] == api.truth(job_id)["rows"]


def test_files_needs_the_token_storage_does_not(api, emu):
    job_id = api.create_id({"format": "json", "timespan": window(emu)})
    assert api.http.get(api.files_url(job_id)).status_code == 401
    location = api.storage_url(job_id)
    assert api.http.get(location).status_code == 200


def test_following_redirects_ends_with_the_file_and_no_bearer_at_storage(api, emu):
    """Storage is another origin (another port), as S3 is for the real API, so a client that
    follows redirects with requests drops its bearer on the way there and ends up holding
    the file, which is what real clients such as Airbyte's connector rely on."""
    job_id = api.create_id()
    response = api.http.get(api.job_url(job_id), headers=api.bearer())
    assert [r.status_code for r in response.history] == [303, 302]
    assert response.status_code == 200
    assert urlsplit(response.url).port != urlsplit(emu.base_url).port
    assert emu.stats()["storage_requests_with_authorization"] == 0


def test_unknown_job_id_is_404(api):
    body = assert_api_error(api.status(str(uuid.uuid4())), 404, code="not_found")
    assert body["fields"] == []
    assert_api_error(api.files(str(uuid.uuid4())), 404)


def test_job_of_another_report_type_is_404(api):
    job_id = api.create_id()
    assert_api_error(api.status(job_id, slug="contacts"), 404)
    assert_api_error(api.files(job_id, slug="contacts"), 404)


def test_unknown_report_type_on_status_is_404(api):
    job_id = api.create_id()
    assert_api_error(api.status(job_id, slug="nope"), 404)


# -- list (unofficial) --------------------------------------------------------------------------

def test_list_is_hal_newest_first(api, emu):
    ids = []
    for hours in (3, 2, 1):
        ids.append(api.create_id({"timespan": window(emu, ago=hours)}))
        emu.clock.advance(1)
    api.create_id(slug="contacts")  # another type: not listed
    response = api.http.get(api.jobs_url(), headers=api.bearer())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"_embedded", "total", "page", "per_page", "count", "total_pages", "_links"}
    assert [item["job"]["id"] for item in body["_embedded"]["jobs"]] == ids[::-1]
    assert all(set(item) == {"job", "_links"} for item in body["_embedded"]["jobs"])
    assert (body["total"], body["page"], body["per_page"], body["count"], body["total_pages"]) == (3, 1, 20, 3, 1)
    assert set(body["_links"]) == {"self", "first", "last"}
    assert body["_links"]["self"]["href"] == f"{emu.base_url}/data/reports/calls/jobs?page=1&per_page=20"


def test_list_paging(api, emu):
    ids = []
    for _ in range(5):
        ids.append(api.create_id())
        emu.clock.advance(1)
    newest_first = ids[::-1]
    pages = []
    for page in (1, 2, 3):
        response = api.http.get(api.jobs_url(), params={"page": page, "per_page": 2}, headers=api.bearer())
        pages.append(response.json())
    assert [[i["job"]["id"] for i in p["_embedded"]["jobs"]] for p in pages] == [
        newest_first[0:2], newest_first[2:4], newest_first[4:5]]
    assert [p["count"] for p in pages] == [2, 2, 1]
    assert all(p["total"] == 5 and p["total_pages"] == 3 for p in pages)
    assert set(pages[0]["_links"]) == {"self", "first", "last", "next"}
    assert set(pages[1]["_links"]) == {"self", "first", "last", "next", "prev"}
    assert set(pages[2]["_links"]) == {"self", "first", "last", "prev"}
    assert pages[1]["_links"]["next"]["href"].endswith("/jobs?page=3&per_page=2")
    assert pages[1]["_links"]["prev"]["href"].endswith("/jobs?page=1&per_page=2")
    beyond = api.http.get(api.jobs_url(), params={"page": 9, "per_page": 2}, headers=api.bearer()).json()
    assert beyond["_embedded"]["jobs"] == [] and beyond["count"] == 0


def test_list_empty(api):
    body = api.http.get(api.jobs_url(), headers=api.bearer()).json()
    assert body["_embedded"]["jobs"] == [] and body["total"] == 0 and body["total_pages"] == 1


@pytest.mark.parametrize("params, field", [
    ({"per_page": 0}, "per_page"), ({"per_page": 101}, "per_page"), ({"per_page": "x"}, "per_page"),
    ({"page": 0}, "page"), ({"page": "-1"}, "page"),
])
def test_list_bad_paging_is_400(api, params, field):
    response = api.http.get(api.jobs_url(), params=params, headers=api.bearer())
    assert_api_error(response, 400, field=field)


def test_list_unknown_report_type_is_404(api):
    assert_api_error(api.http.get(api.jobs_url("nope"), headers=api.bearer()), 404)


# -- cancel (unofficial) ---------------------------------------------------------------------

def test_cancel_running_job_204_then_403(api, emu):
    emu.configure(progression={"polls": 5})
    job_id = api.create_id()
    response = api.http.delete(api.job_url(job_id), headers=api.bearer())
    assert response.status_code == 204
    assert response.content == b""
    assert _reads(api, job_id, 1) == [(200, "canceled")]
    assert_api_error(api.files(job_id), 404)
    assert_api_error(api.http.delete(api.job_url(job_id), headers=api.bearer()), 403, code="forbidden")


def test_cancel_done_job_is_403(api):
    job_id = api.create_id()
    assert api.status(job_id).status_code == 303
    assert_api_error(api.http.delete(api.job_url(job_id), headers=api.bearer()), 403)
    assert api.status(job_id).status_code == 303


def test_cancel_failed_job_is_403(api, emu):
    emu.configure(fail_at="created")
    job_id = api.create_id()
    assert_api_error(api.http.delete(api.job_url(job_id), headers=api.bearer()), 403)


def test_cancel_unknown_job_is_404(api):
    assert_api_error(api.http.delete(api.job_url(str(uuid.uuid4())), headers=api.bearer()), 404)


# -- delete file (unofficial) -------------------------------------------------------------------

def test_delete_file_204_then_job_reads_deleted_then_403(api, emu):
    job_id = api.create_id()
    location = api.storage_url(job_id)
    response = api.http.delete(api.files_url(job_id), headers=api.bearer())
    assert response.status_code == 204
    status = api.status(job_id)
    assert (status.status_code, _status_of(status)) == (200, "deleted")
    assert_api_error(api.files(job_id), 404)
    gone = api.http.get(location)
    assert gone.status_code == 404 and "<Code>NoSuchKey</Code>" in gone.text
    assert_api_error(api.http.delete(api.files_url(job_id), headers=api.bearer()), 403, code="forbidden")


def test_delete_file_of_running_job_is_404(api, emu):
    emu.configure(progression={"polls": 5})
    job_id = api.create_id()
    assert_api_error(api.http.delete(api.files_url(job_id), headers=api.bearer()), 404)
    assert api.truth(job_id)["status"] in ("created", "processing")


def test_delete_file_of_canceled_job_is_403(api, emu):
    emu.configure(progression={"polls": 5})
    job_id = api.create_id()
    assert api.http.delete(api.job_url(job_id), headers=api.bearer()).status_code == 204
    assert_api_error(api.http.delete(api.files_url(job_id), headers=api.bearer()), 403)


def test_unrouted_paths_and_methods(api, emu):
    job_id = api.create_id()
    response = api.http.put(api.job_url(job_id), headers=api.bearer())
    assert_api_error(response, 405)
    response = api.http.get(f"{emu.base_url}/data/reports/calls/jobs/{job_id}/extra", headers=api.bearer())
    assert_api_error(response, 404)
    response = api.http.get(f"{emu.base_url}/nothing/here")
    assert_api_error(response, 404)
