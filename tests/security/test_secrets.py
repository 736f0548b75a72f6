"""Secrets stay secret: the client secret and the access tokens never show up where they should not.

With a distinctive client secret and every access token the emulator issued to the
client (recorded as the client's token source fetches them), these tests prove
that neither appears in:

- the repr/str of ``Client``, ``Settings``, ``Job``, ``TokenSource``, ``BearerAuth``;
- the exceptions raised for 400, 401, 403, 404, 429, 503 and transport failures
  (their str, repr, args, formatted traceback and pickle);
- any log record at DEBUG from any logger during a full pull with faults
  (401s after a revocation, 429s, 503s, dropped connections, truncated downloads);
- ``df.attrs``, the files the client writes (downloads and the job ledger), and
  the emulator's ``/_emulator/`` answers (jobs, stats, settings, faults);

that no bearer token ever reaches the storage host, across redirect variants,
expired signatures and truncated downloads; that plain http to a non-loopback
host is refused with ``ConfigurationError`` before any connection; and that TLS
below 1.2 is refused (tests/integration/test_tls.py proves the transport refuses a
TLS 1.1 server with a CA bundle; here: the default ``verify=True`` path, the full
client against the TLS emulator, and the emulator's own server refusing TLS 1.1).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import pickle
import secrets
import socket
import ssl
import traceback
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from explore_pandas.api import config
from explore_pandas.api.auth import BearerAuth
from explore_pandas.api.client import Client
from explore_pandas.api.models import ReportRequest
from explore_pandas.api.polling import PollPolicy
from explore_pandas.api.transport import Transport
from explore_pandas.emulator import Emulator
from explore_pandas.engines.read import read_report
from explore_pandas.exceptions import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    ForbiddenError,
    NotFoundError,
    RateLimitError,
    ServerError,
    TransportError,
)
from explore_pandas.reports import report_type

SECRET = "s3cr3t-DO-NOT-LEAK-" + secrets.token_hex(8)
WRONG_SECRET = "wr0ng-s3cr3t-DO-NOT-LEAK-" + secrets.token_hex(8)
READER_SECRET = "r3ad3r-s3cr3t-DO-NOT-LEAK-" + secrets.token_hex(8)
FAST = PollPolicy(initial=0.05, maximum=1.0, timeout=None)
UTC = timezone.utc


# -- fixtures -------------------------------------------------------------------------------

class Tokens(set):
    """Every access token a client's token source fetched (and so ever sent)."""

    def watch(self, client: Client) -> Client:
        source = client._tokens
        fetch = source._fetch

        def recording() -> None:
            fetch()
            if source._token is not None:
                self.add(source._token)

        source._fetch = recording  # type: ignore[method-assign]
        return client


class EmulatedSleep:
    """Sleeping moves the emulator's clock; the n-th sleep revokes every token."""

    def __init__(self, emu: Emulator, revoke_at: int | None = None) -> None:
        self.emu, self.revoke_at, self.calls = emu, revoke_at, 0

    def __call__(self, seconds: float) -> None:
        self.calls += 1
        if self.calls == self.revoke_at:
            self.emu.revoke_tokens()
        self.emu.clock.advance(seconds)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(seed=4, client_secret=SECRET, progression={"polls": 2}, rates={"calls": 40}) as emulator:
        yield emulator


@pytest.fixture
def tokens() -> Tokens:
    return Tokens()


@pytest.fixture
def client(emu: Emulator, tokens: Tokens) -> Iterator[Client]:
    with Client(**emu.credentials, sleep=EmulatedSleep(emu), clock=emu.clock.timestamp, timeout=(5, 10),
                max_retries=2) as c:
        yield tokens.watch(c)


def _secrets(tokens: set[str]) -> list[str]:
    found = [SECRET, WRONG_SECRET, READER_SECRET, *tokens]
    # a token's signature alone (the part after the last dot) must not leak either
    found += [t.rsplit(".", 1)[-1] for t in tokens]
    return found


def assert_clean(text: str | bytes, tokens: set[str], where: str) -> None:
    blob = text if isinstance(text, str) else text.decode("utf-8", "replace")
    for needle in _secrets(tokens):
        assert needle not in blob, f"a secret or token leaked into {where}"
    raw = text if isinstance(text, bytes) else text.encode()
    for needle in _secrets(tokens):
        assert needle.encode() not in raw, f"a secret or token leaked into {where} (bytes)"


def _window(days_ago: int = 3, hours: int = 12) -> dict[str, datetime]:
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    return {"start": end - timedelta(hours=hours), "end": end}


def _exception_views(error: BaseException) -> Iterator[tuple[str, str | bytes]]:
    yield "str", str(error)
    yield "repr", repr(error)
    yield "args", repr(error.args)
    yield "vars", repr(vars(error))
    yield "traceback", "".join(traceback.format_exception(error))
    yield "pickle", pickle.dumps(error)
    rebuilt = pickle.loads(pickle.dumps(error))
    yield "unpickled str", str(rebuilt)
    link = error.__cause__ or error.__context__
    while link is not None:  # chained exceptions, even suppressed ones (``from None``)
        yield f"chained {type(link).__name__}", str(link) + repr(link.args)
        link = link.__cause__ or link.__context__


def assert_clean_exception(error: BaseException, tokens: set[str]) -> None:
    for view, text in _exception_views(error):
        assert_clean(text, tokens, f"{type(error).__name__} ({view})")


# -- repr and str ---------------------------------------------------------------------------

def test_reprs_and_strs_hide_the_secret_and_tokens(emu: Emulator, client: Client, tokens: Tokens) -> None:
    job = client.create_job("calls", **_window())
    job = client.wait(job, FAST)
    assert tokens, "a token was fetched"
    (token,) = tokens
    objects: list[Any] = [client, client.settings, job, client.get_job(job), client._tokens, BearerAuth(token),
                          emu, client._transport]
    for obj in objects:
        assert_clean(repr(obj), tokens, f"repr({type(obj).__name__})")
        assert_clean(str(obj), tokens, f"str({type(obj).__name__})")
    assert_clean(job._repr_html_(), tokens, "Job._repr_html_")
    settings = config.Settings.resolve(client_id="x", client_secret=SECRET, account="acme")
    assert_clean(repr(settings) + str(settings), tokens, "Settings")


# -- exceptions -------------------------------------------------------------------------------

def _request(name: str = "secret test") -> ReportRequest:
    window = _window()
    return ReportRequest(report=report_type("calls"), start=window["start"], end=window["end"],
                         timezone="UTC", format="csv", name=name)


def test_exceptions_for_every_error_status_hide_the_secret_and_tokens(emu: Emulator, client: Client,
                                                                    tokens: Tokens) -> None:
    raised: list[BaseException] = []

    def expect(kind: type[BaseException], action: Any) -> None:
        with pytest.raises(kind) as info:
            action()
        raised.append(info.value)

    client.create_job("calls", **_window())  # a token in hand first
    # 400: a body the API refuses (built without the client's validation)
    expect(APIError, lambda: client.submit(_request("n" * 300), unique_name=False))
    assert raised[-1].status == 400
    # 401 from the API: two 401s in a row (the client renews its token once)
    emu.inject("status", status=401, endpoint="status", count=2)
    expect(AuthenticationError, lambda: client.get_job("00000000-0000-0000-0000-000000000000", "calls"))
    # 401 from the token endpoint: a wrong secret
    with Client(**{**emu.credentials, "client_secret": WRONG_SECRET}, timeout=(5, 10)) as wrong:
        expect(AuthenticationError, lambda: wrong.create_job("calls", **_window()))
    # a client registered without the write scope: its token request is refused (400 invalid_scope)
    emu.add_client("reader", READER_SECRET, scopes=("data-reports:read",))
    with Client(**{**emu.credentials, "client_id": "reader", "client_secret": READER_SECRET},
                timeout=(5, 10)) as reader:
        tokens.watch(reader)
        expect(AuthenticationError, lambda: reader.create_job("calls", **_window()))
    # 403 from the API (a token without the scope, as the API answers it)
    emu.inject("status", status=403, endpoint="create")
    expect(ForbiddenError, lambda: client.create_job("calls", **_window()))
    # 404
    expect(NotFoundError, lambda: client.get_job("no-such-job", "calls"))
    # 429 and 503, with and without Retry-After, after the client's retries
    emu.inject("status", status=429, endpoint="create", count=3)
    expect(RateLimitError, lambda: client.create_job("calls", **_window()))
    emu.inject("status", status=503, endpoint="status", count=3, retry_after=1)
    expect(ServerError, lambda: client.get_job("no-such-job", "calls"))
    # 503 at the token endpoint
    emu.revoke_tokens()
    client._tokens.invalidate(client._tokens._token or "")
    emu.inject("status", status=503, endpoint="token", count=3)
    expect(APIError, lambda: client.get_job("no-such-job", "calls"))
    # transport: dropped connections, and nobody listening
    emu.inject("drop", endpoint="status", count=3)
    expect(TransportError, lambda: client.get_job("no-such-job", "calls"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with Client(base_url=f"http://127.0.0.1:{closed_port}", token_url=f"http://127.0.0.1:{closed_port}/oauth/token",
                client_id=emu.client_id, client_secret=SECRET, timeout=(2, 2), max_retries=0) as nowhere:
        expect(TransportError, lambda: nowhere.get_job("x", "calls"))

    assert len(tokens) >= 2
    assert {type(e) for e in raised} >= {APIError, AuthenticationError, ForbiddenError, NotFoundError,
                                         RateLimitError, ServerError, TransportError}
    for error in raised:
        assert_clean_exception(error, tokens)


# -- logs, attrs, files, the emulator's answers, during a pull with faults -----------------------------

def _faulty_pull(emu: Emulator, tokens: Tokens, **settings: Any) -> tuple[Any, Client]:
    emu.configure(**settings)
    emu.inject("status", status=429, endpoint="create", count=2)
    emu.inject("status", status=503, endpoint="status", count=2, retry_after=1)
    emu.inject("status", status=429, endpoint="token", count=1)
    emu.inject("drop", endpoint="files", count=1)
    emu.inject("drop_after", endpoint="create", count=1)
    emu.inject("truncate", endpoint="storage", count=2)
    emu.inject("status", status=503, endpoint="storage", count=1, retry_after=20)  # signature expires meanwhile
    client = Client(**emu.credentials, sleep=EmulatedSleep(emu, revoke_at=4), clock=emu.clock.timestamp,
                    timeout=(5, 10))
    tokens.watch(client)
    with client:
        df = read_report("calls", start="2026-06-01", end="2026-08-15", tz="Europe/Lisbon", client=client,
                         progress=False, poll=FAST, format="json")
    return df, client


@pytest.fixture
def every_logger_at_debug() -> Iterator[None]:
    """No logger filters DEBUG out on the way to the root (levels restored afterwards)."""
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.NOTSET)
    yield
    for logger, level in zip(loggers, levels):
        logger.setLevel(level)


def test_a_pull_with_faults_logs_nothing_secret_at_debug(emu: Emulator, tokens: Tokens, ledger_dir: Path,
                                                          caplog: pytest.LogCaptureFixture,
                                                          every_logger_at_debug: None) -> None:
    caplog.set_level(logging.DEBUG)  # the root: every logger's records
    df, _ = _faulty_pull(emu, tokens, storage_ttl=5)
    stats = emu.stats()
    assert stats["faults_fired"].get("truncate") and stats["faults_fired"].get("drop_after")
    assert stats["tokens_issued"] >= 2 and len(tokens) >= 2  # the revocation forced a new token
    assert len(caplog.records) > 50
    loggers = {record.name for record in caplog.records}
    assert {"explore_pandas.api.transport", "urllib3.connectionpool", "requests_oauthlib.oauth2_session",
            "explore_pandas.api.auth"} <= loggers, loggers
    for record in caplog.records:
        where = f"a log record of {record.name} ({record.levelname})"
        assert_clean(record.getMessage(), tokens, where)
        assert_clean(repr(record.args), tokens, where + " args")
        assert_clean(repr({k: v for k, v in vars(record).items() if k not in ("msg", "args")}), tokens, where + " fields")
        if record.exc_info:
            assert_clean("".join(traceback.format_exception(*record.exc_info)), tokens, where + " traceback")
    assert_clean(caplog.text, tokens, "the formatted log")

    # df.attrs
    assert_clean(json.dumps(df.attrs, default=str), tokens, "df.attrs")
    # the emulator's answers
    for path in ("jobs", "stats", "settings", "faults"):
        answer = requests.get(f"{emu.base_url}/_emulator/{path}", timeout=10)
        assert answer.status_code == 200
        assert_clean(answer.content, tokens, f"/_emulator/{path}")
    assert_clean(json.dumps(emu.jobs(), default=str), tokens, "Emulator.jobs()")
    # the files the client wrote: the job ledger (if any)
    for path in ledger_dir.rglob("*") if ledger_dir.exists() else []:
        if path.is_file():
            assert_clean(path.read_bytes(), tokens, f"ledger file {path.name}")


def test_downloaded_files_hold_no_secret(emu: Emulator, client: Client, tokens: Tokens, tmp_path: Path) -> None:
    for fmt in ("csv", "json", "json_bulk"):
        job = client.wait(client.create_job("calls", format=fmt, **_window()), FAST)
        path = client.download(job, dest=tmp_path)
        assert path.stat().st_size > 0
        assert_clean(path.read_bytes(), tokens, f"the downloaded {fmt} file")
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert_clean(path.read_bytes(), tokens, f"file {path.name}")


# -- no bearer token to the storage host ------------------------------------------------------------

@pytest.mark.parametrize("variant", [
    {"job_redirect_status": 303, "files_redirect_status": 302, "location": "relative"},
    {"job_redirect_status": 300, "files_redirect_status": 303, "location": "absolute"},
    {"job_redirect_status": 302, "files_redirect_status": 302, "location": "absolute", "envelope": "flat"},
])
def test_no_bearer_token_reaches_storage(emu: Emulator, tokens: Tokens, variant: dict[str, Any]) -> None:
    df, _ = _faulty_pull(emu, tokens, storage_ttl=5, **variant)
    stats = emu.stats()
    assert stats["requests"]["storage"] >= 3 + 2  # every window, plus the truncated and expired attempts
    assert stats["storage_requests_with_authorization"] == 0
    assert len(df) == emu.count_rows("calls", datetime.fromisoformat(df.attrs["explore"]["start"]),
                                     datetime.fromisoformat(df.attrs["explore"]["end"]))


def test_the_storage_host_is_another_origin(emu: Emulator) -> None:
    # requests itself drops Authorization on a cross-origin redirect: storage is a real other origin
    assert emu.storage_url != emu.base_url


# -- plain http to non-loopback hosts ----------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://api.talkdeskapp.com",
    "HTTP://api.talkdeskapp.eu",
    "http://10.0.0.8:8080",
    "http://169.254.169.254",
    "http://0.0.0.0:8080",
    "http://localhost.example.com",
    "http://127.0.0.1@example.com",
    "http://example.com#@127.0.0.1",
    "http://[2001:db8::1]:8080",
])
@pytest.mark.parametrize("which", ["base_url", "token_url"])
def test_plain_http_to_a_non_loopback_host_is_refused_before_any_connection(
        url: str, which: str, connections: list[Any]) -> None:
    loopback = {"base_url": "https://api.talkdeskapp.com", "token_url": "https://acme.talkdeskid.com/oauth/token"}
    options = {**loopback, which: url + ("/oauth/token" if which == "token_url" else "")}
    with pytest.raises(ConfigurationError) as info:
        Client(client_id="id", client_secret=SECRET, **options)
    assert "http" in str(info.value)
    assert_clean_exception(info.value, set())
    with pytest.raises(ConfigurationError):
        config.from_env({"EXPLORE_CLIENT_ID": "id", "EXPLORE_CLIENT_SECRET": SECRET,
                         **{f"EXPLORE_{k.upper()}": v for k, v in options.items()}})
    assert connections == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9", "http://127.8.9.10:9"])
def test_plain_http_is_accepted_for_loopback(url: str, connections: list[Any]) -> None:
    Client(client_id="id", client_secret=SECRET, base_url=url, token_url=url + "/oauth/token").close()
    assert connections == []  # building a client connects nowhere


# -- TLS below 1.2 (complements tests/integration/test_tls.py) ----------------------------------------

def _load_tls_helpers() -> Any:
    path = Path(__file__).parents[1] / "integration" / "test_tls.py"
    spec = importlib.util.spec_from_file_location("_integration_tls_helpers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_TLS = _load_tls_helpers()
tls11_server = _TLS.tls11_server  # the TLS 1.1-only loopback server of test_tls.py


def test_the_default_verify_true_path_refuses_tls_1_1_on_the_protocol(tls11_server: int) -> None:
    # test_tls.py passes verify=CERT; the default (verify=True) must refuse TLS 1.1 too, and on the
    # protocol version, before any certificate question comes up
    transport = Transport(sleep=lambda s: None)
    assert transport.verify is True
    with pytest.raises(TransportError, match="TLS") as info:
        transport.request("GET", f"https://localhost:{tls11_server}/")
    text = str(info.value).upper()
    assert "VERSION" in text or "PROTOCOL" in text, info.value
    assert "CERTIFICATE_VERIFY_FAILED" not in text
    assert info.value.request_sent is False


def test_the_clients_https_adapter_requires_tls_1_2() -> None:
    with Client(client_id="id", client_secret=SECRET, account="acme") as client:
        adapter = client._transport.session.get_adapter("https://api.talkdeskapp.com/")
        adapter.init_poolmanager(1, 1)
        assert adapter.ssl_context.minimum_version >= ssl.TLSVersion.TLSv1_2
        assert adapter.ssl_context.verify_mode == ssl.CERT_REQUIRED


@pytest.fixture
def tls_emu() -> Iterator[Emulator]:
    with Emulator(seed=1, tls=True, client_secret=SECRET, progression="immediate") as emulator:
        yield emulator


def test_the_client_talks_to_the_tls_emulator_only_when_it_trusts_it(tls_emu: Emulator, tokens: Tokens) -> None:
    assert tls_emu.base_url.startswith("https://")
    with Client(**tls_emu.credentials, verify=tls_emu.ca_file, timeout=(5, 10)) as trusted:
        tokens.watch(trusted)
        job = trusted.wait(trusted.create_job("calls", **_window()), FAST)
        assert trusted.download(job).stat().st_size > 0
    # the default verify=True does not trust a self-signed certificate
    with Client(**tls_emu.credentials, timeout=(5, 10), max_retries=0) as default, \
            pytest.raises(TransportError, match="TLS") as info:
        default.create_job("calls", **_window())
    assert_clean_exception(info.value, tokens)


def test_the_emulators_server_refuses_tls_1_1(tls_emu: Emulator) -> None:
    host, port = "127.0.0.1", int(tls_emu.base_url.rsplit(":", 1)[1])
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname = False
    old.verify_mode = ssl.CERT_NONE
    _TLS._old_tls(old)
    with socket.create_connection((host, port), timeout=5) as raw, \
            pytest.raises((ssl.SSLError, ConnectionResetError)) as info, \
            old.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n")
        tls.recv(1)
    if isinstance(info.value, ssl.SSLError):  # the server's alert, not a client-side refusal
        assert "PROTOCOL_VERSION" in str(info.value).upper(), info.value
    modern = ssl.create_default_context(cafile=tls_emu.ca_file)
    with socket.create_connection((host, port), timeout=5) as raw, \
            modern.wrap_socket(raw, server_hostname="localhost") as tls:
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert requests.get(f"{tls_emu.base_url}/openapi.json", verify=tls_emu.ca_file, timeout=10).status_code == 200


def test_pickles_with_tracebacks_and_chains_leak_nothing(emu: Emulator, client: Client, tokens: Tokens) -> None:
    """dask installs tblib, whose pickling carries tracebacks and exception chains: a
    TransportError raised while requests' exception (and its request, Authorization header
    included) was being handled would drag the bearer token into every pickle of it."""
    tblib = pytest.importorskip("tblib.pickling_support")
    emu.inject("drop", endpoint="status", count=10)
    with pytest.raises(TransportError) as raised:
        client.get_job("no-such-job", "calls")
    error = raised.value
    assert error.__context__ is None and error.__cause__ is None
    tblib.install(error)
    assert_clean(pickle.dumps(error), tokens, "TransportError (tblib pickle)")
