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
