"""No secret and no token reaches any output of login, logout or doctor: stdout, stderr, every
log record at DEBUG, the doctor DataFrame's repr, the profile's repr and config.toml."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from accounts_support import Home

import explore_pandas as xp
from explore_pandas.api import profiles
from explore_pandas.api.doctor import format_check, run_checks
from explore_pandas.cli.main import main
from explore_pandas.emulator import Emulator
from explore_pandas.exceptions import ExploreError

SECRET = "l0g-s3cret-DO-NOT-LEAK-93c1"
READER_SECRET = "r3ader-s3cret-DO-NOT-LEAK-5d20"


class Issued(list):
    """Every access token an emulator handed out."""

    def watch(self, emu: Emulator) -> Emulator:
        issue = emu.state.tokens.issue

        def recording(*args: Any, **kwargs: Any) -> dict[str, Any]:
            answer = issue(*args, **kwargs)
            self.append(answer["access_token"])
            return answer

        emu.state.tokens.issue = recording  # type: ignore[method-assign]
        return emu


@pytest.fixture
def issued() -> Issued:
    return Issued()


@pytest.fixture
def emu(issued: Issued) -> Iterator[Emulator]:
    with Emulator(progression="immediate", client_secret=SECRET) as emulator:
        emulator.add_client("reader", READER_SECRET, scopes=("data-reports:read",))
        yield issued.watch(emulator)


def _leaks(text: str, issued: list[str]) -> list[str]:
    found = [s for s in (SECRET, READER_SECRET, "not-the-" + SECRET) if s in text]
    for token in issued:
        found += [part for part in (token, token.rsplit(".", 1)[-1]) if part in text]
    return found


def test_nothing_secret_in_any_output(emu: Emulator, issued: Issued, home: Home, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    outputs: list[str] = []
    monkeypatch.setattr("sys.stdin", io.StringIO("not-the-" + SECRET + "\n"))
    args = ["--base-url", emu.base_url, "--token-url", emu.token_url, "--client-id", emu.client_id, "--secret-stdin"]
    assert main(["login", "--profile", "work", *args]) == 1  # refused: the wrong secret is not shown either
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    assert main(["login", "--profile", "work", *args]) == 0
    assert main(["doctor", "--profile", "work"]) == 0
    frames = [xp.doctor(profile="work"),
              xp.doctor(**{**emu.credentials, "client_id": "reader", "client_secret": READER_SECRET}),
              xp.doctor(**{**emu.credentials, "client_secret": "not-the-" + SECRET})]
    with Emulator(now=datetime.now(timezone.utc) - timedelta(minutes=9), client_secret=SECRET) as late:
        issued.watch(late)
        frames.append(xp.doctor(**late.credentials))
    with Emulator(tls=True, client_secret=SECRET) as secure:
        issued.watch(secure)
        frames.append(xp.doctor(**secure.credentials))  # untrusted: TLS fails
        frames.append(xp.doctor(**secure.credentials, verify=secure.ca_file or True))
    with xp.connect(profile="work") as client:
        xp.read_report("calls", start="2026-09-01", end="2026-09-02", client=client, progress=False, ledger=False)
        outputs += [repr(client), repr(client.settings)]
    saved = profiles.load("work")
    outputs += [repr(saved), str(saved), home.config_toml.read_text(encoding="utf-8")]
    try:
        xp.connect(profile="work", client_id="other")
    except ExploreError as error:
        outputs += [str(error), repr(error)]
    assert main(["logout", "--profile", "work"]) == 0
    captured = capsys.readouterr()
    outputs += [captured.out, captured.err]
    outputs += [frame.to_string() for frame in frames] + [repr(frame) for frame in frames]
    outputs += [frame._repr_html_() or "" for frame in frames]
    outputs += [record.getMessage() for record in caplog.records] + [caplog.text]
    assert len(issued) >= 8  # tokens were fetched all along: login, doctor, the pull
    assert [leak for text in outputs for leak in _leaks(text, issued)] == []


def test_checks_carry_no_secret_in_any_field(emu: Emulator, issued: Issued) -> None:
    checks = run_checks(**emu.credentials) + run_checks(**{**emu.credentials, "client_id": "reader",
                                                          "client_secret": READER_SECRET})
    text = "\n".join(f"{format_check(c)}\n{c!r}" for c in checks)
    assert issued and _leaks(text, issued) == []
