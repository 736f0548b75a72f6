"""The emulated Talkdesk ID token endpoint: client credentials, Basic client auth.

Tokens are JWT-shaped like the real ones (the claims of ``explore-api.md``
section 3.2) but signed with HS256 and a per-emulator key, since the standard
library has no ES256. Clients must treat them as opaque anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Mapping

from explore_pandas.emulator.clock import Clock
from explore_pandas.emulator.errors import ApiFailure, OAuthFailure

READ = "data-reports:read"
WRITE = "data-reports:write"
DEFAULT_SCOPES = (READ, WRITE)


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]

    def __repr__(self) -> str:  # the secret stays out of reprs and logs
        return f"OAuthClient(client_id={self.client_id!r}, scopes={self.scopes!r})"


class TokenService:
    """Registered clients, issued tokens, their verification and revocation."""

    def __init__(self, clock: Clock, *, account: str, audience: str) -> None:
        self._clock = clock
        self._account = account
        self._audience = audience
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._clients: dict[str, OAuthClient] = {}
        self._live: set[str] = set()  # jti of tokens not revoked
        self.issued = 0

    def add_client(self, client_id: str, client_secret: str, scopes: tuple[str, ...]) -> None:
        with self._lock:
            self._clients[client_id] = OAuthClient(client_id, client_secret, tuple(scopes))

    def revoke_all(self) -> None:
        """Every token issued so far stops working (401), as after a revoked client."""
        with self._lock:
            self._live.clear()

    def reset(self) -> None:
        with self._lock:
            self._live.clear()
            self.issued = 0

    # -- the token endpoint ------------------------------------------------------------

    def issue(self, authorization: str | None, params: Mapping[str, str], ttl: int) -> dict[str, Any]:
        """Answer a token request; ``params`` merges the query string and the form body."""
        client = self._authenticate(authorization)
        grant = params.get("grant_type")
        if grant is None:
            raise OAuthFailure(400, "invalid_request", "grant_type is required")
        if grant != "client_credentials":
            raise OAuthFailure(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")
        scopes = self._granted(client, params.get("scope"))
        now = int(self._clock.timestamp())
        jti = str(uuid.uuid4())
        claims = {
            "iss": "https://www.talkdeskid.com",
            "aud": self._audience,
            "exp": now + ttl,
            "nbf": now,
            "iat": now,
            "jti": jti,
            "cid": client.client_id,
            "gty": "client_credentials",
            "scp": list(scopes),
            "rlm": "MAIN",
            "aid": hashlib.sha256(self._account.encode()).hexdigest()[:24],
            "acc": self._account,
            "psn": "CUSTOMER",
            "sub": client.client_id,
        }
        with self._lock:
            self._live.add(jti)
            self.issued += 1
        return {
            "access_token": self._sign(claims),
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": " ".join(scopes),
        }

    def _authenticate(self, authorization: str | None) -> OAuthClient:
        if not authorization or not authorization.startswith("Basic "):
            raise OAuthFailure(401, "invalid_client", "client authentication (HTTP Basic) is required")
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
            client_id, secret = decoded.split(":", 1)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise OAuthFailure(401, "invalid_client", "malformed HTTP Basic credentials") from None
        with self._lock:
            client = self._clients.get(client_id)
        if client is None or not hmac.compare_digest(client.client_secret, secret):
            raise OAuthFailure(401, "invalid_client", "unknown client or wrong secret")
        return client

    @staticmethod
    def _granted(client: OAuthClient, requested: str | None) -> tuple[str, ...]:
        if requested is None or not requested.strip():
            return client.scopes  # no scope asked: every scope granted to the client
        wanted = tuple(dict.fromkeys(requested.split()))
        missing = [s for s in wanted if s not in client.scopes]
        if missing:
            raise OAuthFailure(400, "invalid_scope", f"scope(s) not granted to this client: {' '.join(missing)}")
        return wanted

    # -- the API side ------------------------------------------------------------------

    def verify(self, authorization: str | None, scope: str | None) -> dict[str, Any]:
        """The claims of a valid bearer token that carries ``scope`` (if given); else 401/403."""
        if not authorization or not authorization.startswith("Bearer "):
            raise _unauthorized("a bearer access token is required")
        claims = self._claims(authorization[7:].strip())
        if claims is None:
            raise _unauthorized("the access token is invalid")
        with self._lock:
            live = claims["jti"] in self._live
        if not live:
            raise _unauthorized("the access token was revoked")
        if self._clock.timestamp() >= claims["exp"]:
            raise _unauthorized("the access token has expired")
        if scope is not None and scope not in claims["scp"]:
            raise ApiFailure(
                403, "forbidden", f"the access token lacks the scope {scope}",
                message="Inputs misconfiguration",
            )
        return claims

    def _sign(self, claims: dict[str, Any]) -> str:
        header = {"alg": "HS256", "typ": "JWT", "kid": "explore-emulator"}
        signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
        signature = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + _b64(signature)

    def _claims(self, token: str) -> dict[str, Any] | None:
        try:
            head, body, signature = token.split(".")
            expected = hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(_unb64(signature), expected):
                return None
            claims = json.loads(_unb64(body))
        except (ValueError, binascii.Error):
            return None
        return claims if isinstance(claims, dict) else None


def _unauthorized(description: str) -> ApiFailure:
    return ApiFailure(401, "unauthorized", description, message="Unauthorized",
                      headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
