"""Report files: files URL -> signed storage URL -> a file on disk, streamed.

``GET .../files/{id}`` answers 300/302/303 with a ``Location`` (relative or
absolute) to a short-lived signed storage URL. That URL is fetched without the
``Authorization`` header (storage rejects it, and a bearer token must never
leave Talkdesk). When the signature has expired (storage answers 403) a fresh
URL comes from the files endpoint. The body is written in chunks to a temporary
file next to the destination and checked against ``Content-Length``; a short
body raises and is retried, and a failed attempt leaves no partial file.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from explore_pandas.api.auth import NoAuth
from explore_pandas.api.retry import DEFAULT_DOWNLOAD_RETRY
from explore_pandas.api.transport import Transport
from explore_pandas.exceptions import ForbiddenError, JobError, TransportError

__all__ = ["REDIRECTS", "SUFFIXES", "download_file", "storage_url"]

log = logging.getLogger(__name__)

#: Redirect statuses the API uses for "here is the file" (docs disagree: 300, 302, 303).
REDIRECTS = frozenset({300, 301, 302, 303, 307, 308})
#: File suffix per report format.
SUFFIXES = {"csv": ".csv", "json": ".json", "json_bulk": ".jsonl"}
CHUNK_SIZE = 1 << 20


def storage_url(response: requests.Response) -> str | None:
    """The absolute redirect target of a files/job response, or None when not a redirect."""
    if response.status_code not in REDIRECTS:
        return None
    location = response.headers.get("Location")
    if not location:
        raise TransportError(f"{response.status_code} without a Location header from {response.url.split('?')[0]}")
    return urljoin(response.url, location)


def download_file(
    transport: Transport,
    fetch_files: Callable[[], requests.Response],
    dest: str | os.PathLike[str] | None,
    *,
    default_name: str,
    attempts: int = DEFAULT_DOWNLOAD_RETRY.attempts,
    chunk_size: int = CHUNK_SIZE,
) -> Path:
    """Stream the report behind ``fetch_files`` to ``dest`` (or a temporary file).

    Parameters
    ----------
    fetch_files : sends the authorized ``GET .../files/{id}`` (no redirects followed).
    dest : a file path, a directory (the file is named ``default_name``), or None for
        a new temporary file, whose path is returned.
    attempts : how many storage downloads to try (expired signature, short body).
    """
    target = _target(dest, default_name)
    last: Exception | None = None
    url: str | None = None
    for attempt in range(1, attempts + 1):
        if url is None:
            url = _fresh_url(fetch_files)
        try:
            size = _stream(transport, url, target, chunk_size)
        except ForbiddenError as error:  # S3 answers 403 once the signature expired
            log.info("storage refused the signed URL (%s); asking for a fresh one", error.status)
            last, url = error, None
        except TransportError as error:  # short body, dropped connection
            log.info("download attempt %d failed: %s", attempt, error)
            last = error
        else:
            log.debug("downloaded %d bytes to %s", size, target)
            return target
    if dest is None:
        target.unlink(missing_ok=True)
    assert last is not None
    raise last


def _fresh_url(fetch_files: Callable[[], requests.Response]) -> str:
    response = fetch_files()
    url = storage_url(response)
    response.close()
    if url is None:
        raise JobError(
            f"the files endpoint answered {response.status_code} instead of a redirect: "
            "the report is not ready yet. Wait for the job first (client.wait(job))."
        )
    return url


def _target(dest: str | os.PathLike[str] | None, default_name: str) -> Path:
    if dest is None:
        handle, name = tempfile.mkstemp(prefix="explore-", suffix="-" + default_name)
        os.close(handle)
        return Path(name)
    path = Path(dest)
    if path.is_dir():
        path = path / default_name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _stream(transport: Transport, url: str, target: Path, chunk_size: int) -> int:
    """One storage GET into ``target`` via a sibling temporary file; the byte count."""
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            response = transport.request("GET", url, auth=NoAuth(), stream=True)
            with response:
                expected = response.headers.get("Content-Length")
                broke = _copy(response, out, chunk_size)
                if broke is not None:  # raised outside the except: no __context__ holding the request
                    raise TransportError(f"the download of {url.split('?')[0]} broke off: {broke}")
                received = response.raw.tell()  # bytes on the wire, before any decoding
        if expected is not None and received != int(expected):
            raise TransportError(
                f"the download of {url.split('?')[0]} is truncated: {received} of "
                f"{expected} bytes"
            )
        os.replace(partial, target)
        return received
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _copy(response: requests.Response, out: Any, chunk_size: int) -> Exception | None:
    """Stream the body into ``out``; the failure, if the connection broke, returned not raised."""
    try:
        for chunk in response.iter_content(chunk_size):
            out.write(chunk)
    except requests.RequestException as error:
        return error
    return None
