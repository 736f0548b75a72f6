"""The HTTP layer: a standard-library threading server, routing, faults, TLS.

Endpoint logic lives in ``api.py`` (the Explore API, the token endpoint,
the storage download) and ``control.py`` (``/_emulator/``); this module only
reads requests, applies injected faults and writes answers.
"""

from __future__ import annotations

import logging
import re
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Callable, cast
from urllib.parse import parse_qs, urlsplit

from explore_pandas.emulator import api, control
from explore_pandas.emulator.errors import ApiFailure, OAuthFailure
from explore_pandas.emulator.faults import Fault
from explore_pandas.emulator.state import State
from explore_pandas.emulator.storage import StorageRefusal
from explore_pandas.emulator.wire import Request, Response, json_response

logger = logging.getLogger(__name__)

_REPORT = r"^/data/reports/(?P<slug>[^/]+)"
# (method, path pattern, endpoint name used by faults and counters, handler)
ROUTES: list[tuple[str, re.Pattern[str], str, Callable[..., Response]]] = [
    ("POST", re.compile(r"^/oauth/token$"), "token", api.token),
    ("GET", re.compile(_REPORT + r"/jobs$"), "list", api.list_jobs),
    ("POST", re.compile(_REPORT + r"/jobs$"), "create", api.create_job),
    ("GET", re.compile(_REPORT + r"/jobs/(?P<job_id>[^/]+)$"), "status", api.get_job),
    ("DELETE", re.compile(_REPORT + r"/jobs/(?P<job_id>[^/]+)$"), "cancel", api.cancel_job),
    ("GET", re.compile(_REPORT + r"/files/(?P<job_id>[^/]+)$"), "files", api.get_files),
    ("DELETE", re.compile(_REPORT + r"/files/(?P<job_id>[^/]+)$"), "delete", api.delete_file),
    ("GET", re.compile(r"^/_storage/(?P<object_name>[^/]+)$"), "storage", api.storage),
]
_CHUNK = 1 << 20


_SIGNATURE = re.compile(r"((?:X-Amz-Signature|X-Amz-Credential)=)[^&\s\"]+", re.IGNORECASE)


class EmulatorServer(ThreadingHTTPServer):
    """A threading HTTP(S) server bound to one address, serving one :class:`State`."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # bursts of parallel connects must not lose SYNs (the default is 5)

    def __init__(self, address: tuple[str, int], state: State, tls: ssl.SSLContext | None) -> None:
        self._open: set[Any] = set()  # connections being served, kept alive between requests
        self._open_lock = threading.Lock()  # before binding: a failed bind calls server_close()
        super().__init__(address, _Handler)
        self.state = state
        self.tls = tls

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        """Stop listening and end every open connection: a closed emulator answers nothing,
        so a client holding a kept-alive connection gets a connection error, not an answer."""
        super().server_close()
        with self._open_lock:
            connections, self._open = list(self._open), set()
        for connection in connections:
            _close(connection)

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        # The handshake runs here, in the connection's own thread, so that a
        # client that never finishes it cannot stall the accept loop.
        request.settimeout(10)
        try:
            wrapped = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:  # e.g. a client offering TLS < 1.2
            logger.debug("TLS handshake with %s failed: %s", client_address, error)
            return
        try:
            super().finish_request(wrapped, client_address)
        finally:
            _close(wrapped)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-answer are routine here (fault tests); keep stderr clean.
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)


def tls_context(certfile: str, keyfile: str) -> ssl.SSLContext:
    """A server context that refuses anything below TLS 1.2, as the real API does."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    return context


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients reuse connections as with the real API
    server_version = "ExploreEmulator/0.1"
    timeout = 60  # idle keep-alive connections end eventually
    # Headers and body go out in separate writes; with Nagle on, the second waits
    # for the client's delayed ACK (~40 ms per answer on a kept-alive connection).
    disable_nagle_algorithm = True
    server: EmulatorServer

    def do_GET(self) -> None:
        self._dispatch()

    def __getattr__(self, name: str) -> Any:
        # Every other method (HEAD, OPTIONS, QUERY...) is routed too, so it gets a JSON
        # 405 with Allow (or a 404) instead of http.server's HTML 501 page.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        # A signed storage URL is a credential while it lives: its signature is never logged.
        shown = [_SIGNATURE.sub(r"\1<redacted>", a) if isinstance(a, str) else a for a in args]
        logger.debug("%s " + format, self.address_string(), *shown)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header from the emulator's clock, as a server tells its own time."""
        return super().date_time_string(self.server.state.clock.timestamp() if timestamp is None else timestamp)

    def _dispatch(self) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query, keep_blank_values=True).items()}
        # HTTPMessage is a case-insensitive mapping, though not registered as a Mapping.
        headers = cast(Mapping[str, str], self.headers)
        request = Request(self.command, url.path, query, headers, self._read_body())
        if url.path.startswith("/_emulator"):
            self._send(control.handle(state, request, url.path[len("/_emulator"):]))
        elif url.path == "/openapi.json":
            spec = resources.files("explore_pandas.emulator").joinpath("openapi.json").read_bytes()
            self._send(Response(200, spec, {"Content-Type": "application/json"}))
        else:
            self._serve_api(state, request)

    def _serve_api(self, state: State, request: Request) -> None:
        endpoint, handler, params = _route(request)
        if handler is None:
            response = json_response(cast(int, endpoint), _not_routed(endpoint, request))
            if endpoint == 405:
                response.headers["Allow"] = ", ".join(_methods_for(request.path))
            self._send(_stamp(response, endpoint))
            return
        endpoint = cast(str, endpoint)  # routed: the endpoint's name, not a status
        state.count(endpoint, authorization="Authorization" in request.headers)
        fault = state.faults.take(endpoint)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay or 0)
        if fault is not None and fault.kind == "drop":
            self.close_connection = True  # hang up without a word, before doing anything
            return
        if fault is not None and fault.kind == "status":
            self._send(_stamp(_fault_answer(endpoint, fault), endpoint))
            return
        response = _stamp(_call(handler, state, request, params), endpoint)
        if fault is not None and fault.kind == "drop_after":
            self.close_connection = True  # the work is done, the answer is lost
            return
        self._send(response, truncate=fault is not None and fault.kind == "truncate")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _send(self, response: Response, *, truncate: bool = False) -> None:
        size = response.file.stat().st_size if response.file is not None else len(response.body)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection and not truncate:  # the client asked to close: say we will
            self.send_header("Connection", "close")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if self.command == "HEAD":
            return
        if truncate:  # announce everything, deliver half, hang up: a cut download
            self.close_connection = True
            size //= 2
        if response.file is None:
            self.wfile.write(response.body[:size])
            return
        with open(response.file, "rb") as source:
            remaining = size
            while remaining > 0:
                chunk = source.read(min(_CHUNK, remaining))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)


def _route(request: Request) -> tuple[int | str, Callable[..., Response] | None, dict[str, str]]:
    """(endpoint, handler, path params); (404 or 405, None, {}) when nothing matches."""
    path_matched = False
    for method, pattern, endpoint, handler in ROUTES:
        match = pattern.match(request.path)
        if match is None:
            continue
        path_matched = True
        if method == request.method:
            return endpoint, handler, match.groupdict()
    return (405 if path_matched else 404), None, {}


def _methods_for(path: str) -> list[str]:
    return sorted({method for method, pattern, _, _ in ROUTES if pattern.match(path)})


def _call(handler: Callable[..., Response], state: State, request: Request, params: dict[str, str]) -> Response:
    try:
        return handler(state, request, **params)
    except (ApiFailure, OAuthFailure) as failure:
        return json_response(failure.status, failure.body, failure.headers)
    except StorageRefusal as refusal:
        return Response(refusal.status, refusal.body, {"Content-Type": "application/xml"})
    except Exception:  # a bug in the emulator: answer like a server error, keep the trace in the log
        logger.exception("emulator error on %s %s", request.method, request.path)
        return json_response(500, ApiFailure(500, "internal_error", "Internal server error").body)


def _fault_answer(endpoint: str, fault: Fault) -> Response:
    status = fault.status or 503
    headers = {"Retry-After": str(int(fault.retry_after))} if fault.retry_after is not None else {}
    if endpoint == "token":
        body: dict[str, Any] = OAuthFailure(status, "temporarily_unavailable", "injected fault").body
    elif status == 429:
        body = ApiFailure(429, "too_many_requests", "Too many requests (injected fault)").body
    elif status == 503:
        body = ApiFailure(503, "service_unavailable", "Unable to audit operation (injected fault)").body
    else:
        body = ApiFailure(status, "injected_fault", f"Injected {status} answer").body
    return json_response(status, body, headers)


def _not_routed(status: int | str, request: Request) -> dict[str, Any]:
    if status == 405:
        return ApiFailure(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}").body
    return ApiFailure(404, "not_found", f"no resource at {request.path}", message="Not found").body


def _stamp(response: Response, endpoint: int | str) -> Response:
    """Every Explore answer carries a ``platform-tid`` to quote to support (section 11.1);
    the storage host is S3, which has its own request id."""
    header = "x-amz-request-id" if endpoint == "storage" else "platform-tid"
    response.headers.setdefault(header, str(uuid.uuid4()))
    return response


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
