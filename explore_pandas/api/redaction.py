"""Secrets out of logs: tokens in requests-oauthlib's records, URL signatures in urllib3's and ours.

A signed storage URL is a credential while it lives (anyone holding it can
download the report), so its signature is blanked wherever a URL may be
logged; the token endpoint's records lose their arguments altogether. The
filters are installed on import of the transport, before any request.
"""

from __future__ import annotations

import logging
import re

__all__ = ["REDACTED", "RedactSignatures", "RedactTokens", "install", "redact_signatures"]

REDACTED = "<redacted>"
#: Query parameters that authenticate a URL by themselves (S3, GCS and Azure signed URLs).
_SIGNED = re.compile(
    r"((?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|X-Goog-Signature|X-Goog-Credential"
    r"|Signature|sig|token|access_token)=)[^&\s\"']+",
    re.IGNORECASE,
)


def redact_signatures(text: str) -> str:
    """``text`` with the value of every signing parameter of a URL replaced by ``<redacted>``."""
    return _SIGNED.sub(lambda m: m.group(1) + REDACTED, text)


class RedactSignatures(logging.Filter):
    """Blank URL signatures in a record's message and arguments (urllib3 logs every request line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_signatures(record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact_signatures(a) if isinstance(a, str) else a for a in args)
        return True


class RedactTokens(logging.Filter):
    """Blank the arguments of requests-oauthlib's DEBUG records (tokens, headers, bodies)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(a if isinstance(a, int) else REDACTED for a in args)
        return True


_FILTERS = {
    "requests_oauthlib.oauth2_session": RedactTokens,
    "urllib3.connectionpool": RedactSignatures,
}


def install() -> None:
    """Add the filters to their loggers, once."""
    for name, kind in _FILTERS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
