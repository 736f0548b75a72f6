"""The network probes behind ``explore-pandas doctor``: names, TLS, the server's clock, a token.

Each probe returns what it saw (or raises the library's own error); judging it
and saying what to do is :mod:`explore_pandas.api.doctor`'s job. Nothing here
returns, logs or formats a secret or a token: the token probe keeps only the
granted scopes and the lifetime.
"""

from __future__ import annotations

import email.utils
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.auth import HTTPBasicAuth

from explore_pandas.api.config import Settings
from explore_pandas.api.transport import Transport

__all__ = ["Answer", "Granted", "Resolver", "ca_bundle", "ca_bundle_problem", "fetch_scopes", "origin", "probe", "proxy_for",
           "redact_userinfo", "resolve_host"]

#: ``socket.getaddrinfo``'s signature; tests inject their own.
Resolver = Callable[..., Any]


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def resolve_host(url: str, resolver: Resolver = socket.getaddrinfo) -> list[str]:
    """The addresses ``url``'s host resolves to; OSError (``socket.gaierror``) when it does not."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    found = resolver(parts.hostname or "", port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(entry[4][0]) for entry in found))


@dataclass(frozen=True)
class Answer:
    """What one origin answered to a plain ``GET /``: its TLS version and its ``Date``."""

    url: str
    status: int
    tls_version: str | None  # None for plain http
    server_date: datetime | None
    received_at: datetime


def probe(transport: Transport, url: str) -> Answer:
    """``GET`` the origin of ``url`` (no credentials); raises TransportError when no answer came.

    Any HTTP status is an answer: it proves names, routes and TLS work.
    """
    target = origin(url) + "/"
    response = transport.request("GET", target, raise_for_status=False, stream=True)
    try:
        received = datetime.now(timezone.utc)
        return Answer(target, response.status_code, _tls_version(response),
                      _parse_date(response.headers.get("Date")), received)
    finally:
        response.close()


def _tls_version(response: requests.Response) -> str | None:
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    version = getattr(sock, "version", None)
    return str(version()) if callable(version) and version() else None


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Granted:
    """A token request's outcome, without the token: the scopes granted and the lifetime."""

    scopes: tuple[str, ...] | None  # None when the answer lists none
    expires_in: float | None


def fetch_scopes(transport: Transport, settings: Settings) -> Granted:
    """Ask Talkdesk ID for a token **without** a ``scope``: the answer lists every scope granted.

    The token itself is dropped at once. Raises the transport's errors
    (:class:`AuthenticationError` for refused credentials, TransportError).
    """
    response = transport.request(
        "POST", settings.token_url, data={"grant_type": "client_credentials"},
        auth=HTTPBasicAuth(settings.client_id, settings.client_secret), token_endpoint=True,
    )
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    scope = body.get("scope")
    expires = body.get("expires_in")
    return Granted(
        scopes=tuple(str(scope).split()) if isinstance(scope, str) else None,
        expires_in=float(expires) if isinstance(expires, (int, float)) else None,
    )


def proxy_for(url: str) -> str | None:
    """The proxy ``requests`` uses for ``url`` from the environment (NO_PROXY honoured), redacted."""
    proxies = requests.utils.get_environ_proxies(url)
    chosen = requests.utils.select_proxy(url, proxies)
    return None if chosen is None else redact_userinfo(chosen)


def redact_userinfo(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def ca_bundle(verify: bool | str) -> tuple[str | None, str]:
    """``(path, where it comes from)`` of the CA bundle a request trusts; path None when unchecked."""
    if verify is False:
        return None, "verify=False: certificates are NOT checked"
    if isinstance(verify, str):
        return verify, "verify= argument"
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        value = os.environ.get(name)
        if value:
            return value, name
    return requests.utils.DEFAULT_CA_BUNDLE_PATH, "certifi (requests' default)"


def ca_bundle_problem(path: str) -> str | None:
    """What makes a CA bundle file unusable: ``"no such file"``, ``"holds no CA certificate OpenSSL
    can read"`` (empty, not PEM), or None when OpenSSL loads it."""
    import ssl

    if not os.path.exists(path):
        return "no such file"
    try:
        ssl.create_default_context(cafile=path) if os.path.isfile(path) else ssl.create_default_context(capath=path)
    except (ssl.SSLError, OSError):
        return "holds no CA certificate OpenSSL can read"
    return None
