"""The second black-box pass on first contact (issues 14 and 17): each mistake in a setting, a
config file or a secret file is one line that names it and the fix, exit 2, no traceback and no job."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from accounts_support import Home, run_cli

from explore_pandas.emulator import Emulator

SECRET = "cl1-s3cret-DO-NOT-LEAK-4a7f"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(progression="immediate", client_secret=SECRET) as emulator:
        yield emulator


def _env(emu: Emulator, **extra: str) -> dict[str, str]:
    return {"EXPLORE_BASE_URL": emu.base_url, "EXPLORE_TOKEN_URL": emu.token_url,
            "EXPLORE_CLIENT_ID": emu.client_id, "EXPLORE_CLIENT_SECRET": SECRET, **extra}


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    assert SECRET not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("explore-pandas: "), result.stderr
    return lines[0]


# -- 1 and 10: a CA bundle that is not a file --------------------------------------------------

def test_doctor_with_a_missing_ca_bundle_fails_the_proxy_line_not_the_command(home: Home) -> None:
    with Emulator(progression="immediate", tls=True, client_secret=SECRET) as emu:
        doctor = run_cli("doctor", env=_env(emu, REQUESTS_CA_BUNDLE="/nonexistent.pem"))
    assert doctor.returncode == 1 and doctor.stderr == "", doctor.stderr
    lines = doctor.stdout.splitlines()
    assert lines[2] == "- tls      skipped: no CA bundle to check certificates with (see the proxy line)"
    assert lines[7] == ("✗ proxy    no proxy; CA bundle /nonexistent.pem (REQUESTS_CA_BUNDLE): no such file  fix: "
                        "point REQUESTS_CA_BUNDLE at an existing CA bundle file, or unset it")
    assert lines[-1] == "1 check failed: proxy."


def test_xp_doctor_with_a_missing_ca_bundle_is_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from explore_pandas.api.doctor import run_checks

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent.pem")
    with Emulator(progression="immediate", tls=True) as emu:
        checks = {c.name: c.passed for c in run_checks(**emu.credentials)}
    assert checks == {"settings": True, "dns": True, "tls": None, "clock": None, "token": None, "scopes": None,
                      "api": None, "proxy": False}


def test_a_pull_with_a_missing_ca_bundle_names_the_variable(home: Home, tmp_path: Path) -> None:
    with Emulator(progression="immediate", tls=True, client_secret=SECRET) as emu:
        pull = run_cli("pull", "calls", "--last", "1d", "-o", str(tmp_path / "c.csv"),
                       env=_env(emu, REQUESTS_CA_BUNDLE="/nonexistent.pem"))
        assert emu.stats()["jobs_created"] == 0
    assert pull.returncode == 2
    assert _one_line(pull) == (
        "explore-pandas: REQUESTS_CA_BUNDLE=/nonexistent.pem is not a file, so no server certificate can be "
        "checked. Point REQUESTS_CA_BUNDLE at an existing CA bundle file (your company's, behind a "
        "TLS-inspecting proxy), or unset it to use certifi's.")


# -- profiles saved with the file fallback: 4, 5, 6 ---------------------------------------------

def _login_to_file(emu: Emulator, home: Home) -> None:
    login = run_cli("login", "--base-url", emu.base_url, "--token-url", emu.token_url,
                    "--client-id", emu.client_id, "--secret-stdin", stdin=SECRET + "\n")
    assert login.returncode == 0, login.stderr
    assert (home.secrets / "default").exists()


def _pull(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("pull", "calls", "--start", "2026-09-01", "--end", "2026-09-02", "-o", str(tmp_path / "c.csv"))


def test_a_secret_file_edited_by_hand_is_trimmed_as_login_trims(emu: Emulator, home: Home, tmp_path: Path) -> None:
    _login_to_file(emu, home)
    (home.secrets / "default").write_text(SECRET + "\r\n", encoding="utf-8")  # printf 'secret\n' > file
    pull = _pull(tmp_path)
    assert pull.returncode == 0, pull.stderr
    assert emu.stats()["jobs_created"] == 1


@pytest.mark.parametrize(("what", "mode", "fix"), [("file", 0o644, "chmod 600"), ("folder", 0o755, "chmod 700")])
def test_a_secret_others_can_read_is_refused_as_ssh_does(emu: Emulator, home: Home, tmp_path: Path,
                                                         what: str, mode: int, fix: str) -> None:
    _login_to_file(emu, home)
    path = home.secrets / "default" if what == "file" else home.secrets
    path.chmod(mode)
    pull = _pull(tmp_path)
    assert pull.returncode == 2 and emu.stats()["jobs_created"] == 0
    assert _one_line(pull) == (
        f"explore-pandas: {path} is not private (mode {mode:o}): other users can "
        f"{'read' if what == 'file' else 'list'} it. Run `{fix} {path}`, or run "
        "`explore-pandas login --profile default` again.")
    doctor = run_cli("doctor")
    assert doctor.returncode == 1
    assert doctor.stdout.splitlines()[0].startswith(f"✗ settings {path} is not private (mode {mode:o})")


@pytest.mark.parametrize("which", ["config", "secret"])
def test_a_file_that_is_not_text_is_a_setting_to_fix_not_a_bug(emu: Emulator, home: Home, tmp_path: Path,
                                                                which: str) -> None:
    _login_to_file(emu, home)
    path = home.config_toml if which == "config" else home.secrets / "default"
    path.write_bytes(b"\xff\xfe")
    pull = _pull(tmp_path)
    assert pull.returncode == 2 and emu.stats()["jobs_created"] == 0
    line = _one_line(pull)
    assert "This is a bug" not in line
    if which == "config":
        assert line == (f"explore-pandas: cannot read the profiles in {path}: it is not UTF-8 text. Fix the "
                        "file, or delete it and run `explore-pandas login` again.")
    else:
        assert line == (f"explore-pandas: cannot read the secret of profile 'default' in {path}: it is not "
                        "UTF-8 text. Fix the file, or run `explore-pandas login --profile default` again.")
    doctor = run_cli("doctor")
    assert doctor.returncode == 1 and "Traceback" not in doctor.stderr
    assert doctor.stdout.startswith("✗ settings cannot read the ")


# -- 7: a config.toml that is not what login writes -----------------------------------------------

@pytest.mark.parametrize(("text", "why"), [
    ("profiles = 3\n", "'profiles' is a int, not a table of profiles ([profiles.NAME])"),
    ("[profiles]\ndefault = 'x'\n", "profiles.default is a str, not a table ([profiles.default])"),
    ("[profiles.default]\nclient_id = 42\n", "profiles.default.client_id is 42, not text in quotes"),
    ("[profiles.default]\nclient_id = 'c'\nsecret_store = 'vault'\n",
     "profiles.default.secret_store is 'vault', not 'keyring' or 'file'"),
    ("[profiles.default]\nclient_id = 'c'\nclient_secret = 'oops'\n",
     "profiles.default has a client_secret, and secrets never go in this file: remove that line (rotate the "
     "secret if the file was shared), then run `explore-pandas login --profile default` to keep it in the keyring"),
    ("default_profile = 'x'\n[profiles.default]\nclient_id = 'c'\n",
     "it has the unknown top-level key default_profile: only [profiles.NAME] tables are read (choose a profile "
     "with --profile NAME or EXPLORE_PROFILE)"),
    ("[profiles.default]\nclient_id = 'c'\nacount = 'acme'\n",
     "profiles.default has unknown key acount (known: account, region, client_id, base_url, token_url, "
     "secret_store)"),
])
def test_a_config_toml_login_did_not_write_is_refused(home: Home, tmp_path: Path, text: str, why: str) -> None:
    home.config_toml.parent.mkdir(parents=True)
    home.config_toml.write_text(text, encoding="utf-8")
    pull = _pull(tmp_path)
    assert pull.returncode == 2 and not (tmp_path / "c.csv").exists()
    assert _one_line(pull) == (f"explore-pandas: cannot read the profiles in {home.config_toml}: {why}. Fix the "
                               "file, or delete it and run `explore-pandas login` again.")
    assert "oops" not in pull.stderr


# -- 8: an empty profile name is refused, never the default ---------------------------------------

EMPTY = ("explore-pandas: profile '' is not a profile name: use letters, digits, '_', '.' or '-' (at most 64), "
         "e.g. 'default' or 'work'.")


@pytest.mark.parametrize("args", [("logout", "--profile", ""), ("--profile", "", "logout"),
                                  ("--profile", "", "pull", "calls", "--last", "1d", "-o", "x.csv"),
                                  ("login", "--profile", "", "--client-id", "c", "--token-url",
                                   "http://127.0.0.1:9/t", "--base-url", "http://127.0.0.1:9", "--secret-stdin")])
def test_an_empty_profile_name_is_refused_and_default_is_untouched(emu: Emulator, home: Home,
                                                                   args: tuple[str, ...]) -> None:
    _login_to_file(emu, home)
    before = home.config_toml.read_text(encoding="utf-8")
    result = run_cli(*args, stdin="other\n")
    assert result.returncode == 2 and _one_line(result) == EMPTY
    assert home.config_toml.read_text(encoding="utf-8") == before and (home.secrets / "default").exists()


def test_doctor_and_connect_refuse_an_empty_profile_name(emu: Emulator, home: Home) -> None:
    import explore_pandas as xp
    from explore_pandas.exceptions import ConfigurationError

    _login_to_file(emu, home)
    doctor = run_cli("doctor", "--profile", "")
    assert doctor.returncode == 1 and doctor.stdout.startswith("✗ settings profile '' is not a profile name")
    with pytest.raises(ConfigurationError, match="profile '' is not a profile name"):
        xp.connect(profile="")


# -- 2 and 3: a refused login says why --------------------------------------------------------------

def test_a_login_whose_client_lacks_a_scope_names_it(emu: Emulator, home: Home) -> None:
    emu.add_client("reader", "reader-secret", ("data-reports:read",))
    login = run_cli("login", "--base-url", emu.base_url, "--token-url", emu.token_url, "--client-id", "reader",
                    "--secret-stdin", stdin="reader-secret\n")
    assert login.returncode == 1 and "Traceback" not in login.stderr and "reader-secret" not in login.stderr
    assert login.stderr.splitlines() == [
        f"explore-pandas: login failed, nothing saved: {emu.token_url} refused client 'reader' (400 invalid_scope); "
        "fix: the OAuth client is not granted data-reports:write: add it to the client in Talkdesk (new scopes "
        "take a few minutes)."]
    assert not home.config_toml.exists()


def test_a_login_at_a_wrong_token_url_points_at_the_url(emu: Emulator, home: Home) -> None:
    wrong = emu.base_url + "/oauth/wrong"
    login = run_cli("login", "--base-url", emu.base_url, "--token-url", wrong, "--client-id", emu.client_id,
                    "--secret-stdin", stdin=SECRET + "\n")
    assert login.returncode == 1 and "Traceback" not in login.stderr
    line, = login.stderr.splitlines()
    assert line.startswith(f"explore-pandas: login failed, nothing saved: {wrong} refused client "
                           f"'{emu.client_id}' (404 ")
    assert line.endswith("fix: the token URL answered 404, so it is not a token endpoint: check the token URL "
                         "(https://<account>.talkdeskid.com/oauth/token for your account and region).")
    assert "secret" not in line and not home.config_toml.exists()


# -- 11: a transport failure is one line with the host and the fix ---------------------------------

def test_a_pull_with_nothing_listening_names_the_server_and_the_fix(home: Home, tmp_path: Path) -> None:
    env = {"EXPLORE_BASE_URL": "http://127.0.0.1:1", "EXPLORE_TOKEN_URL": "http://127.0.0.1:1/oauth/token",
           "EXPLORE_CLIENT_ID": "c", "EXPLORE_CLIENT_SECRET": SECRET}
    pull = run_cli("pull", "calls", "--last", "1d", "-o", str(tmp_path / "c.csv"), env=env)
    assert pull.returncode == 1
    assert _one_line(pull) == (
        "explore-pandas: TransportError: no answer to POST http://127.0.0.1:1/oauth/token after 6 attempts "
        "(connection refused): check that the server at http://127.0.0.1:1 is running and reachable (the network, "
        "a firewall, HTTPS_PROXY and NO_PROXY); `explore-pandas doctor` checks each step")


def test_a_pull_to_an_untrusted_certificate_says_the_reason_and_the_ca_bundle(home: Home, tmp_path: Path) -> None:
    with Emulator(progression="immediate", tls=True, client_secret=SECRET) as emu:
        pull = run_cli("pull", "calls", "--last", "1d", "-o", str(tmp_path / "c.csv"),
                       env=_env(emu, REQUESTS_CA_BUNDLE="", CURL_CA_BUNDLE=""))
        assert emu.stats()["jobs_created"] == 0
        token_url = emu.token_url
    assert pull.returncode == 1
    assert _one_line(pull) == (
        f"explore-pandas: TransportError: TLS failed for POST {token_url}: certificate verify failed: "
        "self-signed certificate (CERTIFICATE_VERIFY_FAILED). The certificate is not trusted by the CA bundle in "
        "use: behind a TLS-inspecting proxy, point REQUESTS_CA_BUNDLE at your company's CA bundle")


# -- 13: doctor's fix fits what it saw ---------------------------------------------------------------

def test_a_clock_behind_is_not_told_about_a_clock_ahead() -> None:
    from datetime import datetime, timedelta, timezone

    from explore_pandas.api.doctor import run_checks

    with Emulator(now=datetime.now(timezone.utc) + timedelta(minutes=10, seconds=5)) as emu:
        clock = next(c for c in run_checks(**emu.credentials) if c.name == "clock")
    assert clock.passed is False and "10 min" in clock.detail and "behind 127.0.0.1's" in clock.detail
    assert clock.fix == ("turn on network time (NTP) on this computer; with a clock behind, a token looks valid "
                         "after it expired and the newest data is left out of ranges that end now")


def test_a_settings_line_that_says_its_own_fix_gets_no_other(home: Home) -> None:
    home.config_toml.parent.mkdir(parents=True)
    home.config_toml.write_text("profiles = 3\n", encoding="utf-8")
    doctor = run_cli("doctor")
    first = doctor.stdout.splitlines()[0]
    assert doctor.returncode == 1 and first.endswith("Fix the file, or delete it and run `explore-pandas login` again.")
    assert "fix:" not in first


@pytest.mark.parametrize("content", ["junk\n", ""])
def test_a_ca_bundle_with_no_certificate_is_a_setting_too(home: Home, tmp_path: Path, content: str) -> None:
    """A bundle file that exists but holds no certificate (verify pass: a raw pool dump, exit 1)."""
    bundle = tmp_path / "j.pem"
    bundle.write_text(content)
    with Emulator(progression="immediate", tls=True, client_secret=SECRET) as emu:
        env = _env(emu, REQUESTS_CA_BUNDLE=str(bundle))
        pull = run_cli("pull", "calls", "--last", "1d", "-o", str(tmp_path / "c.csv"), env=env)
        doctor = run_cli("doctor", env=env)
        assert emu.stats()["jobs_created"] == 0
    assert pull.returncode == 2
    assert _one_line(pull) == (
        f"explore-pandas: REQUESTS_CA_BUNDLE={bundle} holds no CA certificate OpenSSL can read, so no server "
        "certificate can be checked. Point REQUESTS_CA_BUNDLE at an existing CA bundle file (your company's, "
        "behind a TLS-inspecting proxy), or unset it to use certifi's.")
    proxy = next(line for line in doctor.stdout.splitlines() if line.startswith("✗ proxy"))
    assert f"CA bundle {bundle} (REQUESTS_CA_BUNDLE): holds no CA certificate OpenSSL can read" in proxy
