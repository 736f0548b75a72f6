"""``explore-pandas login`` / ``logout`` in this process, and the order settings are resolved in."""

from __future__ import annotations

import io
import stat
from collections.abc import Iterator
from typing import Any

import pytest
from accounts_support import Home
from keyring.errors import KeyringLocked
from keyring_fakes import MemoryKeyring

import explore_pandas as xp
from explore_pandas.api import config, profiles
from explore_pandas.api.client import Client
from explore_pandas.cli.main import main
from explore_pandas.emulator import Emulator
from explore_pandas.exceptions import ConfigurationError

SECRET = "pr0file-s3cret-DO-NOT-LEAK"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(progression="immediate", client_secret=SECRET) as emulator:
        yield emulator


def login(monkeypatch: pytest.MonkeyPatch, emu: Emulator, *extra: str, secret: str = SECRET,
          profile: str = "work") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
    return main(["login", "--profile", profile, "--base-url", emu.base_url, "--token-url", emu.token_url,
                 "--client-id", emu.client_id, "--secret-stdin", *extra])


# -- login ------------------------------------------------------------------------------------

def test_login_keeps_the_secret_in_the_keyring_and_the_rest_in_config_toml(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator, home: Home, fake_keyring: MemoryKeyring,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert login(monkeypatch, emu) == 0
    out = capsys.readouterr().out
    assert "profile 'work'" in out and "OS keyring (keyring fakes MemoryKeyring)" in out and SECRET not in out
    assert fake_keyring.entries == {("explore_pandas", "work"): SECRET}
    text = home.config_toml.read_text(encoding="utf-8")
    assert SECRET not in text
    assert f'client_id = "{emu.client_id}"' in text and 'secret_store = "keyring"' in text
    assert not home.secrets.exists()  # no file when the keyring took it


def test_without_a_keyring_the_secret_goes_to_a_file_only_its_owner_reads(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator, home: Home, no_keyring: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert login(monkeypatch, emu) == 0
    out = capsys.readouterr().out
    secret_file = home.secrets / "work"
    assert f"file {secret_file} (readable by you only; no usable OS keyring)" in out
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.secrets.stat().st_mode) == 0o700
    assert secret_file.read_text(encoding="utf-8") == SECRET
    text = home.config_toml.read_text(encoding="utf-8")
    assert SECRET not in text and 'secret_store = "file"' in text
    with xp.connect(profile="work") as client:  # and it is read back from there
        assert client.settings.client_secret == SECRET


def test_a_keyring_that_refuses_the_secret_falls_back_to_the_file(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator, home: Home, fake_keyring: MemoryKeyring) -> None:
    def locked(*args: Any) -> None:
        raise KeyringLocked("the keyring is locked")

    monkeypatch.setattr(fake_keyring, "set_password", locked)
    assert login(monkeypatch, emu) == 0
    assert (home.secrets / "work").read_text(encoding="utf-8") == SECRET
    assert profiles.load("work") == profiles.Profile(name="work", client_id=emu.client_id, base_url=emu.base_url,
                                                     token_url=emu.token_url, secret_store="file")


def test_login_checks_the_credentials_first_and_saves_nothing_when_refused(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator, home: Home, fake_keyring: MemoryKeyring,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert login(monkeypatch, emu, secret="not-the-secret") == 1
    err = capsys.readouterr().err
    assert "login failed, nothing saved" in err and emu.token_url in err and "not-the-secret" not in err
    assert not home.config_toml.exists() and fake_keyring.entries == {}


def test_login_asks_for_what_is_missing_and_hides_the_secret(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator, fake_keyring: MemoryKeyring,
        capsys: pytest.CaptureFixture[str]) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    prompts: list[str] = []
    monkeypatch.setattr("sys.stdin", Terminal(f"{emu.client_id}\n"))  # the client id, typed
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or SECRET)
    assert main(["login", "--base-url", emu.base_url, "--token-url", emu.token_url, "--region", "us"]) == 0
    out = capsys.readouterr().out
    assert "OAuth client id" in out and prompts == ["Client secret (hidden): "] and SECRET not in out
    assert profiles.load("default") is not None and fake_keyring.entries[("explore_pandas", "default")] == SECRET


class Terminal(io.StringIO):
    """Standard input that is a terminal: login asks its questions on it."""

    def isatty(self) -> bool:
        return True


def test_login_asks_no_region_when_both_urls_are_given(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", Terminal(f"{emu.client_id}\n"))  # only the client id is asked
    monkeypatch.setattr("getpass.getpass", lambda prompt: SECRET)
    assert main(["login", "--base-url", emu.base_url, "--token-url", emu.token_url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OAuth client id: ") and "Region" not in out


def test_an_empty_answer_to_a_required_question_asks_it_again(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    """Enter at the client id prompt went on to the next question, then failed naming flags."""
    monkeypatch.setattr("sys.stdin", Terminal(f"\n  \n{emu.client_id}\n"))  # Enter, spaces, then the id
    monkeypatch.setattr("getpass.getpass", lambda prompt: SECRET)
    assert main(["login", "--base-url", emu.base_url, "--token-url", emu.token_url]) == 0
    out = capsys.readouterr().out
    assert out.count("OAuth client id: ") == 3 and out.count("(needed: type it, or Ctrl-C to stop)") == 2


def test_login_refuses_a_bad_account_before_asking_the_secret(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    asked: list[str] = []
    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or SECRET)
    assert main(["login", "--account", "acme corp", "--region", "eu", "--client-id", "x"]) == 2
    assert asked == []  # the mistake is said before the secret is typed
    assert capsys.readouterr().err == ("explore-pandas: --account='acme corp' is not a Talkdesk account name "
                                       "(the subdomain of https://<account>.talkdeskid.com).\n")


@pytest.mark.parametrize(("stdin", "options", "how"), [
    (io.StringIO("\n"), ["--secret-stdin"],
     "--secret-stdin read an empty first line: give the secret as the first line of standard input, "
     "e.g. --secret-stdin < secret.txt"),
    (Terminal(""), [], "type or paste it at the prompt (it is not shown)"),
], ids=["stdin", "prompt"])
def test_an_empty_secret_names_the_field_and_the_fix(monkeypatch: pytest.MonkeyPatch, emu: Emulator, stdin: Any,
                                                     options: list[str], how: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", stdin)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "  ")
    assert main(["login", "--base-url", emu.base_url, "--token-url", emu.token_url, "--client-id", "cid",
                 *options]) == 2
    assert capsys.readouterr().err == (f"explore-pandas: the client secret is empty: {how}. It is the secret of "
                                       "the OAuth client 'cid' that you created in Talkdesk.\n")


def test_a_script_without_a_terminal_must_give_the_secret_on_stdin(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["login", "--token-url", emu.token_url, "--base-url", emu.base_url, "--client-id", "x"]) == 2
    assert "--secret-stdin" in capsys.readouterr().err


# -- the resolution order ------------------------------------------------------------------------

def test_a_profile_alone_connects_and_pulls(monkeypatch: pytest.MonkeyPatch, emu: Emulator) -> None:
    assert login(monkeypatch, emu) == 0
    client = xp.connect(profile="work")
    df = xp.read_report("calls", start="2026-09-01", end="2026-09-02", progress=False, ledger=False)
    assert len(df) > 0 and client.settings.base_url == emu.base_url
    monkeypatch.setenv("EXPLORE_PROFILE", "work")
    with Client() as again:
        assert again.settings == client.settings
    client.close()


def test_arguments_then_environment_then_the_profile(monkeypatch: pytest.MonkeyPatch, emu: Emulator) -> None:
    assert login(monkeypatch, emu, "--region", "us") == 0
    settings, sources = config.resolve_with_sources(profile="work")
    assert sources["client_id"] == "client_id of profile 'work'"
    assert sources["client_secret"] == "profile 'work' (OS keyring (keyring fakes MemoryKeyring))"
    assert sources["region"] == "region of profile 'work'"
    monkeypatch.setenv("EXPLORE_BASE_URL", "http://127.0.0.1:9")
    settings, sources = config.resolve_with_sources(profile="work")
    assert (settings.base_url, sources["base_url"]) == ("http://127.0.0.1:9", "EXPLORE_BASE_URL")
    settings, sources = config.resolve_with_sources(profile="work", base_url="http://127.0.0.1:8")
    assert (settings.base_url, sources["base_url"]) == ("http://127.0.0.1:8", "argument")
    assert settings.client_secret == SECRET  # the rest still from the profile


def test_the_default_profile_fills_in_only_when_nothing_names_an_account(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator) -> None:
    assert login(monkeypatch, emu, "--account", "acme", profile="default") == 0
    settings, sources = config.resolve_with_sources()
    assert settings.account == "acme" and sources["account"] == "account of profile 'default'"
    with Emulator() as other:  # complete arguments: the default profile stays out of it
        settings = config.resolve(**other.credentials)
        assert settings.account is None and settings.client_secret == other.client_secret
    for key, value in emu.credentials.items():  # complete EXPLORE_*: the same
        monkeypatch.setenv(f"EXPLORE_{key.upper()}", value)
    assert config.resolve().account is None


def test_a_profile_secret_never_goes_with_another_client_id(monkeypatch: pytest.MonkeyPatch, emu: Emulator) -> None:
    assert login(monkeypatch, emu) == 0
    with pytest.raises(ConfigurationError, match="client_secret"):
        Client(profile="work", client_id="someone-else")


def test_a_named_profile_that_is_not_saved_says_how_to_create_it(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator) -> None:
    assert login(monkeypatch, emu) == 0
    with pytest.raises(ConfigurationError, match=r"profile 'nope' is not saved .*\(saved: work\).*"
                                                 r"explore-pandas login --profile nope") as raised:
        xp.connect(profile="nope")
    assert raised.value.setting == "profile"
    monkeypatch.setenv("EXPLORE_PROFILE", "nope")
    with pytest.raises(ConfigurationError) as raised:
        xp.connect()
    assert raised.value.setting == "EXPLORE_PROFILE"


def test_a_malformed_config_toml_is_named(home: Home) -> None:
    home.config_toml.parent.mkdir(parents=True)
    home.config_toml.write_text("[profiles.work\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="config.toml"):
        xp.connect(profile="work")


# -- logout -------------------------------------------------------------------------------------

def test_logout_removes_the_secret_from_the_keyring_and_the_profile(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator, home: Home, fake_keyring: MemoryKeyring,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert login(monkeypatch, emu) == 0 and login(monkeypatch, emu, profile="other") == 0
    assert main(["logout", "--profile", "work"]) == 0
    out = capsys.readouterr().out
    assert "removed the secret from the OS keyring" in out
    assert fake_keyring.entries == {("explore_pandas", "other"): SECRET}
    assert profiles.names() == ["other"]
    with pytest.raises(ConfigurationError, match="not saved"):
        xp.connect(profile="work")
    assert main(["logout", "--profile", "work"]) == 1  # nothing left to remove
    assert "No profile 'work' was saved (saved: other)" in capsys.readouterr().out


def test_logout_removes_the_secret_file(monkeypatch: pytest.MonkeyPatch, emu: Emulator, home: Home,
                                        no_keyring: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert login(monkeypatch, emu) == 0
    assert (home.secrets / "work").exists()
    assert main(["--profile", "work", "logout"]) == 0  # the global --profile works too
    assert f"the secret file {home.secrets / 'work'}" in capsys.readouterr().out
    assert not (home.secrets / "work").exists() and profiles.names() == []


def test_a_profile_whose_secret_is_gone_says_to_log_in_again(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator, fake_keyring: MemoryKeyring) -> None:
    assert login(monkeypatch, emu) == 0
    fake_keyring.entries.clear()  # removed behind our back (another tool, a new keyring)
    with pytest.raises(ConfigurationError, match="explore-pandas login --profile work"):
        xp.connect(profile="work")


@pytest.mark.parametrize("name", ["../etc", "a b", "", "x" * 65])
def test_profile_names_are_safe_file_names(name: str) -> None:
    with pytest.raises(ConfigurationError, match="profile name"):
        profiles.check_name(name)


def test_logging_in_again_moves_the_secret_and_leaves_no_stale_copy(
        monkeypatch: pytest.MonkeyPatch, emu: Emulator, home: Home, no_keyring: None) -> None:
    import keyring

    assert login(monkeypatch, emu) == 0 and (home.secrets / "work").exists()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)  # a keyring is usable now (say, a desktop session)
    assert login(monkeypatch, emu, "--account", "acme") == 0
    assert backend.entries == {("explore_pandas", "work"): SECRET} and not (home.secrets / "work").exists()
    saved = profiles.load("work")
    assert saved is not None and (saved.account, saved.secret_store) == ("acme", "keyring")
