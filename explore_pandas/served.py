"""APIs served by this process (the embedded emulator), and where their jobs are recorded.

An emulator running in the same process ends with it, and so do its jobs: a
pull of it records them in a folder the emulator deletes, never in the user's
job ledger. The emulator registers here when it starts serving and leaves
when it stops; the pulls ask here. This small registry is the one thing the
emulator and the client share (the import contracts in ``pyproject.toml``).
"""

from __future__ import annotations

import threading
from pathlib import Path

__all__ = ["ledger_folder", "ledger_folders", "register", "unregister"]

_folders: dict[str, Path] = {}
_lock = threading.Lock()


def _key(base_url: str) -> str:
    return base_url.rstrip("/")


def register(base_url: str, ledger: Path) -> None:
    """``base_url`` is served by this process; its jobs are recorded in ``ledger``."""
    with _lock:
        _folders[_key(base_url)] = ledger


def unregister(base_url: str) -> None:
    with _lock:
        _folders.pop(_key(base_url), None)


def ledger_folder(base_url: str) -> Path | None:
    """The ledger folder of an API served by this process at ``base_url``, else None."""
    with _lock:
        return _folders.get(_key(base_url))


def ledger_folders() -> list[Path]:
    """The ledger folders of every API served by this process."""
    with _lock:
        return list(_folders.values())
