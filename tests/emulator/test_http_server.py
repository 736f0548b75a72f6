"""The Emulator object, TLS, response headers and connection handling."""

from __future__ import annotations

import socket
import ssl
import time
import uuid
import warnings
from urllib.parse import urlsplit

import pytest
import requests
from emulator_support import window

from explore_pandas.emulator import Emulator

GRANT = {"grant_type": "client_credentials"}


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


# -- the Emulator object -----------------------------------------------------------------

def test_credentials_have_exactly_the_four_keys(emu):
    creds = emu.credentials
    assert set(creds) == {"base_url", "token_url", "client_id", "client_secret"}
    assert creds["base_url"] == emu.base_url and creds["base_url"].startswith("http://127.0.0.1:")
    assert creds["token_url"] == emu.base_url + "/oauth/token"
    assert creds["client_id"] == emu.client_id == "explore-demo"
    assert creds["client_secret"] == emu.client_secret and len(emu.client_secret) >= 16


def test_repr_has_no_secret(emu):
    text = repr(emu)
    assert emu.client_secret not in text
    assert emu.base_url in text and "explore-demo" in text
    assert emu.client_secret not in str(emu.state.tokens._clients)  # noqa: SLF001 (client reprs)


def test_secrets_differ_between_emulators():
    first, second = Emulator(), Emulator()
    try:
        assert first.client_secret != second.client_secret
    finally:
        first.stop()
        second.stop()


def test_base_url_before_start_raises():
    emulator = Emulator()
    try:
        with pytest.raises(RuntimeError, match="not started"):
            emulator.base_url  # noqa: B018
        assert "not started" in repr(emulator)
    finally:
        emulator.stop()


def test_port_zero_gives_distinct_ports():
    with Emulator() as first, Emulator() as second:
        assert _host_port(first.base_url)[1] != _host_port(second.base_url)[1]
        for emulator in (first, second):
            response = requests.post(emulator.token_url, data=GRANT,
                                     auth=(emulator.client_id, emulator.client_secret), timeout=10)
            assert response.status_code == 200


def test_stop_frees_the_port():
    emulator = Emulator().start()
    host, port = _host_port(emulator.base_url)
    assert requests.get(f"{emulator.base_url}/_emulator/stats", timeout=10).status_code == 200
    emulator.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://{host}:{port}/_emulator/stats", timeout=2)
    with Emulator(port=port) as again:
        assert again.base_url == f"http://{host}:{port}"
        assert requests.get(f"{again.base_url}/_emulator/stats", timeout=10).status_code == 200


def test_start_is_idempotent_and_stop_twice_is_harmless():
    emulator = Emulator()
    assert emulator.start() is emulator
    url = emulator.base_url
    assert emulator.start().base_url == url
    emulator.stop()
    emulator.stop()


def test_restart_after_stop_still_serves_files(http):
    emulator = Emulator(progression="immediate")
    try:
        emulator.start()
        emulator.stop()
        emulator.start()
        token = http.post(emulator.token_url, data=GRANT, auth=(emulator.client_id, emulator.client_secret))
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        created = http.post(f"{emulator.base_url}/data/reports/calls/jobs",
                            json={"timespan": window(emulator)}, headers=auth).json()
        files = http.get(created["_links"]["files"]["href"], headers=auth, allow_redirects=False)
        assert http.get(files.headers["Location"]).status_code == 200
    finally:
        emulator.stop()


def test_unknown_setting_in_constructor_is_refused():
    with pytest.raises(ValueError, match="unknown emulator setting"):
        Emulator(progresion="immediate")


def test_constructor_settings_are_the_reset_defaults(emu):
    assert emu.options.progression == "immediate"
    emu.configure(progression={"polls": 4})
    emu.reset()
    assert emu.options.progression == "immediate"


# -- headers -----------------------------------------------------------------------------------

def test_platform_tid_on_every_api_answer(api, emu):
    job_id = api.create_id()
    answers = [
        api.http.post(emu.token_url, data=GRANT, auth=(emu.client_id, emu.client_secret)),
        api.http.post(emu.token_url, data=GRANT, auth=(emu.client_id, "wrong")),
        api.create(),
        api.create({"timespan": {}}),
        api.create(slug="nope"),
        api.status(job_id),
        api.files(job_id),
        api.http.get(api.jobs_url(), headers=api.bearer()),
        api.http.get(api.jobs_url()),  # 401
        api.http.delete(api.job_url(job_id), headers=api.bearer()),  # 403: done
        api.http.put(api.jobs_url(), headers=api.bearer()),  # 405
        api.http.get(f"{emu.base_url}/elsewhere"),  # 404
    ]
    seen = set()
    for response in answers:
        tid = response.headers.get("platform-tid")
        assert tid, (response.status_code, response.request.url)
        uuid.UUID(tid)
        seen.add(tid)
    assert len(seen) == len(answers)  # one per answer


def test_platform_tid_on_injected_faults(api, emu):
    api.bearer()
    emu.inject("status", status=503, endpoint="create")
    response = api.create()
    assert response.status_code == 503
    uuid.UUID(response.headers["platform-tid"])


def test_no_platform_tid_on_storage_answers(api, emu):
    job_id = api.create_id()
    url = api.storage_url(job_id)
    for response in (api.http.get(url), api.http.get(url, headers=api.bearer()),
                     api.http.get(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"))):
        assert "platform-tid" not in response.headers
        assert response.headers["x-amz-request-id"]


def test_api_answers_are_json(api, emu):
    job_id = api.create_id()
    for response in (api.create(), api.status(job_id), api.files(job_id), api.create({"timespan": {}})):
        assert response.headers["Content-Type"] == "application/json"


def test_405_lists_the_allowed_methods(api):
    response = api.http.put(api.jobs_url(), headers=api.bearer())
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


# -- connections ---------------------------------------------------------------------------------

def test_keep_alive_answers_are_not_delayed(emu):
    with requests.Session() as session:
        url = f"{emu.base_url}/oauth/token"
        auth = (emu.client_id, emu.client_secret)
        assert session.post(url, data=GRANT, auth=auth).status_code == 200  # opens the connection
        started = time.perf_counter()
        for _ in range(10):
            assert session.post(url, data=GRANT, auth=auth).status_code == 200
        elapsed = time.perf_counter() - started
    assert elapsed < 0.25, f"10 keep-alive requests took {elapsed:.2f} s"


def test_connections_are_kept_alive(emu):
    with requests.Session() as session:
        url = f"{emu.base_url}/_emulator/stats"
        first = session.get(url)
        second = session.get(url)
        assert first.status_code == second.status_code == 200
        assert first.raw.version == 11 and "close" not in first.headers.get("Connection", "")


def test_connection_close_is_announced(api, emu):
    response = api.http.get(api.jobs_url(), headers={**api.bearer(), "Connection": "close"})
    assert response.status_code == 200
    assert response.headers.get("Connection", "").lower() == "close"


def test_chunked_request_body_is_read(api, emu):
    import json as _json

    body = _json.dumps({"format": "json", "timespan": window(emu)}).encode()
    response = api.http.post(api.jobs_url(), data=iter([body[:10], body[10:]]),
                             headers={**api.bearer(), "Content-Type": "application/json"})
    assert response.status_code == 202, response.text
    assert response.json()["job"]["format"] == "json"


# -- TLS -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls_emu():
    with Emulator(tls=True, progression="immediate") as emulator:
        yield emulator


def test_tls_serves_https_with_the_bundled_ca(tls_emu, http):
    assert tls_emu.base_url.startswith("https://127.0.0.1:")
    assert tls_emu.ca_file and tls_emu.ca_file.endswith(".pem")
    token = http.post(tls_emu.token_url, data=GRANT, auth=(tls_emu.client_id, tls_emu.client_secret),
                      verify=tls_emu.ca_file)
    assert token.status_code == 200
    auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
    created = http.post(f"{tls_emu.base_url}/data/reports/calls/jobs", json={"format": "json", "timespan":
                        window(tls_emu)}, headers=auth, verify=tls_emu.ca_file)
    assert created.status_code == 202
    files = http.get(created.json()["_links"]["files"]["href"], headers=auth, allow_redirects=False,
                     verify=tls_emu.ca_file)
    assert files.headers["Location"].startswith(tls_emu.storage_url + "/_storage/")
    download = http.get(files.headers["Location"], verify=tls_emu.ca_file)
    assert download.status_code == 200 and "entries" in download.json()


def test_tls_ca_file_is_none_without_tls(emu):
    assert emu.ca_file is None


def test_tls_untrusted_without_the_ca(tls_emu, http):
    with pytest.raises(requests.exceptions.SSLError):
        http.get(f"{tls_emu.base_url}/_emulator/stats")


def _client_context(ca_file: str, maximum: ssl.TLSVersion) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(ca_file)
    with warnings.catch_warnings():  # TLS < 1.2 is deprecated in Python's ssl module: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = maximum
    return context


def test_tls_1_2_client_is_accepted(tls_emu):
    host, port = _host_port(tls_emu.base_url)
    context = _client_context(tls_emu.ca_file, ssl.TLSVersion.TLSv1_2)
    with socket.create_connection((host, port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            assert tls.version() == "TLSv1.2"


def test_tls_1_1_client_fails_the_handshake(tls_emu, http):
    host, port = _host_port(tls_emu.base_url)
    try:
        context = _client_context(tls_emu.ca_file, ssl.TLSVersion.TLSv1_1)
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let the client offer TLS 1.1 at all
    except (ssl.SSLError, ValueError) as error:
        pytest.skip(f"this OpenSSL cannot build a TLS 1.1 client context: {error}")
    with socket.create_connection((host, port), timeout=5) as raw:
        with pytest.raises(ssl.SSLError) as failure:
            with context.wrap_socket(raw, server_hostname=host):
                pass
    # the server's alert (not a local refusal to offer TLS 1.1) when OpenSSL lets the client try
    assert "PROTOCOL_VERSION" in str(failure.value).upper() or "NO_PROTOCOLS" in str(failure.value).upper()
    # and the server still serves others
    response = http.get(f"{tls_emu.base_url}/_emulator/stats", verify=tls_emu.ca_file)
    assert response.status_code == 200
