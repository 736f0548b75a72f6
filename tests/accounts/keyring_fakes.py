"""Keyring backends for tests: nothing ever reaches the user's real keyring.

``MemoryKeyring`` lives in one process (set with ``keyring.set_keyring``);
``FileKeyring`` keeps its entries in the JSON file named by
``EXPLORE_TEST_KEYRING_FILE`` so that separate ``explore-pandas`` processes share
it (selected with ``PYTHON_KEYRING_BACKEND=keyring_fakes.FileKeyring``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """An OS keyring stand-in held in a dict; ``priority`` 1 makes it "recommended" (usable)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise PasswordDeleteError("no such password")
        del self.entries[(service, username)]


class FileKeyring(KeyringBackend):
    """The same, kept in a JSON file shared by processes (a test's stand-in, plain text)."""

    priority = 1  # type: ignore[assignment]

    @staticmethod
    def _path() -> Path:
        return Path(os.environ["EXPLORE_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            return dict(json.loads(self._path().read_text(encoding="utf-8")))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._load()
        entries[f"{service}/{username}"] = password
        self._path().write_text(json.dumps(entries), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        entries = self._load()
        if entries.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("no such password")
        self._path().write_text(json.dumps(entries), encoding="utf-8")
