"""The newcomer's path through the installed command, one process per command as in a shell:
login, doctor, pull with the profile, logout; and nothing secret in any of their output."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from accounts_support import Home, run_cli

from explore_pandas.emulator import Emulator

SECRET = "cl1-s3cret-DO-NOT-LEAK-4a7f"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(progression="immediate", client_secret=SECRET) as emulator:
        yield emulator


def _clean(*outputs: str) -> None:
    for text in outputs:
        assert SECRET not in text
        assert "eyJ" not in text  # no JWT (an access token starts with base64 of '{"')


def test_login_doctor_pull_logout_with_the_file_fallback(emu: Emulator, home: Home, tmp_path: Path) -> None:
    login = run_cli("login", "--profile", "work", "--base-url", emu.base_url, "--token-url", emu.token_url,
                    "--client-id", emu.client_id, "--secret-stdin", stdin=SECRET + "\n")
    assert login.returncode == 0, login.stderr
    assert f"secret:   file {home.secrets / 'work'} (readable by you only; no usable OS keyring)" in login.stdout
    assert stat.S_IMODE((home.secrets / "work").stat().st_mode) == 0o600
    assert SECRET not in home.config_toml.read_text(encoding="utf-8")

    doctor = run_cli("doctor", "--profile", "work")
    assert doctor.returncode == 0, doctor.stdout
    assert "secret from profile 'work' (file " in doctor.stdout

    target = tmp_path / "calls.csv"
    pull = run_cli("--profile", "work", "pull", "calls", "--start", "2026-09-01", "--end", "2026-09-03",
                   "-o", str(target))
    assert pull.returncode == 0, pull.stderr
    assert "emulator" not in pull.stderr and len(pd.read_csv(target)) > 0
    assert emu.stats()["jobs_created"] == 1  # the profile's account served it

    logout = run_cli("logout", "--profile", "work")
    assert logout.returncode == 0 and "removed the secret file" in logout.stdout
    assert not (home.secrets / "work").exists()
    after = run_cli("doctor", "--profile", "work")
    assert after.returncode == 1 and after.stdout.splitlines()[0].startswith("✗ settings profile 'work' is not saved")
    _clean(login.stdout, login.stderr, doctor.stdout, doctor.stderr, pull.stdout, pull.stderr,
           logout.stdout, logout.stderr, after.stdout, after.stderr)


def test_login_with_an_os_keyring_keeps_the_secret_there(emu: Emulator, home: Home, tmp_path: Path) -> None:
    store = tmp_path / "keyring.json"
    env = {"EXPLORE_TEST_KEYRING_FILE": str(store)}
    login = run_cli("login", "--base-url", emu.base_url, "--token-url", emu.token_url, "--client-id", emu.client_id,
                    "--secret-stdin", stdin=SECRET + "\n", env=env, keyring_backend="keyring_fakes.FileKeyring")
    assert login.returncode == 0, login.stderr
    assert "secret:   OS keyring (keyring fakes FileKeyring)" in login.stdout
    assert json.loads(store.read_text(encoding="utf-8")) == {"explore_pandas/default": SECRET}
    assert not home.secrets.exists() and SECRET not in home.config_toml.read_text(encoding="utf-8")
    doctor = run_cli("doctor", env=env, keyring_backend="keyring_fakes.FileKeyring")  # the default profile
    assert doctor.returncode == 0, doctor.stdout
    logout = run_cli("logout", env=env, keyring_backend="keyring_fakes.FileKeyring")
    assert logout.returncode == 0 and "removed the secret from the OS keyring" in logout.stdout
    assert json.loads(store.read_text(encoding="utf-8")) == {}
    _clean(login.stdout, login.stderr, doctor.stdout, doctor.stderr, logout.stdout, logout.stderr)


def test_a_refused_login_names_the_token_host_and_saves_nothing(emu: Emulator, home: Home) -> None:
    login = run_cli("login", "--account", "acme", "--region", "eu", "--token-url", emu.token_url,
                    "--base-url", emu.base_url, "--client-id", emu.client_id, "--secret-stdin",
                    stdin="wrong-" + SECRET + "\n")
    assert login.returncode == 1
    assert login.stderr.splitlines() == [
        f"explore-pandas: login failed, nothing saved: {emu.token_url} (account 'acme') refused client "
        f"'{emu.client_id}' (401 invalid_client); fix: check the client id and secret of the OAuth client in Talkdesk."]
    assert "running" not in login.stderr  # the server answered: it is not about the server being up
    assert not home.config_toml.exists()
    _clean(login.stdout, login.stderr.replace("wrong-" + SECRET, ""))
    assert "wrong-" + SECRET not in login.stdout + login.stderr


def test_a_login_tls_failure_is_one_line_naming_the_host_and_the_fix(home: Home) -> None:
    with Emulator(progression="immediate", tls=True, client_secret=SECRET) as emu:
        login = run_cli("login", "--token-url", emu.token_url, "--base-url", emu.base_url, "--client-id",
                        emu.client_id, "--secret-stdin", stdin=SECRET + "\n",
                        env={"REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""})  # certifi: the emulator's cert is unknown
    assert login.returncode == 1 and "Traceback" not in login.stderr
    assert login.stderr.splitlines() == [
        "explore-pandas: login failed, nothing saved: 127.0.0.1: TLS failed: certificate verify failed: self-signed "
        "certificate; fix: the certificate of 127.0.0.1 is not trusted by the CA bundle in use (certifi (requests' "
        "default)): behind a TLS-inspecting proxy, point REQUESTS_CA_BUNDLE at your company's CA bundle."]
    assert not home.config_toml.exists()
