"""``explore-pandas doctor`` against a healthy emulator, and against the emulator posing as each
misconfigured account: the exit code, and the one ✗ line that names the check and its fix."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from accounts_support import run_cli

import explore_pandas as xp
from explore_pandas.api import probes
from explore_pandas.api.doctor import Check, format_check, run_checks
from explore_pandas.emulator import Emulator

NAMES = ["settings", "dns", "tls", "clock", "token", "scopes", "api", "proxy"]
READER = ("reader", "reader-s3cret")


def env_of(emu: Emulator, **changes: str) -> dict[str, str]:
    credentials: dict[str, str] = {**emu.credentials, **changes}
    return {f"EXPLORE_{key.upper()}": value for key, value in credentials.items()}


def failed(checks: list[Check]) -> list[Check]:
    return [check for check in checks if check.passed is False]


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(progression="immediate") as emulator:
        emulator.add_client(*READER, scopes=("data-reports:read",))
        yield emulator


def test_a_healthy_account_passes_every_check(emu: Emulator) -> None:
    emu.configure(progression={"seconds": 600})  # one job still running: one slot in use
    with xp.Client(**emu.credentials) as client:
        client.create_job("calls", start="2026-09-01", end="2026-09-02")
    checks = run_checks(**emu.credentials)
    assert [c.name for c in checks] == NAMES and all(c.passed for c in checks), checks
    by_name = {c.name: c.detail for c in checks}
    assert "client id 'explore-demo' (argument)" in by_name["settings"]
    assert "plain http (loopback only: no TLS)" in by_name["tls"]
    assert "job slots in use: 1 of 15" in by_name["api"]


def test_the_command_exits_0_with_a_tick_per_check(emu: Emulator) -> None:
    result = run_cli("doctor", env=env_of(emu))
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line.split()[:2] for line in lines[:8]] == [["✓", name] for name in NAMES]
    assert lines[-1] == "All checks passed."


def test_tls_with_the_emulators_ca_shows_the_version() -> None:
    with Emulator(tls=True) as emu:
        checks = run_checks(**emu.credentials, verify=emu.ca_file or True)
        assert all(c.passed for c in checks), checks
        tls = next(c for c in checks if c.name == "tls").detail
        assert tls in ("127.0.0.1: TLSv1.3", "127.0.0.1: TLSv1.2")
        result = run_cli("doctor", env={**env_of(emu), "REQUESTS_CA_BUNDLE": emu.ca_file or ""})
        assert result.returncode == 0, result.stdout
        assert f"CA bundle {emu.ca_file} (REQUESTS_CA_BUNDLE)" in result.stdout


# Each failure mode: how the emulator poses, the one failing check, words of its line and its fix.
MODES: dict[str, tuple[str, list[str]]] = {
    "wrong secret": ("token", ["refused client 'explore-demo' (401 invalid_client)", "fix: check the client id and secret"]),
    "read-only scopes": ("scopes", ["granted: data-reports:read; missing: data-reports:write (to create jobs)",
                                    "fix: add data-reports:write to OAuth client 'reader'"]),
    "clock ten minutes off": ("clock", ["this computer's clock is 10 min", "ahead of 127.0.0.1's (its Date header)",
                                        "fix: turn on network time (NTP)"]),
    "untrusted TLS": ("tls", ["TLS failed: certificate verify failed",
                              "fix: the certificate of 127.0.0.1 is not trusted", "REQUESTS_CA_BUNDLE"]),
    "no settings": ("settings", ["EXPLORE_CLIENT_ID", "fix: run `explore-pandas login`"]),
}


def _posing(mode: str) -> tuple[Emulator, dict[str, str]]:
    """An emulator posing as the misconfigured account of ``mode``, and the variables that reach it."""
    if mode == "clock ten minutes off":
        emu = Emulator(now=datetime.now(timezone.utc) - timedelta(minutes=10, seconds=5)).start()
        return emu, env_of(emu)
    emu = Emulator(tls=mode == "untrusted TLS").start()
    emu.add_client(*READER, scopes=("data-reports:read",))
    if mode == "wrong secret":
        return emu, env_of(emu, client_secret="not-the-secret")
    if mode == "read-only scopes":
        return emu, env_of(emu, client_id=READER[0], client_secret=READER[1])
    if mode == "untrusted TLS":  # certifi's bundle does not know the emulator's certificate
        return emu, {**env_of(emu), "REQUESTS_CA_BUNDLE": probes.ca_bundle(True)[0] or ""}
    return emu, {}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_each_misconfiguration_gives_one_failing_line_with_its_fix(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    name, words = MODES[mode]
    emu, env = _posing(mode)
    try:
        if mode == "untrusted TLS":
            monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
            monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        checks = run_checks(environ=env)
        assert [c.name for c in failed(checks)] == [name], [format_check(c) for c in checks]
        result = run_cli("doctor", env=env)
    finally:
        emu.close()
    assert result.returncode == 1, result.stdout + result.stderr
    crosses = [line for line in result.stdout.splitlines() if line.startswith("✗")]
    assert len(crosses) == 1 and crosses[0].split()[1] == name, result.stdout
    for word in words:
        assert word in crosses[0], crosses[0]
    assert result.stdout.splitlines()[-1] == f"1 check failed: {name}."


def _no_such_host(host: str, *args: Any, **kwargs: Any) -> Any:
    if host.endswith(".eu"):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]


def test_a_region_or_account_mixup_names_the_host_that_was_tried() -> None:
    checks = run_checks(account="acme", region="eu", client_id="x", client_secret="y", resolver=_no_such_host)
    (dns,) = failed(checks)
    assert dns.name == "dns"
    assert "api.talkdeskapp.eu does not resolve" in dns.detail and "acme.talkdeskid.eu does not resolve" in dns.detail
    assert ("check the account name and the region: acme.talkdeskid.eu is the EU token host of account 'acme' "
            "(other regions: acme.talkdeskid.com, acme.talkdeskidca.com, acme.talkdeskid.au)") in dns.fix
    assert [c.passed for c in checks if c.name in ("tls", "token", "scopes", "api")] == [None] * 4


def test_xp_doctor_is_a_dataframe_of_the_same_checks(emu: Emulator) -> None:
    df = xp.doctor(**{**emu.credentials, "client_id": READER[0], "client_secret": READER[1]})
    assert list(df.columns) == ["check", "status", "detail", "fix"] and df["check"].tolist() == NAMES
    assert df.set_index("check")["status"].to_dict() == {
        "settings": "✓", "dns": "✓", "tls": "✓", "clock": "✓", "token": "✓", "scopes": "✗", "api": "-", "proxy": "✓"}
    assert "data-reports:write" in df.set_index("check").loc["scopes", "fix"]


def test_the_proxy_line_shows_the_proxy_without_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://me:pr0xy-pa55@proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    checks = run_checks(account="acme", client_id="x", client_secret="y", resolver=_no_such_host)
    proxy = next(c for c in checks if c.name == "proxy")
    assert "api.talkdeskapp.com via http://***@proxy.corp.example:3128" in proxy.detail
    assert "pr0xy-pa55" not in " ".join(format_check(c) for c in checks)
    assert probes.proxy_for("http://127.0.0.1:8080") is None  # NO_PROXY honoured


def test_a_missing_ca_bundle_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "nope.pem"))
    checks = run_checks(environ={})
    proxy = next(c for c in checks if c.name == "proxy")
    assert proxy.passed is False and "no such file" in proxy.detail and "REQUESTS_CA_BUNDLE" in proxy.fix


def test_a_profile_is_checked_with_its_sources(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from explore_pandas.cli.main import main

    monkeypatch.setattr("sys.stdin", io.StringIO(emu.client_secret + "\n"))
    assert main(["login", "--profile", "work", "--base-url", emu.base_url, "--token-url", emu.token_url,
                 "--client-id", emu.client_id, "--secret-stdin"]) == 0
    checks = run_checks(profile="work")
    assert all(c.passed for c in checks)
    assert "secret from profile 'work' (OS keyring (keyring fakes MemoryKeyring))" in checks[0].detail


def test_an_unreachable_proxy_fails_the_proxy_line_and_names_it(emu: Emulator) -> None:
    with socket.socket() as closed:  # a port that nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {**env_of(emu), "HTTP_PROXY": f"http://127.0.0.1:{port}", "NO_PROXY": "", "no_proxy": ""}
    result = run_cli("doctor", env=env)
    assert result.returncode == 1, result.stdout
    lines = {line.split()[1]: line for line in result.stdout.splitlines()[:8]}
    assert lines["tls"] == "- tls      skipped: the proxy did not answer (see the proxy line)"
    assert lines["proxy"] == (f"✗ proxy    proxy http://127.0.0.1:{port} did not answer (Connection refused); "
                              f"127.0.0.1 via http://127.0.0.1:{port}  fix: start the proxy or correct its address in HTTPS_PROXY/HTTP_PROXY, or add "
                                   "the hosts to NO_PROXY to go without it")
    assert [line.split()[1] for line in result.stdout.splitlines() if line.startswith("✗")] == ["proxy"]


def test_xp_doctor_checks_the_client_xp_connect_made(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from explore_pandas.api.client import set_default_client
    from explore_pandas.cli.main import main

    monkeypatch.setattr("sys.stdin", io.StringIO(emu.client_secret + "\n"))
    assert main(["login", "--profile", "work", "--base-url", emu.base_url, "--token-url", emu.token_url,
                 "--client-id", emu.client_id, "--secret-stdin"]) == 0
    previous = set_default_client(None)
    try:
        assert xp.doctor().set_index("check").loc["settings", "status"] == "✗"  # no EXPLORE_*, no 'default' profile
        xp.connect(profile="work")
        df = xp.doctor().set_index("check")
        assert df["status"].tolist() == ["✓"] * 8, df
        assert f"API {emu.base_url} (the connected client)" in df.loc["settings", "detail"]
    finally:
        replaced = set_default_client(previous)
        if replaced is not None:
            replaced.close()


def test_the_settings_line_of_the_command_has_no_python(home: Any) -> None:
    result = run_cli("doctor")
    first = result.stdout.splitlines()[0]
    assert result.returncode == 1 and first.startswith("✗ settings EXPLORE_CLIENT_ID, EXPLORE_CLIENT_SECRET and ")
    assert "Or try everything offline, no account needed: `explore-pandas demo`." in first
    assert "xp." not in result.stdout and "**" not in result.stdout
