"""Every test here runs with its own config and data folders and a fake OS keyring.

platformdirs honours ``XDG_CONFIG_HOME`` and ``XDG_DATA_HOME`` on Linux, so
``config.toml`` and the secret files land in the test's folders; the keyring is
an in-memory backend set with ``keyring.set_keyring``, and after the test a
failing one, so that nothing can reach the user's real keyring.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from accounts_support import CREDENTIAL_VARIABLES, Home
from keyring.backends import fail
from keyring_fakes import MemoryKeyring


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    folders = Home(tmp_path / "xdg-config", tmp_path / "xdg-data")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folders.config))
    monkeypatch.setenv("XDG_DATA_HOME", str(folders.data))
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    return folders


@pytest.fixture(autouse=True)
def fake_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(fail.Keyring())


@pytest.fixture
def no_keyring() -> None:
    """No usable OS keyring: keyring's own failing backend (priority 0)."""
    keyring.set_keyring(fail.Keyring())
