"""transport: the status -> exception table, backoff, Retry-After, TLS floor, retries.

Retries are driven through a scripted ``requests`` adapter (requests' own
extension point for transports), so nothing is mocked and no socket is opened.
"""

from __future__ import annotations

import json
import pickle
import ssl
from datetime import datetime, timedelta, timezone

import pytest
import requests
import urllib3
from requests.adapters import BaseAdapter

from explore_pandas.api.transport import (
    RetryPolicy,
    TLS12Adapter,
    Transport,
    error_for,
    retry_after_seconds,
)
from explore_pandas.exceptions import (
    APIError,
    AuthenticationError,
    ForbiddenError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TransportError,
)


def response(status: int, body: object = None, headers: dict[str, str] | None = None, method: str = "GET") -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r.reason = "Reason"
    r._content = b"" if body is None else json.dumps(body).encode()
    r.headers.update(headers or {})
    r.url = "https://api.example.com/data/reports/calls/jobs?sig=secret"
    r.request = requests.Request(method, r.url).prepare()
    return r


ERROR_BODY = {
    "code": "1001",
    "message": "Bad request",
    "description": "timespan.to is in the future",
    "fields": [{"name": "timespan.to", "description": "must not be in the future"}],
}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, APIError), (401, AuthenticationError), (403, ForbiddenError), (404, NotFoundError),
        (405, APIError), (429, RateLimitError), (500, ServerError), (503, ServerError), (504, ServerError),
    ],
)
def test_status_table(status: int, cls: type) -> None:
    error = error_for(response(status, ERROR_BODY, {"platform-tid": "013cce17-7603"}))
    assert type(error) is cls
    assert error.status == status and error.request_id == "013cce17-7603"
    assert (error.code, error.description, error.api_message) == ("1001", ERROR_BODY["description"], "Bad request")
    assert error.fields == ERROR_BODY["fields"]
    assert "platform-tid: 013cce17-7603" in str(error)
    assert "sig=secret" not in str(error)  # query strings (signatures) stay out of messages
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is cls and again.fields == error.fields and again.request_id == error.request_id


def test_403_is_an_authentication_error_and_oauth_bodies_are_read() -> None:
    error = error_for(response(401, {"error": "invalid_client", "error_description": "bad secret"}))
    assert error.code == "invalid_client" and error.description == "bad secret"
    assert issubclass(ForbiddenError, AuthenticationError)


def test_non_json_error_body() -> None:
    r = response(502)
    r._content = b"<html>bad gateway</html>"
    error = error_for(r)
    assert isinstance(error, ServerError) and error.fields == [] and error.code is None


def test_rate_limit_keeps_retry_after() -> None:
    assert error_for(response(429, headers={"Retry-After": "7"})).retry_after == 7
    assert error_for(response(429)).retry_after is None


def test_retry_after_parsing() -> None:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    http_date = (now + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert retry_after_seconds("12") == 12 and retry_after_seconds("1.5") == 1.5
    assert retry_after_seconds(http_date, now=now) == 30
    assert retry_after_seconds("-3") == 0 and retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(initial=0.5, multiplier=2, maximum=4)
    assert [policy.delay(n, None, lambda: 0.999999) for n in range(6)] == pytest.approx([0.5, 1, 2, 4, 4, 4], rel=1e-5)
    assert [policy.delay(n, None, lambda: 0.0) for n in range(4)] == [0.25, 0.5, 1, 2]
    assert policy.delay(0, 30, lambda: 0.5) == 30  # Retry-After is a floor


def test_tls_adapter_refuses_below_tls_1_2() -> None:
    adapter = TLS12Adapter()
    context = adapter.poolmanager.connection_pool_kw["ssl_context"]
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert isinstance(Transport().session.get_adapter("https://api.talkdeskapp.com"), TLS12Adapter)


class Scripted(BaseAdapter):
    """Answers from a script: a status code, or an exception to raise."""

    def __init__(self, *script: object) -> None:
        super().__init__()
        self.script = list(script)
        self.seen: list[requests.PreparedRequest] = []
        self.kwargs: list[dict] = []

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        self.seen.append(request)
        self.kwargs.append(kwargs)
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        status, headers = step if isinstance(step, tuple) else (step, {})
        r = response(status, ERROR_BODY if status >= 400 else {"ok": True}, headers, request.method)
        r.request = request
        return r

    def close(self) -> None:
        pass


def transport_with(*script: object, **kw: object) -> tuple[Transport, Scripted, list[float]]:
    sleeps: list[float] = []
    t = Transport(sleep=sleeps.append, rng=lambda: 0.0, **kw)  # type: ignore[arg-type]
    adapter = Scripted(*script)
    t.session.mount("https://", adapter)
    return t, adapter, sleeps


DROPPED = requests.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError()))
REFUSED = requests.ConnectionError(
    urllib3.exceptions.MaxRetryError(None, "/", urllib3.exceptions.NewConnectionError(None, "refused"))  # type: ignore[arg-type]
)
URL = "https://api.example.com/x"


def test_429_and_503_are_retried_with_backoff_and_retry_after() -> None:
    t, adapter, sleeps = transport_with((429, {"Retry-After": "3"}), 503, 429, 200)
    assert t.request("GET", URL).status_code == 200
    assert sleeps == [3, 0.5, 1.0] and len(adapter.seen) == 4


def test_every_request_has_a_timeout_and_never_follows_redirects() -> None:
    t, adapter, _ = transport_with(303, timeout=(1, 2))
    r = t.request("GET", URL)
    assert r.status_code == 303 and adapter.kwargs[0]["timeout"] == (1, 2)


def test_retries_run_out_into_the_mapped_error() -> None:
    t, adapter, sleeps = transport_with(*([429] * 3), retry=RetryPolicy(max_retries=2))
    with pytest.raises(RateLimitError):
        t.request("GET", URL)
    assert len(adapter.seen) == 3 and len(sleeps) == 2


def test_a_retry_after_beyond_the_limit_is_raised_at_once() -> None:
    t, adapter, sleeps = transport_with((429, {"Retry-After": "3600"}))
    with pytest.raises(RateLimitError) as info:
        t.request("GET", URL)
    assert info.value.retry_after == 3600 and sleeps == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500])
def test_other_errors_are_not_retried(status: int) -> None:
    t, adapter, _ = transport_with(status)
    with pytest.raises(APIError):
        t.request("GET", URL)
    assert len(adapter.seen) == 1


def test_connection_errors_are_retried_for_idempotent_requests() -> None:
    t, adapter, sleeps = transport_with(DROPPED, requests.ReadTimeout("slow"), 200)
    assert t.request("GET", URL).status_code == 200 and len(sleeps) == 2


def test_a_post_whose_outcome_is_unknown_is_not_retried() -> None:
    t, adapter, _ = transport_with(DROPPED, 202)
    with pytest.raises(TransportError) as info:
        t.request("POST", URL, idempotent=False)
    assert info.value.request_sent is True and len(adapter.seen) == 1


def test_a_post_that_never_left_is_retried() -> None:
    t, adapter, _ = transport_with(REFUSED, requests.ConnectTimeout("x"), 202)
    assert t.request("POST", URL, idempotent=False).status_code == 202


def test_a_post_answered_429_is_retried() -> None:
    t, adapter, _ = transport_with(429, 202)
    assert t.request("POST", URL, idempotent=False).status_code == 202


def test_bad_timeouts_are_refused() -> None:
    from explore_pandas.exceptions import ConfigurationError

    with pytest.raises(ConfigurationError):
        Transport(timeout=0)


def test_a_future_end_refused_on_create_is_a_validation_error_about_clock_skew() -> None:
    from explore_pandas.exceptions import ValidationError

    server = "Sun, 29 Nov 2026 17:00:00 GMT"
    error = error_for(response(400, ERROR_BODY, {"platform-tid": "tid-1", "Date": server}, method="POST"))
    assert type(error) is ValidationError and isinstance(error, ValueError)
    text = str(error)
    assert "clock skew" in text and "the server's time is 2026-11-29T17:00:00Z (its Date header)" in text
    assert "end='2026-11-29T16:55:00Z'" in text  # the data latency before the server's time
    assert error.status == 400 and error.request_id == "tid-1" and error.fields == ERROR_BODY["fields"]
    assert type(pickle.loads(pickle.dumps(error))) is ValidationError


def test_other_400s_stay_api_errors() -> None:
    body = {**ERROR_BODY, "description": "bad timezone", "fields": [{"name": "timezone", "description": "bad"}]}
    assert type(error_for(response(400, body, method="POST"))) is APIError
