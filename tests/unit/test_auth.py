"""auth: token caching, early renewal, single flight, loopback-only http, no leaks."""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from urllib.parse import parse_qs

import pytest
import requests
from requests.adapters import BaseAdapter

from explore_pandas.api.auth import BearerAuth, NoAuth, TokenSource, _oauthlib_url
from explore_pandas.api.config import Settings
from explore_pandas.api.transport import Transport
from explore_pandas.exceptions import AuthenticationError, ConfigurationError

SECRET = "very-secret-value"


class TokenServer(BaseAdapter):
    """A token endpoint behind requests' adapter interface: counts and checks requests."""

    def __init__(self, expires_in: int = 600, delay: float = 0.0, status: int = 200) -> None:
        super().__init__()
        self.requests: list[requests.PreparedRequest] = []
        self.expires_in, self.delay, self.status = expires_in, delay, status
        self.lock = threading.Lock()

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        with self.lock:
            self.requests.append(request)
            n = len(self.requests)
        time.sleep(self.delay)
        r = requests.Response()
        r.status_code = self.status
        body = (
            {"access_token": f"tok-{n}", "token_type": "Bearer", "expires_in": self.expires_in,
             "scope": "data-reports:read data-reports:write"}
            if self.status == 200
            else {"error": "invalid_client", "error_description": "unknown client"}
        )
        r._content = json.dumps(body).encode()
        r.url = request.url
        r.request = request
        return r

    def close(self) -> None:
        pass


def source(url: str = "http://127.0.0.1:9/oauth/token", **kw: object) -> tuple[TokenSource, TokenServer, list[float]]:
    now = [0.0]
    settings = Settings.resolve(client_id="cid", client_secret=SECRET, base_url="http://127.0.0.1:9", token_url=url)
    transport = Transport()
    server = TokenServer(**kw)  # type: ignore[arg-type]
    transport.session.mount("http://", server)
    transport.session.mount("https://", server)
    return TokenSource(settings, transport, clock=lambda: now[0]), server, now


def test_token_request_is_client_credentials_with_basic_auth_and_scopes() -> None:
    tokens, server, _ = source()
    assert tokens.get() == "tok-1"
    (sent,) = server.requests
    assert sent.method == "POST" and sent.url == "http://127.0.0.1:9/oauth/token"
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(f"cid:{SECRET}".encode()).decode()
    form = parse_qs(sent.body)
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == ["data-reports:read data-reports:write"]
    assert "client_secret" not in form and "client_id" not in form


def test_plain_http_to_loopback_works_without_touching_the_environment() -> None:
    before = dict(os.environ)
    tokens, _, _ = source("http://localhost:9/oauth/token")
    tokens.get()
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ and dict(os.environ) == before


def test_non_loopback_http_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        _oauthlib_url("http://auth.example.com/oauth/token")
    assert _oauthlib_url("http://127.0.0.1:1/t") == "https://127.0.0.1:1/t"
    assert _oauthlib_url("https://a.talkdeskid.com/t") == "https://a.talkdeskid.com/t"


def test_token_is_cached_and_renewed_60_s_before_expiry() -> None:
    tokens, server, now = source(expires_in=600)
    assert tokens.get() == "tok-1"
    now[0] = 539.0
    assert tokens.get() == "tok-1"
    now[0] = 540.0
    assert tokens.get() == "tok-2" and tokens.fetches == 2


def test_short_lived_tokens_renew_a_tenth_early() -> None:
    tokens, _, now = source(expires_in=10)
    tokens.get()
    now[0] = 8.9
    assert tokens.get() == "tok-1"
    now[0] = 9.0
    assert tokens.get() == "tok-2"


def test_invalidate_only_drops_the_failed_token() -> None:
    tokens, server, _ = source()
    first = tokens.get()
    tokens.invalidate("some-older-token")
    assert tokens.get() == first
    tokens.invalidate(first)
    assert tokens.get() == "tok-2"


def test_fifteen_threads_cause_one_token_request() -> None:
    tokens, server, _ = source(delay=0.2)
    barrier = threading.Barrier(15)
    results: list[str] = []

    def worker() -> None:
        barrier.wait()
        results.append(tokens.get())

    threads = [threading.Thread(target=worker) for _ in range(15)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["tok-1"] * 15 and len(server.requests) == 1


def test_refused_credentials_raise_authentication_error_without_the_secret() -> None:
    tokens, _, _ = source(status=401)
    with pytest.raises(AuthenticationError) as info:
        tokens.get()
    assert info.value.status == 401 and info.value.code == "invalid_client"
    assert str(info.value).endswith("check the client id and secret of the OAuth client in Talkdesk.")
    assert "scope" not in str(info.value) and SECRET not in str(info.value)  # a bad secret is not about scopes


def test_the_fix_of_a_refusal_fits_its_reason() -> None:
    from explore_pandas.api.auth import refusal_fix

    scopes = ("data-reports:read", "data-reports:write")
    assert refusal_fix(AuthenticationError("", status=400, code="invalid_scope"), scopes, ["data-reports:write"]) == (
        "the OAuth client is not granted data-reports:write: add it to the client in Talkdesk (new scopes take a "
        "few minutes)")
    assert refusal_fix(AuthenticationError("", status=400, code="invalid_scope"), scopes).startswith(
        "the OAuth client is not granted data-reports:read and data-reports:write: add them")
    assert refusal_fix(AuthenticationError("", status=404, code="not_found"), scopes).startswith(
        "the token URL answered 404")


def test_requests_oauthlib_debug_logs_do_not_leak(caplog: pytest.LogCaptureFixture) -> None:
    tokens, _, _ = source()
    with caplog.at_level(logging.DEBUG):
        token = tokens.get()
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert caplog.records, "requests-oauthlib should have logged at DEBUG"
    assert token not in text and SECRET not in text
    assert base64.b64encode(f"cid:{SECRET}".encode()).decode() not in text


def test_bearer_and_no_auth_headers() -> None:
    prepared = requests.Request("GET", "https://x/y", auth=BearerAuth("abc")).prepare()
    assert prepared.headers["Authorization"] == "Bearer abc"
    assert "abc" not in repr(BearerAuth("abc"))
    prepared = requests.Request("GET", "https://s3/y", headers={"Authorization": "Bearer abc"}, auth=NoAuth()).prepare()
    assert "Authorization" not in prepared.headers
