"""The control and inspection API under ``/_emulator/``, driven over HTTP only."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from emulator_support import READ, assert_api_error, iso, window

GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
def ctl(emu, http):
    """``ctl(method, name, json=None, params=None)`` -> response of /_emulator/<name>."""

    def call(method: str, name: str, json=None, params=None, data=None):
        return http.request(method, f"{emu.base_url}/_emulator/{name}", json=json, params=params, data=data)

    return call


def test_index_lists_every_control_endpoint(ctl):
    from explore_pandas.emulator import control

    response = ctl("GET", "")
    assert response.status_code == 200
    expected = sorted(f"{method} /_emulator/{name}" for method, name in control.ROUTES)
    assert response.json()["endpoints"] == expected


def test_reset_forgets_jobs_faults_counters_and_tokens(api, emu, ctl):
    old = api.bearer()
    api.create_id()
    ctl("POST", "faults", json={"fault": "status", "status": 503, "endpoint": "files"})
    ctl("POST", "settings", json={"row_limit": 7})
    response = ctl("POST", "reset")
    assert response.status_code == 200 and response.json() == {"reset": True}
    assert emu.jobs() == []
    stats = ctl("GET", "stats").json()
    assert stats["jobs_created"] == 0 and stats["requests"] == {} and stats["tokens_issued"] == 0
    assert ctl("GET", "faults").json() == {"pending": [], "fired": {}}
    assert ctl("GET", "settings").json()["row_limit"] == 1_000_000
    assert ctl("GET", "settings").json()["progression"] == "immediate"  # the constructor's
    assert api.http.post(api.jobs_url(), json={}, headers=old).status_code == 401


def test_settings_get(ctl, emu):
    response = ctl("GET", "settings")
    assert response.status_code == 200
    assert response.json() == emu.options.as_dict()
    assert response.json()["quota"] == 15 and response.json()["token_ttl"] == 600


def test_settings_post_changes_the_options(ctl, emu, api):
    response = ctl("POST", "settings", json={"progression": {"polls": 2}, "job_redirect_status": 300,
                                             "envelope": "flat"})
    assert response.status_code == 200
    assert response.json()["job_redirect_status"] == 300
    assert emu.options.progression == {"polls": 2}
    job_id = api.create().json()["id"]
    assert api.status(job_id).status_code == 200
    assert api.status(job_id).status_code == 300


@pytest.mark.parametrize("change, named", [
    ({"bogus": 1}, "bogus"),
    ({"progression": "sometimes"}, "progression"),
    ({"progression": {"polls": 0}}, "progression"),
    ({"job_redirect_status": 301}, "job_redirect_status"),
    ({"row_limit": 0}, "row_limit"),
    ({"storage_ttl": -1}, "storage_ttl"),
    ({"fail_at": "done"}, "fail_at"),
    ({"rates": [1, 2]}, "rates"),
])
def test_bad_setting_is_400_naming_it(ctl, emu, change, named):
    before = emu.options
    response = ctl("POST", "settings", json=change)
    assert response.status_code == 400
    assert named in response.json()["error"]
    assert emu.options == before


@pytest.mark.parametrize("data", [b"not json", b"[1, 2]"])
def test_settings_body_must_be_a_json_object(ctl, data):
    response = ctl("POST", "settings", data=data)
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_faults_post_and_get(ctl, api, emu):
    api.bearer()
    response = ctl("POST", "faults", json={"fault": "status", "status": 503, "endpoint": "create", "count": 2,
                                           "retry_after": 3})
    assert response.status_code == 200
    assert response.json()["pending"] == [{"kind": "status", "endpoint": "create", "count": 2, "status": 503,
                                           "retry_after": 3, "delay": None}]
    first = api.create()
    assert first.status_code == 503 and first.headers["Retry-After"] == "3"
    state = ctl("GET", "faults").json()
    assert state["pending"][0]["count"] == 1 and state["fired"] == {"status": 1}
    assert api.create().status_code == 503
    assert api.create().status_code == 202
    assert ctl("GET", "faults").json() == {"pending": [], "fired": {"status": 2}}


def test_faults_kind_alias(ctl, api):
    assert ctl("POST", "faults", json={"kind": "drop", "endpoint": "list"}).status_code == 200


@pytest.mark.parametrize("body", [
    {"fault": "status"}, {"fault": "nope"}, {"fault": "drop", "unknown": 1}, {"fault": "drop", "endpoint": "x"},
])
def test_bad_fault_is_400(ctl, body):
    response = ctl("POST", "faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"]


def test_clock_get_advance_set(ctl, emu):
    now = datetime.fromisoformat(ctl("GET", "clock").json()["now"])
    assert abs((now - datetime.now(timezone.utc)).total_seconds()) < 5
    moved = datetime.fromisoformat(ctl("POST", "clock", json={"advance": 3600}).json()["now"])
    assert timedelta(minutes=59) < moved - now < timedelta(minutes=61)
    assert abs((emu.clock.now() - moved).total_seconds()) < 5
    set_to = ctl("POST", "clock", json={"set": "2026-01-01T00:00:00Z"}).json()["now"]
    assert set_to.startswith("2026-01-01T00:00:0")
    assert emu.clock.now().year == 2026 and emu.clock.now().month == 1


@pytest.mark.parametrize("body", [{}, {"advance": "soon"}, {"set": "2026-01-01T00:00:00"}, {"set": "tomorrow"}])
def test_bad_clock_request_is_400(ctl, body):
    response = ctl("POST", "clock", json=body)
    assert response.status_code == 400
    assert response.json()["error"]


def test_clock_advance_expires_tokens_over_http(ctl, api):
    api.create_id()
    ctl("POST", "clock", json={"advance": 601})
    assert_api_error(api.create(), 401)


def test_tokens_revoke(ctl, api, token):
    old = api.bearer()
    response = ctl("POST", "tokens/revoke")
    assert response.status_code == 200 and response.json() == {"revoked": True}
    assert api.http.post(api.jobs_url(), json={"timespan": window(api.emu)}, headers=old).status_code == 401
    assert api.create(token=token()).status_code == 202


def test_clients_registers_a_client(ctl, api, emu, http):
    response = ctl("POST", "clients", json={"client_id": "bi-tool", "client_secret": "pw", "scopes": [READ]})
    assert response.status_code == 200
    assert response.json() == {"client_id": "bi-tool", "scopes": [READ]}
    token = http.post(emu.token_url, data=GRANT, auth=("bi-tool", "pw")).json()
    assert token["scope"] == READ
    assert_api_error(api.create(token=token["access_token"]), 403)


def test_clients_default_scopes(ctl, emu, http):
    ctl("POST", "clients", json={"client_id": "full", "client_secret": "pw"})
    token = http.post(emu.token_url, data=GRANT, auth=("full", "pw")).json()
    assert sorted(token["scope"].split()) == ["data-reports:read", "data-reports:write"]


def test_clients_missing_secret_is_400(ctl):
    response = ctl("POST", "clients", json={"client_id": "half"})
    assert response.status_code == 400


def test_jobs_ground_truth(ctl, api, emu):
    first = api.create_id({"name": "a", "timespan": window(emu, ago=3)})
    emu.clock.advance(1)
    second = api.create_id({"name": "b", "format": "json", "timespan": window(emu, ago=2)})
    jobs = ctl("GET", "jobs").json()["jobs"]
    assert [job["id"] for job in jobs] == [first, second]  # oldest first
    assert jobs == emu.jobs()
    job = jobs[1]
    assert job["request"] == {"name": "b", "format": "json", "timespan": job["timespan"]}
    assert {"from_utc", "to_utc", "data_to_utc", "matching_rows", "rows", "polls"} <= set(job)
    start, end = datetime.fromisoformat(job["from_utc"]), datetime.fromisoformat(job["to_utc"])
    assert job["rows"] == emu.count_rows("calls", start, end)


def test_stats(ctl, api, emu):
    job_id = api.create_id()
    api.status(job_id)
    api.download(job_id)
    stats = ctl("GET", "stats").json()
    assert stats == emu.stats()
    assert stats["jobs_created"] == 1
    assert stats["running"] == 0
    assert stats["max_running"] == 1
    assert stats["statuses"] == {"done": 1}
    assert stats["tokens_issued"] == 1
    assert stats["requests"] == {"token": 1, "create": 1, "status": 1, "files": 1, "storage": 1}


def test_truth(ctl, emu):
    start = datetime(2026, 1, 5, tzinfo=timezone.utc)
    response = ctl("GET", "truth", params={"report": "contacts", "from": iso(start),
                                           "to": iso(start + timedelta(days=1))})
    assert response.status_code == 200
    assert response.json()["rows"] == emu.count_rows("contacts", start, start + timedelta(days=1)) > 0


def test_truth_with_timezone(ctl, emu):
    response = ctl("GET", "truth", params={"report": "calls", "from": "2026-01-05T00:00:00",
                                           "to": "2026-01-06T00:00:00", "timezone": "America/Sao_Paulo"})
    start = datetime(2026, 1, 5, 3, tzinfo=timezone.utc)
    assert response.json()["rows"] == emu.count_rows("calls", start, start + timedelta(days=1))


@pytest.mark.parametrize("params", [
    {}, {"report": "calls"}, {"report": "calls", "from": "x", "to": "2026-01-01T00:00:00Z"},
    {"report": "calls", "from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z", "timezone": "Nowhere/Zone"},
])
def test_bad_truth_query_is_400(ctl, params):
    assert ctl("GET", "truth", params=params).status_code == 400


def test_truth_unknown_report_is_400(ctl):
    response = ctl("GET", "truth", params={"report": "nope", "from": "2026-01-01T00:00:00Z",
                                           "to": "2026-01-02T00:00:00Z"})
    assert response.status_code == 400


@pytest.mark.parametrize("method, name", [("GET", "nothing"), ("DELETE", "reset"), ("GET", "reset")])
def test_unknown_control_endpoint_is_404(ctl, method, name):
    response = ctl(method, name)
    assert response.status_code == 404
    assert "no control endpoint" in response.json()["error"]


def test_control_requests_are_not_counted_nor_faulted(ctl, emu):
    emu.inject("status", status=503)  # "any" API endpoint
    assert ctl("GET", "stats").status_code == 200
    assert ctl("GET", "stats").json()["requests"] == {}
    assert len(emu.state.faults.pending()) == 1
