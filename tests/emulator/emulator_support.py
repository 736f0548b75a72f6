"""Helpers shared by the emulator tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import requests

from explore_pandas.emulator import Emulator

SEED = 11
READ = "data-reports:read"
WRITE = "data-reports:write"


def iso(moment: datetime) -> str:
    """``2026-01-02T03:04:05Z`` (whole seconds, UTC), as clients send timespans."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def window(emu: Emulator, *, hours: float = 1.0, ago: float = 1.0) -> dict[str, str]:
    """A timespan of ``hours`` ending ``ago`` hours before the emulator's now."""
    end = emu.clock.now().replace(microsecond=0) - timedelta(hours=ago)
    return {"from": iso(end - timedelta(hours=hours)), "to": iso(end)}


def decode_jwt_claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


class OneConnectionPerRequest(requests.Session):
    """A plain ``requests.Session`` that closes its connections after each (non-streamed) call.

    The emulator writes the headers and the body of an answer in two TCP sends without
    TCP_NODELAY, so on a reused keep-alive connection every answer waits for the client's
    delayed ACK (~40 ms on Linux). A fresh connection per request keeps this suite fast;
    the delay itself is pinned by test_http_server.py::test_keep_alive_answers_are_not_delayed.
    """

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        try:
            return super().request(*args, **kwargs)
        finally:
            if not kwargs.get("stream"):
                self.close()


class Api:
    """Thin helpers over one session; they return ``requests.Response`` objects, read and released."""

    def __init__(self, emu: Emulator, session: requests.Session, token: Callable[..., str]) -> None:
        self.emu = emu
        self.http = session
        self._token = token
        self._cached: str | None = None

    # -- auth ----------------------------------------------------------------------------
    def bearer(self, token: str | None = None) -> dict[str, str]:
        if token is None:
            if self._cached is None:
                self._cached = self._token()
            token = self._cached
        return {"Authorization": f"Bearer {token}"}

    def forget_token(self) -> None:
        self._cached = None

    # -- urls ----------------------------------------------------------------------------
    def jobs_url(self, slug: str = "calls") -> str:
        return f"{self.emu.base_url}/data/reports/{slug}/jobs"

    def job_url(self, job_id: str, slug: str = "calls") -> str:
        return f"{self.emu.base_url}/data/reports/{slug}/jobs/{job_id}"

    def files_url(self, job_id: str, slug: str = "calls") -> str:
        return f"{self.emu.base_url}/data/reports/{slug}/files/{job_id}"

    # -- calls ---------------------------------------------------------------------------
    def create(self, body: Any = None, *, slug: str = "calls", token: str | None = None,
               headers: dict[str, str] | None = None, raw: bytes | None = None) -> requests.Response:
        """POST a create; ``body`` None means a valid 1-hour window an hour ago."""
        if body is None and raw is None:
            body = {"timespan": window(self.emu)}
        all_headers = {**self.bearer(token), **(headers or {})}
        if raw is not None:
            all_headers.setdefault("Content-Type", "application/json")
            return self.http.post(self.jobs_url(slug), data=raw, headers=all_headers)
        return self.http.post(self.jobs_url(slug), json=body, headers=all_headers)

    def create_id(self, body: Any = None, *, slug: str = "calls") -> str:
        response = self.create(body, slug=slug)
        assert response.status_code == 202, response.text
        data = response.json()
        return data["job"]["id"] if "job" in data else data["id"]

    def status(self, job_id: str, *, slug: str = "calls", token: str | None = None) -> requests.Response:
        return self.http.get(self.job_url(job_id, slug), headers=self.bearer(token), allow_redirects=False)

    def files(self, job_id: str, *, slug: str = "calls", token: str | None = None) -> requests.Response:
        return self.http.get(self.files_url(job_id, slug), headers=self.bearer(token), allow_redirects=False)

    def storage_url(self, job_id: str, *, slug: str = "calls") -> str:
        response = self.files(job_id, slug=slug)
        assert response.status_code in (302, 303), response.text
        return response.headers["Location"]

    def download(self, job_id: str, *, slug: str = "calls") -> requests.Response:
        """The file of a done job, fetched from storage without Authorization."""
        response = self.http.get(self.storage_url(job_id, slug=slug))
        assert response.status_code == 200, response.text
        return response

    def truth(self, job_id: str) -> dict[str, Any]:
        (job,) = [job for job in self.emu.jobs() if job["id"] == job_id]
        return job


def assert_api_error(response: requests.Response, status: int, *, field: str | None = None,
                     code: str | None = None) -> dict[str, Any]:
    """The status, the documented error body shape, and (if given) the field it names."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "description", "message", "fields"}, body
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["description"], str) and body["description"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], list)
    for item in body["fields"]:
        assert set(item) == {"name", "description"}, item
        assert item["description"]
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert field in [item["name"] for item in body["fields"]], body
    return body
