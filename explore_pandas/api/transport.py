"""HTTP for the whole client: one session, TLS >= 1.2, timeouts, retries, errors.

- Every request has a timeout and never follows redirects: the client reads the
  Explore API's 300/302/303 answers itself (``explore-api.md`` section 9).
- 429, 503 and connection errors are retried with capped, jittered exponential
  backoff; ``Retry-After`` is honoured. Randomness and sleep are injected.
- A request that must not be repeated blindly (``idempotent=False``: creating a
  job) is retried only when the server certainly did not act on it; when the
  outcome is unknown the caller gets ``TransportError(request_sent=True)``.
- :func:`error_for` is the one place where an HTTP status becomes an exception.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import re
import ssl
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, cast
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.ssl_ import create_urllib3_context

from explore_pandas.api import redaction
from explore_pandas.api.retry import DEFAULT_RETRY_POLICY, RetryPolicy
from explore_pandas.exceptions import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    ForbiddenError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
)
from explore_pandas.spec import DATA_LATENCY

__all__ = ["DEFAULT_TIMEOUT", "TLS12Adapter", "Transport", "clock_skew_error", "error_class", "error_for",
           "missing_ca_bundle", "tls_reason"]

log = logging.getLogger(__name__)
redaction.install()  # before any request: no token or URL signature in any log

#: (connect, read) seconds; the read timeout applies between bytes, also when streaming.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 60.0)

#: HTTP status -> exception. The only place this mapping exists (design.md section 5).
_STATUS_ERRORS: Mapping[int, type[APIError]] = {
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    429: RateLimitError,
}
#: Answers that mean "not now": the server did not act on the request, so it can be repeated.
RETRY_STATUSES = frozenset({429, 503})


def error_class(status: int, *, token_endpoint: bool = False) -> type[APIError]:
    """The exception class of an HTTP error status.

    At the token endpoint every refusal below 429 is about the client
    credentials (OAuth answers 400 ``invalid_client``, 401 or 403), so it is an
    :class:`AuthenticationError` (a 403 stays :class:`ForbiddenError`).
    """
    cls = _STATUS_ERRORS.get(status) or (ServerError if status >= 500 else APIError)
    if token_endpoint and 400 <= status < 429 and not issubclass(cls, AuthenticationError):
        return AuthenticationError
    return cls


def error_for(response: requests.Response, *, token_endpoint: bool = False) -> APIError | ValidationError:
    """The exception for an error response, with the API's error body and ``platform-tid``.

    Reads the Explore error body (``code``, ``description``, ``message``,
    ``fields``) and the OAuth one (``error``, ``error_description``).
    """
    status = response.status_code
    cls = error_class(status, token_endpoint=token_endpoint)
    try:
        body = response.json()
    except (ValueError, requests.RequestException):  # not JSON, or the body was cut off:
        body = None  # the status alone still says what happened
    if not isinstance(body, dict):
        body = {}
    code = body.get("code") or body.get("error")
    description = body.get("description") or body.get("error_description")
    message = body.get("message")
    fields = body.get("fields") if isinstance(body.get("fields"), list) else []
    detail = "; ".join(str(part) for part in (message, description) if part) or response.reason
    text = f"{status} {detail or ''} from {response.request.method} {_redact(response.url)}".strip()
    extra: dict[str, Any] = {}
    if cls is RateLimitError:
        extra["retry_after"] = retry_after_seconds(response.headers.get("Retry-After"))
    error = cls(
        text,
        status=status,
        code=None if code is None else str(code),
        description=description,
        api_message=message,
        body=body,
        fields=fields,
        request_id=response.headers.get("platform-tid"),
        **extra,
    )
    if response.request.method != "POST":  # only creating a job sends an end
        return error
    return clock_skew_error(error, response.headers.get("Date")) or error


def clock_skew_error(error: APIError, server_date: str | None, *,
                     now: datetime | None = None) -> ValidationError | None:
    """A 400 saying the end is in the future, as a :class:`ValidationError` about clock skew.

    The library refuses future ends itself, by this machine's clock; when the
    server still says "future", its clock is behind this one. The error keeps
    every field of the API's (status, fields, request id) and says the
    server's time (its ``Date`` header) and an end that it takes.
    """
    parts = [getattr(error, "api_message", None), error.description,
             *(f.get("description") for f in error.fields if isinstance(f, dict))]
    if error.status != 400 or "future" not in " ".join(str(p) for p in parts if p).lower():
        return None
    local = now or datetime.now(timezone.utc)
    try:
        server = email.utils.parsedate_to_datetime(server_date) if server_date else None
    except (TypeError, ValueError):
        server = None
    if server is not None and server.tzinfo is None:
        server = server.replace(tzinfo=timezone.utc)
    if server is None:
        when = "the server sent no time (no Date header)"
        safe = local - 2 * DATA_LATENCY
    else:
        ahead = (local - server).total_seconds()  # > 0: this machine's clock is ahead of the server's
        when = (f"the server's time is {server:%Y-%m-%dT%H:%M:%S}Z (its Date header), this machine's "
                f"{local:%Y-%m-%dT%H:%M:%S}Z: this machine's clock is {abs(ahead):.0f} s "
                f"{'ahead of' if ahead >= 0 else 'behind'} the server's")
        safe = server - DATA_LATENCY
    safe = safe.replace(second=0, microsecond=0)
    return cast(ValidationError, error.with_message(
        f"timespan.to: the server refused the end as in the future, though this machine's clock says it "
        f"is past: the clocks differ (clock skew); {when}. Pass an end at least 5 minutes before the "
        f"server's time, e.g. end='{safe:%Y-%m-%dT%H:%M:%S}Z', or set this machine's clock (NTP). "
        f"({error})",
        ValidationError,
    ))


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _redact(url: str) -> str:
    """A URL without its query string (storage URLs carry signatures)."""
    return url.split("?", 1)[0]


class TLS12Adapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose SSL context refuses anything below TLS 1.2."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        self.ssl_context = create_urllib3_context(ssl_minimum_version=ssl.TLSVersion.TLSv1_2)
        kwargs["ssl_context"] = self.ssl_context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs.setdefault("ssl_context", self.ssl_context)
        return super().proxy_manager_for(proxy, **proxy_kwargs)


class Transport:
    """The one ``requests.Session`` of a client, with retries and error mapping.

    Parameters
    ----------
    timeout : (connect, read) seconds, or one number for both.
    retry : the :class:`RetryPolicy`.
    verify : ``True``, ``False`` or a CA bundle path (``Emulator(tls=True).ca_file``).
    sleep, rng : injected for tests (``time.sleep`` and ``random.random``).
    """

    def __init__(
        self,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        verify: bool | str = True,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        user_agent: str = "explore_pandas",
    ) -> None:
        if isinstance(timeout, (int, float)):
            timeout = (float(timeout), float(timeout))
        if timeout is None or min(timeout) <= 0:
            raise ConfigurationError(f"timeout={timeout!r}: every request needs a positive timeout.")
        self.timeout = timeout
        self.retry = retry
        self.verify = verify
        self._sleep = sleep
        self._rng = rng
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.mount("https://", TLS12Adapter())
        self.session.mount("http://", HTTPAdapter())

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool = True,
        raise_for_status: bool = True,
        on_retry: Callable[[int | None], None] | None = None,
        token_endpoint: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request, retrying what is safe to retry; never follow redirects.

        Returns the response for any status below 400 (3xx included). Raises the
        :func:`error_for` exception otherwise (unless ``raise_for_status=False``),
        and :class:`TransportError` when no answer came back; its ``request_sent``
        is True when the server may have acted on the request. ``on_retry`` hears
        of each retry before its pause: the status (429, 503) or None for a
        connection error (a pull lowers its concurrency on a 429). ``token_endpoint``
        maps refusals as :func:`error_class` says.
        """
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("verify", self.verify)
        kwargs["allow_redirects"] = False
        attempt = 0
        while True:
            response, failure = self._send(method, url, kwargs)
            # Raised here, outside any except block, so that our error has no __context__:
            # requests' exception holds the request, Authorization header included, and
            # pickling that carries chains along (tblib, which dask installs) would leak it.
            if isinstance(failure, requests.exceptions.SSLError):
                raise TransportError(f"TLS failed for {method} {_redact(url)}: {tls_reason(failure)}",
                                     request_sent=False)
            if failure is not None:
                sent = _maybe_sent(failure)
                if (idempotent or not sent) and attempt < self.retry.max_retries:
                    if on_retry is not None:
                        on_retry(None)
                    self._pause(attempt, None, f"{type(failure).__name__} on {method} {_redact(url)}")
                    attempt += 1
                    continue
                raise TransportError(
                    f"no answer to {method} {_redact(url)} after {attempt + 1} attempt{'' if attempt == 0 else 's'} "
                    f"({_connection_reason(failure)}): check that the server at {_origin(url)} is running and "
                    "reachable (the network, a firewall, HTTPS_PROXY and NO_PROXY); `explore-pandas doctor` "
                    "checks each step",
                    failure=type(failure).__name__,
                    request_sent=sent,
                    attempts=attempt + 1,
                )
            assert response is not None
            if response.status_code < 400 or not raise_for_status:
                return response
            error = error_for(response, token_endpoint=token_endpoint)
            if response.status_code in RETRY_STATUSES and attempt < self.retry.max_retries:
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                if retry_after is None or retry_after <= self.retry.max_retry_after:
                    response.close()
                    if on_retry is not None:
                        on_retry(response.status_code)
                    self._pause(attempt, retry_after, f"{response.status_code} on {method} {_redact(url)}")
                    attempt += 1
                    continue
            response.close()
            raise error

    def _send(self, method: str, url: str, kwargs: dict[str, Any]) -> tuple[requests.Response | None, Exception | None]:
        """The response, or the connection-level failure (returned, not raised: see request)."""
        try:
            return self.session.request(method, url, **kwargs), None
        except (requests.ConnectionError, requests.Timeout) as error:
            if isinstance(error, requests.exceptions.SSLError) and any(
                    words in str(error) for words in _UNUSABLE_BUNDLE):  # no retry can help: a setting
                raise missing_ca_bundle(self.verify, "holds no CA certificate OpenSSL can read") from None
            return None, error
        except OSError as error:  # requests' own: a CA bundle path that is not a file
            if "CA certificate bundle" not in str(error):
                raise
        raise missing_ca_bundle(self.verify)

    def _pause(self, attempt: int, retry_after: float | None, why: str) -> None:
        delay = self.retry.delay(attempt, retry_after, self._rng)
        log.info("%s: retry %d of %d in %.2f s", why, attempt + 1, self.retry.max_retries, delay)
        self._sleep(delay)


def tls_reason(failure: Exception) -> str:
    """OpenSSL's reason, ``certificate verify failed: self-signed certificate (CERTIFICATE_VERIFY_FAILED)``,
    and what to do about an untrusted certificate; not requests' whole pool and retry dump."""
    found = re.search(r"\[SSL: ([A-Z0-9_]+)\] ([^(]+?)\s*\(_ssl", str(failure))
    if found is None:
        return f"{type(failure).__name__}: {failure}"
    reason = f"{found.group(2)} ({found.group(1)})"
    if found.group(1) == "CERTIFICATE_VERIFY_FAILED":
        reason += (". The certificate is not trusted by the CA bundle in use: behind a TLS-inspecting proxy, "
                   "point REQUESTS_CA_BUNDLE at your company's CA bundle")
    return reason


#: Words of a connection failure, as the OS says them.
_CONNECTION_REASONS = ("Connection refused", "Name or service not known", "Temporary failure in name resolution",
                       "nodename nor servname provided", "No route to host", "Network is unreachable",
                       "timed out", "Connection reset by peer", "Connection aborted", "Remote end closed")


def _connection_reason(failure: Exception) -> str:
    text = str(failure)
    found = next((words for words in _CONNECTION_REASONS if words in text), None)
    return found.lower() if found else type(failure).__name__


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


#: OpenSSL's words for a CA bundle file it cannot load (empty, not PEM, no certificate in it).
_UNUSABLE_BUNDLE = ("NO_CERTIFICATE_OR_CRL_FOUND", "PEM lib", "NO_START_LINE", "BAD_BASE64_DECODE")


def missing_ca_bundle(verify: bool | str, why: str = "is not a file") -> ConfigurationError:
    """The CA bundle that certificates are checked with is not a file (or ``why``): a setting to
    fix, said with its name."""
    if isinstance(verify, str):
        name, path = "verify", verify
    else:
        name, path = next(((n, os.environ[n]) for n in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE") if os.environ.get(n)),
                          ("REQUESTS_CA_BUNDLE", "?"))
    return ConfigurationError(
        f"{name}={path} {why}, so no server certificate can be checked. Point {name} at an existing "
        "CA bundle file (your company's, behind a TLS-inspecting proxy), or unset it to use certifi's.",
        setting=name,
    )


def _maybe_sent(error: Exception) -> bool:
    """False only when the request certainly never reached the server."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return False
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError wraps the cause
    return not isinstance(reason, urllib3.exceptions.NewConnectionError)
