"""The emulated storage host: S3-like signed, expiring URLs for report files.

Modelled on S3 presigned URLs (``explore-api.md`` section 11.4): the
signature covers the object and the expiry; a request that carries an
``Authorization`` header is refused (400), as S3 refuses two auth mechanisms,
and an expired or tampered signature is a 403. Error bodies are S3's XML.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timezone
from urllib.parse import urlencode

PREFIX = "/_storage/"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json", "jsonl": "application/x-ndjson"}


class StorageRefusal(Exception):
    """An S3-style error answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message>"
            f"<RequestId>{secrets.token_hex(8).upper()}</RequestId></Error>"
        ).encode()


class Signer:
    """Makes and checks presigned URLs with a per-emulator key."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def url(self, base_url: str, object_name: str, *, now: datetime, ttl: float) -> str:
        stamp = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        expires = str(int(ttl))
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Date": stamp,
            "X-Amz-Expires": expires,
            "X-Amz-SignedHeaders": "host",
            "X-Amz-Signature": self._signature(object_name, stamp, expires),
        }
        return f"{base_url}{PREFIX}{object_name}?{urlencode(query)}"

    def check(self, object_name: str, query: dict[str, str], *, authorization: str | None, now: datetime) -> None:
        """Raise StorageRefusal unless the request may read ``object_name``."""
        if authorization:
            raise StorageRefusal(
                400, "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be specified",
            )
        stamp, expires = query.get("X-Amz-Date", ""), query.get("X-Amz-Expires", "")
        signature = query.get("X-Amz-Signature", "")
        expected = self._signature(object_name, stamp, expires)
        if not hmac.compare_digest(signature.encode("utf-8", "replace"), expected.encode()):
            raise StorageRefusal(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
        signed_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        if (now - signed_at).total_seconds() > int(expires):
            raise StorageRefusal(403, "AccessDenied", "Request has expired")

    def _signature(self, object_name: str, stamp: str, expires: str) -> str:
        message = f"{object_name}\n{stamp}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
