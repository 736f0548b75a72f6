"""Injected faults: 429/503 answers, dropped connections, truncated downloads, slow answers,
revoked tokens; each for the chosen endpoint and ``count`` requests, then normal again."""

from __future__ import annotations

import time

import pytest
import requests
from emulator_support import assert_api_error, window

GRANT = {"grant_type": "client_credentials"}


def _call(api, emu, endpoint: str, job_id: str, done_id: str) -> requests.Response:
    """One request on the named endpoint (faults and counters use these names)."""
    if endpoint == "token":
        return api.http.post(emu.token_url, data=GRANT, auth=(emu.client_id, emu.client_secret))
    if endpoint == "create":
        return api.create()
    if endpoint == "status":
        return api.status(job_id)
    if endpoint == "files":
        return api.files(job_id)
    if endpoint == "list":
        return api.http.get(api.jobs_url(), headers=api.bearer())
    if endpoint == "cancel":
        return api.http.delete(api.job_url(job_id), headers=api.bearer())
    if endpoint == "delete":
        return api.http.delete(api.files_url(done_id), headers=api.bearer())
    raise AssertionError(endpoint)


NORMAL = {"token": 200, "create": 202, "status": 200, "files": 200, "list": 200, "cancel": 204, "delete": 204}


@pytest.mark.parametrize("endpoint", list(NORMAL))
@pytest.mark.parametrize("status", [429, 503])
def test_status_fault_on_each_endpoint_for_count_requests(api, emu, endpoint, status):
    emu.configure(progression={"polls": 50})
    job_id = api.create_id()
    emu.configure(progression="immediate")
    done_id = api.create_id()
    api.bearer()  # get the token before the fault is queued
    emu.inject("status", status=status, endpoint=endpoint, count=2, retry_after=7)
    for _ in range(2):
        response = _call(api, emu, endpoint, job_id, done_id)
        assert response.status_code == status
        assert response.headers["Retry-After"] == "7"
        assert "platform-tid" in response.headers
        if endpoint == "token":
            assert response.json()["error"] == "temporarily_unavailable"
        else:
            assert_api_error(response, status)
    assert _call(api, emu, endpoint, job_id, done_id).status_code == NORMAL[endpoint]
    assert emu.stats()["faults_fired"] == {"status": 2}


def test_status_fault_on_storage(api, emu):
    job_id = api.create_id()
    url = api.storage_url(job_id)
    emu.inject("status", status=503, endpoint="storage")
    assert api.http.get(url).status_code == 503
    assert api.http.get(url).status_code == 200


def test_status_fault_without_retry_after(api, emu):
    api.bearer()
    emu.inject("status", status=503, endpoint="create")
    response = api.create()
    body = assert_api_error(response, 503, code="service_unavailable")
    assert "audit" in body["description"].lower()
    assert "Retry-After" not in response.headers
    assert emu.jobs() == []


def test_status_fault_429_body(api, emu):
    api.bearer()
    emu.inject("status", status=429, endpoint="create")
    assert_api_error(api.create(), 429, code="too_many_requests")


def test_status_fault_other_code(api, emu):
    api.bearer()
    emu.inject("status", status=500, endpoint="status")
    job_id = api.create_id()
    assert_api_error(api.status(job_id), 500)
    assert api.status(job_id).status_code == 303


def test_faulted_create_creates_no_job(api, emu):
    api.bearer()
    emu.inject("status", status=503, endpoint="create", count=3)
    for _ in range(3):
        assert api.create().status_code == 503
    assert emu.jobs() == []
    assert api.create().status_code == 202
    assert len(emu.jobs()) == 1


def test_fault_on_any_endpoint_hits_the_next_request(api, emu):
    api.bearer()
    emu.inject("status", status=503)  # endpoint "any"
    assert api.create().status_code == 503
    assert api.create().status_code == 202


def test_faults_apply_in_order(api, emu):
    api.bearer()
    emu.inject("status", status=429, endpoint="create")
    emu.inject("status", status=503, endpoint="create")
    assert [api.create().status_code for _ in range(3)] == [429, 503, 202]


def test_fault_on_another_endpoint_does_not_fire(api, emu):
    api.bearer()
    emu.inject("status", status=503, endpoint="files")
    job_id = api.create_id()
    assert api.status(job_id).status_code == 303
    assert api.files(job_id).status_code == 503


def test_drop_raises_connection_error_and_creates_nothing(api, emu):
    api.bearer()
    emu.inject("drop", endpoint="create")
    with pytest.raises(requests.ConnectionError):
        api.create()
    assert emu.jobs() == []
    assert api.create().status_code == 202
    assert emu.stats()["faults_fired"] == {"drop": 1}


def test_drop_on_a_kept_alive_connection(emu, token):
    bearer = {"Authorization": f"Bearer {token()}"}
    url = f"{emu.base_url}/data/reports/calls/jobs"
    with requests.Session() as session:
        assert session.get(url, headers=bearer).status_code == 200
        emu.inject("drop", endpoint="list")
        with pytest.raises(requests.ConnectionError):
            session.get(url, headers=bearer)
        assert session.get(url, headers=bearer).status_code == 200


def test_drop_on_token_endpoint(api, emu):
    emu.inject("drop", endpoint="token", count=2)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            api.http.post(emu.token_url, data=GRANT, auth=(emu.client_id, emu.client_secret))
    assert emu.stats()["tokens_issued"] == 0
    assert api.http.post(emu.token_url, data=GRANT, auth=(emu.client_id, emu.client_secret)).status_code == 200


def test_drop_after_create_loses_the_answer_but_the_job_exists(api, emu):
    api.bearer()
    emu.inject("drop_after", endpoint="create")
    with pytest.raises(requests.ConnectionError):
        api.create({"name": "lost answer", "timespan": window(emu)})
    jobs = emu.jobs()
    assert len(jobs) == 1 and jobs[0]["name"] == "lost answer"
    listing = api.http.get(api.jobs_url(), headers=api.bearer()).json()
    assert listing["_embedded"]["jobs"][0]["job"]["id"] == jobs[0]["id"]


def test_drop_after_on_token_issues_a_token(api, emu):
    emu.inject("drop_after", endpoint="token")
    with pytest.raises(requests.ConnectionError):
        api.http.post(emu.token_url, data=GRANT, auth=(emu.client_id, emu.client_secret))
    assert emu.stats()["tokens_issued"] == 1


def test_truncated_download_raises_then_a_retry_succeeds(api, emu):
    job_id = api.create_id({"format": "json", "timespan": window(emu)})
    url = api.storage_url(job_id)
    emu.inject("truncate", endpoint="storage")
    with pytest.raises(requests.RequestException):
        api.http.get(url)
    response = api.http.get(url)
    assert response.status_code == 200
    assert response.json()["total"] == api.truth(job_id)["rows"]


def test_truncated_download_delivers_half_the_announced_bytes(api, emu):
    job_id = api.create_id({"format": "csv", "timespan": window(emu)})
    url = api.storage_url(job_id)
    full = api.http.get(url).content
    emu.inject("truncate", endpoint="storage")
    with requests.Session() as session:
        response = session.get(url, stream=True)
        try:
            assert int(response.headers["Content-Length"]) == len(full)
            received = b""
            with pytest.raises(requests.RequestException):
                for chunk in response.iter_content(4096):
                    received += chunk
            # urllib3 may raise on its first read, before yielding any of the half it got
            assert len(received) <= len(full) // 2
            assert full.startswith(received)
        finally:
            response.close()


def test_truncate_with_endpoint_any_skips_api_calls(api, emu):
    job_id = api.create_id()
    emu.inject("truncate")  # "any": only the storage download can be cut
    assert api.files(job_id).status_code == 302
    url = api.storage_url(job_id)
    with pytest.raises(requests.RequestException):
        api.http.get(url)


def test_slow_answer_is_delayed_and_bounded(api, emu):
    api.bearer()
    emu.inject("slow", endpoint="create", delay=0.3)
    started = time.perf_counter()
    response = api.create()
    elapsed = time.perf_counter() - started
    assert response.status_code == 202
    assert 0.3 <= elapsed < 1.5
    started = time.perf_counter()
    assert api.create().status_code == 202
    assert time.perf_counter() - started < 0.3


def test_slow_answer_trips_a_client_timeout(api, emu):
    api.bearer()
    emu.inject("slow", endpoint="list", delay=0.3)
    with pytest.raises(requests.Timeout):
        api.http.get(api.jobs_url(), headers=api.bearer(), timeout=0.1)


def test_revoke_tokens(api, emu, token):
    old = token()
    assert api.create(token=old).status_code == 202
    emu.revoke_tokens()
    assert_api_error(api.create(token=old), 401)
    assert_api_error(api.status(emu.jobs()[0]["id"], token=old), 401)
    assert api.create(token=token()).status_code == 202


@pytest.mark.parametrize("kwargs, message", [
    ({"fault": "explode"}, "fault must be one of"),
    ({"fault": "status"}, "status=4xx or 5xx"),
    ({"fault": "status", "status": 302}, "status=4xx or 5xx"),
    ({"fault": "slow"}, "delay"),
    ({"fault": "truncate", "endpoint": "create"}, "storage"),
    ({"fault": "drop", "endpoint": "nowhere"}, "endpoint must be one of"),
    ({"fault": "drop", "count": 0}, "count"),
])
def test_bad_fault_is_refused(emu, kwargs, message):
    fault = kwargs.pop("fault")
    with pytest.raises(ValueError, match=message):
        emu.inject(fault, **kwargs)
