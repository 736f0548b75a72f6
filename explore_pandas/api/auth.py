"""Client-credentials tokens from Talkdesk ID, cached and renewed by us.

requests-oauthlib builds the token request (``BackendApplicationClient``, HTTP
Basic client authentication) and parses the answer; the request itself goes
through the client's :class:`~explore_pandas.api.transport.Transport`, so it gets the
same TLS, timeout and retry rules. Client-credentials tokens have no refresh
token (requests-oauthlib issue #260), so renewal is ours: about 60 s before
``expires_in`` runs out, and once after a 401. One lock makes renewal
single-flight: 15 threads that need a token cause one token request.

Plain ``http://`` is accepted only for loopback hosts, without touching
``OAUTHLIB_INSECURE_TRANSPORT``: oauthlib 4.0.1's ``is_secure_transport`` reads
that variable from ``os.environ`` (process-wide) or else requires the URL to
start with ``https://``. We hand oauthlib the ``https://`` spelling of a loopback
URL and send the request to the real one ourselves (see ``_TokenSession``).
Nothing here logs a token or a secret, and requests-oauthlib's own DEBUG
records (which print tokens and the Basic header) are redacted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from oauthlib.oauth2 import BackendApplicationClient, OAuth2Error
from requests_oauthlib import OAuth2Session

from explore_pandas.api.config import Settings, is_loopback_url
from explore_pandas.api.transport import Transport
from explore_pandas.exceptions import AuthenticationError, ConfigurationError

__all__ = ["BearerAuth", "NoAuth", "TokenSource", "refusal_fix"]

log = logging.getLogger(__name__)

#: Assumed lifetime when the server omits ``expires_in`` (Talkdesk tokens last 600 s).
DEFAULT_EXPIRES_IN = 600.0
#: Renew this long before expiry, at most (a tenth of the lifetime for short-lived tokens).
RENEW_MARGIN = 60.0


def refusal_fix(error: AuthenticationError, scopes: tuple[str, ...] | list[str],
                missing: list[str] | None = None) -> str:
    """What to do when the token URL refused: fitted to why (no such URL, a scope, the id or secret)."""
    if getattr(error, "status", None) == 404:
        return ("the token URL answered 404, so it is not a token endpoint: check the token URL "
                "(https://<account>.talkdeskid.com/oauth/token for your account and region)")
    if getattr(error, "code", None) == "invalid_scope":
        lacking = " and ".join(missing or scopes)
        return (f"the OAuth client is not granted {lacking}: add {'it' if len(missing or scopes) == 1 else 'them'} "
                "to the client in Talkdesk (new scopes take a few minutes)")
    return "check the client id and secret of the OAuth client in Talkdesk"


class BearerAuth(requests.auth.AuthBase):
    """Adds ``Authorization: Bearer <token>`` to one request."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(<redacted>)"


class NoAuth(requests.auth.AuthBase):
    """Guarantees a request carries no ``Authorization`` header (storage URLs).

    Passing an explicit auth also stops requests from adding ``.netrc`` credentials.
    """

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        return request


class _TokenSession(OAuth2Session):  # type: ignore[misc]  # requests_oauthlib ships no types: base is Any
    """An ``OAuth2Session`` that only builds and parses; the transport sends."""

    def __init__(self, settings: Settings, transport: Transport) -> None:
        super().__init__(
            client=BackendApplicationClient(client_id=settings.client_id, scope=list(settings.scopes)),
            scope=list(settings.scopes),
        )
        self._transport = transport
        self._real_url = settings.token_url
        self.checked_url = _oauthlib_url(settings.token_url)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        if url == self.checked_url:
            url = self._real_url
        kwargs.pop("proxies", None)
        kwargs.pop("cert", None)
        if kwargs.get("timeout") is None:
            kwargs.pop("timeout", None)
        if kwargs.get("verify") is None:
            kwargs.pop("verify", None)
        return self._transport.request(method, url, token_endpoint=url == self._real_url, **kwargs)


def _oauthlib_url(url: str) -> str:
    if url.lower().startswith("https://"):
        return url
    if url.lower().startswith("http://") and is_loopback_url(url):
        return "https://" + url[len("http://") :]
    raise ConfigurationError(
        f"token_url={url!r}: plain http is accepted only for loopback hosts.", setting="token_url"
    )


class TokenSource:
    """The current access token of one client: cached, renewed early, single-flight.

    Parameters
    ----------
    clock : monotonic seconds, injected for tests.
    """

    def __init__(
        self,
        settings: Settings,
        transport: Transport,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._transport = transport
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.fetches = 0  # token requests made, for tests and diagnostics
        _oauthlib_url(settings.token_url)  # refuse non-loopback http up front

    def get(self) -> str:
        """A token valid for at least the renewal margin; fetched if needed."""
        token, renew_at = self._token, self._renew_at
        if token is not None and self._clock() < renew_at:
            return token
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` after a 401, unless another thread already replaced it."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self) -> None:
        started = self._clock()
        session = _TokenSession(self._settings, self._transport)
        self.fetches += 1
        try:
            token = session.fetch_token(
                session.checked_url,
                client_secret=self._settings.client_secret,
                include_client_id=False,
            )
        except Warning as changed:  # oauthlib raises (not warns) when scopes differ
            token = getattr(changed, "token", None)
            if token is None:
                raise
            log.warning("token scopes differ from the request: %s", changed)
        except AuthenticationError as error:  # the transport's map: any refusal of the credentials
            raise error.with_message(
                f"Talkdesk ID refused the client credentials ({error.message}): "
                f"{refusal_fix(error, self._settings.scopes)}."
            ) from None
        except OAuth2Error as error:
            raise AuthenticationError(
                f"unusable token response from {self._settings.token_url.split('?')[0]}: "
                f"{error.error}",
                status=getattr(error, "status_code", None),
            ) from None
        finally:
            session.close()
        expires_in = float(token.get("expires_in") or DEFAULT_EXPIRES_IN)
        margin = min(RENEW_MARGIN, expires_in / 10)
        self._token = str(token["access_token"])
        self._renew_at = started + expires_in - margin
        log.debug("new access token, valid for %.0f s", expires_in)

    def __repr__(self) -> str:
        return f"TokenSource(token_url={self._settings.token_url!r}, cached={self._token is not None})"
