"""The emulator's ``openapi.json`` fuzzed with schemathesis against a live emulator on loopback.

Every operation of the document (the Explore API, the token endpoint, the storage
host and the ``/_emulator/`` control API) gets generated requests, valid and
invalid; each answer must be no 5xx and conform to the document: a documented
status code, the documented content type and a body matching the schema. API
paths get a fresh bearer token, the token endpoint HTTP Basic credentials; the
emulator is reset after every case (faults a case injected must not leak into the
next one). Bounded: ``max_examples`` per operation and a per-example deadline
(about 20 s for the whole module on the 2-core CI machine).

Needs ``schemathesis`` (a test dependency: ``pip install schemathesis``).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Any

import jsonschema
import pytest
import requests

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from explore_pandas.emulator import Emulator

SPEC = json.loads(resources.files("explore_pandas.emulator").joinpath("openapi.json").read_text("utf-8"))
schema = schemathesis.openapi.from_dict(SPEC)
#: Methods the emulator's handler has a ``do_*`` for; any other (HEAD, OPTIONS, TRACE, QUERY...)
#: gets http.server's 501 HTML page: see test_methods_outside_the_document_get_a_4xx.
HANDLED_METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH")
#: (method, path) -> status -> answers seen by the fuzzing
SEEN: defaultdict[tuple[str, str], Counter[int]] = defaultdict(Counter)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def emu() -> Any:
    with Emulator(seed=2, progression="immediate") as emulator:
        yield emulator


def _restore(emu: Emulator) -> None:
    emu.reset()
    emu.clock.set(datetime.now(timezone.utc))


def _headers(emu: Emulator, path: str) -> dict[str, str]:
    if path.startswith("/data/"):
        answer = requests.post(emu.token_url, data={"grant_type": "client_credentials"},
                               auth=(emu.client_id, emu.client_secret), timeout=10)
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}
    if path == "/oauth/token":
        return {"Authorization": requests.auth._basic_auth_str(emu.client_id, emu.client_secret)}
    return {}


def _request_schema_errors(path: str, body: Any) -> list[str]:
    """Where ``body`` breaks the document's request schema of ``POST path`` (empty: it conforms)."""
    content = SPEC["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    validator = jsonschema.Draft202012Validator({**content["schema"], "components": SPEC["components"]})
    return [error.message for error in validator.iter_errors(body)]


@schema.parametrize()
@settings(max_examples=20, deadline=5000, suppress_health_check=list(HealthCheck))
def test_every_answer_conforms_to_the_document(case: Any, emu: Emulator) -> None:
    try:
        response = case.call_and_validate(base_url=emu.base_url, headers=_headers(emu, case.path),
                                          checks=CHECKS, timeout=10)
        SEEN[(case.method.upper(), case.operation.path)][response.status_code] += 1
    finally:
        _restore(emu)


def test_the_fuzzing_reached_past_validation() -> None:
    # runs after the fuzzing (file order): the generated requests were not all refused
    if not SEEN:
        pytest.skip("the fuzzing test did not run (deselected)")
    print({f"{m} {p}": dict(c) for (m, p), c in sorted(SEEN.items())})
    assert SEEN[("POST", "/oauth/token")][200] > 0
    assert SEEN[("GET", "/data/reports/{type}/jobs")][200] > 0
    assert SEEN[("POST", "/_emulator/settings")][200] > 0
    # random timespans are nearly always refused (400): the happy path is walked below


@pytest.mark.parametrize(("variant", "fmt"), [
    ({}, "csv"),
    ({"job_redirect_status": 300, "files_redirect_status": 303, "location": "absolute", "envelope": "flat"}, "json"),
    ({"job_redirect_status": 302}, "json_bulk"),
])
def test_the_happy_path_conforms_to_the_document(emu: Emulator, variant: dict[str, Any], fmt: str) -> None:
    """Create, status, files, storage, list, cancel and delete, each answer checked like the fuzz's."""
    try:
        emu.configure(**variant)
        api = {"Authorization": _headers(emu, "/data/")["Authorization"]}
        end = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=1)
        timespan = {"from": (end - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "to": end.strftime("%Y-%m-%dT%H:%M:%SZ")}

        def call(path: str, method: str, status: int, headers: dict[str, str] | None = None, **parts: Any) -> Any:
            case = schema[path][method].Case(**parts)
            response = case.call_and_validate(base_url=emu.base_url, headers=headers, checks=CHECKS, timeout=10)
            assert response.status_code == status, (path, method, response.status_code, response.text[:300])
            return response

        created = call("/data/reports/{type}/jobs", "POST", 202, api, path_parameters={"type": "calls"},
                       body={"name": "happy", "timezone": "Europe/Lisbon", "format": fmt, "timespan": timespan},
                       media_type="application/json")
        body = created.json()
        job_id = (body.get("job") or body)["id"]
        ids = {"type": "calls", "id": job_id}
        call("/data/reports/{type}/jobs/{id}", "GET", emu.options.job_redirect_status, api, path_parameters=ids)
        files = call("/data/reports/{type}/files/{id}", "GET", emu.options.files_redirect_status, api,
                     path_parameters=ids)
        location = {k.lower(): v for k, v in files.headers.items()}["location"]
        location = location[0] if isinstance(location, list) else location
        object_name = location.split("/_storage/", 1)[1].split("?", 1)[0]
        query = dict(part.split("=", 1) for part in location.split("?", 1)[1].split("&"))
        call("/_storage/{object}", "GET", 200, None, path_parameters={"object": object_name},
             query={k: requests.utils.unquote(v) for k, v in query.items()})
        call("/data/reports/{type}/jobs", "GET", 200, api, path_parameters={"type": "calls"})
        call("/data/reports/{type}/files/{id}", "DELETE", 204, api, path_parameters=ids)
        call("/data/reports/{type}/jobs/{id}", "DELETE", 403, api, path_parameters=ids)  # finished: not cancelable
        emu.configure(progression={"polls": 5})
        running = call("/data/reports/{type}/jobs", "POST", 202, api, path_parameters={"type": "calls"},
                       body={"timespan": timespan}, media_type="application/json").json()
        running_ids = {"type": "calls", "id": (running.get("job") or running)["id"]}
        call("/data/reports/{type}/files/{id}", "GET", 200, api, path_parameters=running_ids)  # not ready
        call("/data/reports/{type}/jobs/{id}", "DELETE", 204, api, path_parameters=running_ids)
    finally:
        _restore(emu)


# -- emulator bugs found by the fuzzing, pinned --------------------------------------------------

@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "TRACE"])
def test_methods_outside_the_document_get_a_4xx(emu: Emulator, method: str) -> None:
    answer = requests.request(method, f"{emu.base_url}/data/reports/calls/jobs", timeout=10)
    assert answer.status_code < 500, answer.status_code


def test_a_non_ascii_signature_is_a_403(emu: Emulator) -> None:
    answer = requests.get(f"{emu.base_url}/_storage/x.csv", timeout=10, params={
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Date": "20260101T000000Z",
        "X-Amz-Expires": "300", "X-Amz-SignedHeaders": "host", "X-Amz-Signature": "\u00e9"})
    assert answer.status_code == 403, answer.status_code


@pytest.mark.parametrize(("path", "body"), [
    ("settings", {"rates": {"calls": {}}}),
    ("settings", {"retention_days": False}),
    ("clients", {"client_id": {}, "client_secret": "b"}),
    ("faults", {"fault": "status", "status": 400, "delay": {}}),
    ("faults", {"fault": "status", "status": 400, "retry_after": "soon"}),
    ("settings", {"quota_retry_after": {}}),
    ("clients", {"client_id": "a", "client_secret": "b", "scopes": [{}]}),
])
def test_control_bodies_of_the_wrong_type_are_refused(emu: Emulator, path: str, body: dict[str, Any]) -> None:
    try:
        answer = requests.post(f"{emu.base_url}/_emulator/{path}", json=body, timeout=10)
        assert answer.status_code == 400, (answer.status_code, answer.text)
    finally:
        _restore(emu)


def test_a_clock_moved_out_of_range_is_refused(emu: Emulator) -> None:
    try:
        try:
            answer = requests.post(f"{emu.base_url}/_emulator/clock", json={"advance": 1e17}, timeout=10)
        except requests.ConnectionError as error:
            raise AssertionError(f"no answer: {error}") from None
        assert answer.status_code == 400, answer.status_code
        assert requests.get(f"{emu.base_url}/_emulator/clock", timeout=10).status_code == 200
    finally:
        _restore(emu)
