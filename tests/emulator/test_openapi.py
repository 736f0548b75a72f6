"""``explore_pandas/emulator/openapi.json``: valid OpenAPI 3.1, complete, and true to the wire."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import pytest
from emulator_support import window

from explore_pandas.emulator import catalog, control, server

HTTP_METHODS = {"get", "post", "put", "delete", "patch", "head", "options"}
GROUPS = {"slug": "{type}", "job_id": "{id}", "object_name": "{object}"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    text = resources.files("explore_pandas.emulator").joinpath("openapi.json").read_text("utf-8")
    return json.loads(text)


def _template(pattern: str) -> str:
    path = pattern.strip("^$")
    return re.sub(r"\(\?P<(\w+)>\[\^/\]\+\)", lambda m: GROUPS[m.group(1)], path)


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_document_is_valid_openapi_3_1(spec):
    validator = pytest.importorskip("openapi_spec_validator")
    assert spec["openapi"].startswith("3.1")
    validator.validate(spec)


def test_every_server_route_is_described(spec):
    for method, pattern, endpoint, _handler in server.ROUTES:
        path = _template(pattern.pattern)
        assert path in spec["paths"], (endpoint, path)
        assert method.lower() in spec["paths"][path], (endpoint, method, path)


def test_every_control_route_is_described(spec):
    for method, name in control.ROUTES:
        path = f"/_emulator/{name}"
        assert path in spec["paths"], path
        assert method.lower() in spec["paths"][path], (method, path)


def test_every_described_operation_is_served(spec):
    served = {(_template(p.pattern), m.lower()) for m, p, _e, _h in server.ROUTES}
    served |= {(f"/_emulator/{name}", m.lower()) for m, name in control.ROUTES}
    served.add(("/openapi.json", "get"))
    described = {(path, method) for path, item in spec["paths"].items() for method in item if method in HTTP_METHODS}
    assert described == served


def test_report_type_enum_is_the_catalog(spec):
    assert sorted(spec["components"]["schemas"]["ReportType"]["enum"]) == sorted(catalog.REPORTS)


def test_unofficial_extensions_are_labelled(spec):
    paths = spec["paths"]
    assert paths["/data/reports/{type}/jobs"]["get"]["x-unofficial"] is True
    assert paths["/data/reports/{type}/jobs/{id}"]["delete"]["x-unofficial"] is True
    assert paths["/data/reports/{type}/files/{id}"]["delete"]["x-unofficial"] is True
    for path, method in [("/data/reports/{type}/jobs", "post"), ("/data/reports/{type}/jobs/{id}", "get"),
                         ("/data/reports/{type}/files/{id}", "get"), ("/oauth/token", "post")]:
        assert "x-unofficial" not in paths[path][method]


def test_error_schema_has_the_reference_keys(spec):
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "description", "message", "fields"}
    assert set(error["required"]) == {"code", "description", "fields"}
    field = _resolve(spec, error["properties"]["fields"]["items"])
    assert set(field["required"]) == {"name", "description"}


def test_create_request_schema(spec):
    create = spec["components"]["schemas"]["CreateJobRequest"]
    assert set(create["properties"]) == {"name", "timezone", "format", "timespan"}
    assert create["properties"]["name"]["maxLength"] == 256
    assert create["properties"]["format"]["default"] == "csv"
    assert create["properties"]["timezone"]["default"] == "UTC"
    assert _resolve(spec, create["properties"]["timespan"])["required"] == ["from", "to"]


def test_every_explore_answer_declares_platform_tid(spec):
    for path, item in spec["paths"].items():
        if path.startswith(("/_emulator", "/_storage", "/openapi")):
            continue
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            for status, response in operation["responses"].items():
                headers = _resolve(spec, response).get("headers", {})
                assert "platform-tid" in headers, (path, method, status)


def test_redirects_declare_location(spec):
    for path, method, codes in [("/data/reports/{type}/jobs/{id}", "get", ("300", "302", "303")),
                                ("/data/reports/{type}/files/{id}", "get", ("302", "303"))]:
        for code in codes:
            response = spec["paths"][path][method]["responses"][code]
            assert "Location" in response["headers"]


def test_served_at_openapi_json(emu, http, spec):
    response = http.get(f"{emu.base_url}/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == spec


# -- live answers against the document ----------------------------------------------------------

class Conformance:
    """Checks that an answer's status is documented for its operation and its JSON body
    validates against the documented schema (JSON Schema 2020-12, as OpenAPI 3.1 uses)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.jsonschema = pytest.importorskip("jsonschema")
        self.spec = spec
        self.checked: set[tuple[str, str, str]] = set()

    def __call__(self, response, path: str, method: str) -> None:
        operation = self.spec["paths"][path][method]
        status = str(response.status_code)
        assert status in operation["responses"], (path, method, status, response.text[:200])
        documented = _resolve(self.spec, operation["responses"][status])
        content = documented.get("content", {})
        media = response.headers.get("Content-Type", "").split(";")[0]
        if not content:
            assert response.content == b""
        else:
            assert media in content, (path, method, status, media)
            if media == "application/json":
                schema = {**self.spec, "$ref": content[media]["schema"]["$ref"]} \
                    if "$ref" in content[media]["schema"] else {**self.spec, **content[media]["schema"]}
                schema.pop("openapi", None)
                self.jsonschema.Draft202012Validator(
                    schema, format_checker=self.jsonschema.Draft202012Validator.FORMAT_CHECKER
                ).validate(response.json())
        for name, header in documented.get("headers", {}).items():
            if _resolve(self.spec, header).get("required"):
                assert name in response.headers, (path, method, status, name)
        self.checked.add((path, method, status))


def test_live_answers_conform(api, emu, spec, token, http):
    check = Conformance(spec)
    jobs, job, files = "/data/reports/{type}/jobs", "/data/reports/{type}/jobs/{id}", "/data/reports/{type}/files/{id}"
    grant = {"grant_type": "client_credentials"}

    check(http.post(emu.token_url, data=grant, auth=(emu.client_id, emu.client_secret)), "/oauth/token", "post")
    check(http.post(emu.token_url, data={}, auth=(emu.client_id, emu.client_secret)), "/oauth/token", "post")
    check(http.post(emu.token_url, data=grant, auth=(emu.client_id, "x")), "/oauth/token", "post")

    check(api.create({"format": "json", "timespan": window(emu)}), jobs, "post")
    check(api.create({"timespan": {}}), jobs, "post")
    check(api.create(raw=b"nope"), jobs, "post")
    check(api.create(slug="nope"), jobs, "post")
    check(api.http.post(api.jobs_url(), json={}), jobs, "post")
    check(api.create(token=token(scope="data-reports:read")), jobs, "post")

    emu.configure(progression={"polls": 2})
    running = api.create_id()
    check(api.status(running), job, "get")
    check(api.files(running), files, "get")
    check(api.http.get(api.jobs_url(), headers=api.bearer()), jobs, "get")
    check(api.http.get(api.jobs_url(), params={"per_page": 0}, headers=api.bearer()), jobs, "get")
    check(api.status(running), job, "get")  # done: 303
    for code in (300, 302):
        emu.configure(progression="immediate", job_redirect_status=code)
        check(api.status(api.create_id()), job, "get")
    emu.configure(files_redirect_status=303, envelope="flat")
    flat = api.create_id()
    check(api.status(flat), job, "get")
    check(api.files(flat), files, "get")

    emu.configure(envelope="enveloped", files_redirect_status=302, progression={"polls": 9})
    doomed = api.create_id()
    check(api.http.delete(api.job_url(doomed), headers=api.bearer()), job, "delete")
    check(api.http.delete(api.job_url(doomed), headers=api.bearer()), job, "delete")
    check(api.status(doomed), job, "get")  # 200 canceled
    check(api.files(doomed), files, "get")  # 404
    emu.configure(progression="immediate")
    done = api.create_id({"format": "json", "timespan": window(emu)})
    url = api.storage_url(done)
    check(api.http.get(url), "/_storage/{object}", "get")
    check(api.http.get(url, headers=api.bearer()), "/_storage/{object}", "get")
    check(api.http.get(url.replace("X-Amz-Signature=", "X-Amz-Signature=f")), "/_storage/{object}", "get")
    check(api.http.delete(api.files_url(done), headers=api.bearer()), files, "delete")
    check(api.http.get(url), "/_storage/{object}", "get")  # 404
    check(api.http.delete(api.files_url(done), headers=api.bearer()), files, "delete")  # 403

    emu.configure(quota=1, progression={"polls": 9})
    api.create_id()
    check(api.create(), jobs, "post")  # 429
    api.bearer()
    emu.inject("status", status=503, endpoint="create")
    check(api.create(), jobs, "post")

    base = emu.base_url
    check(http.get(f"{base}/_emulator/"), "/_emulator/", "get")
    check(http.get(f"{base}/_emulator/settings"), "/_emulator/settings", "get")
    check(http.post(f"{base}/_emulator/settings", json={"row_limit": 5}), "/_emulator/settings", "post")
    check(http.post(f"{base}/_emulator/settings", json={"nope": 5}), "/_emulator/settings", "post")
    check(http.get(f"{base}/_emulator/faults"), "/_emulator/faults", "get")
    check(http.post(f"{base}/_emulator/faults", json={"fault": "slow", "delay": 0, "endpoint": "list"}),
          "/_emulator/faults", "post")
    check(http.get(f"{base}/_emulator/clock"), "/_emulator/clock", "get")
    check(http.post(f"{base}/_emulator/clock", json={"advance": 1}), "/_emulator/clock", "post")
    check(http.post(f"{base}/_emulator/clients", json={"client_id": "c", "client_secret": "s"}),
          "/_emulator/clients", "post")
    check(http.get(f"{base}/_emulator/jobs"), "/_emulator/jobs", "get")
    check(http.get(f"{base}/_emulator/stats"), "/_emulator/stats", "get")
    check(http.get(f"{base}/_emulator/truth", params={"report": "calls", "from": "2026-01-01T00:00:00Z",
                                                       "to": "2026-01-02T00:00:00Z"}), "/_emulator/truth", "get")
    check(http.post(f"{base}/_emulator/tokens/revoke"), "/_emulator/tokens/revoke", "post")
    check(http.post(f"{base}/_emulator/reset"), "/_emulator/reset", "post")
    check(http.get(f"{base}/openapi.json"), "/openapi.json", "get")

    assert len(check.checked) >= 40
