"""The ``cache`` command: list, size and clear the local cache of parsed windows."""

from __future__ import annotations

import sys
from typing import TextIO

from explore_pandas.cli.commands import plural
from explore_pandas.exceptions import ExploreError

__all__ = ["ACTIONS", "cache", "human_bytes"]

ACTIONS = ("list", "size", "clear")


def human_bytes(count: float) -> str:
    """``1.5 GiB``, ``320 KiB``, ``12 B``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:,.0f} {unit}" if unit == "B" else f"{count:,.1f} {unit}"
        count /= 1024
    return f"{count:,.1f} GiB"  # pragma: no cover


def cache(action: str = "list", out: TextIO | None = None, limit: int = 50) -> int:
    """``list`` (newest use first), ``size`` or ``clear`` the cache in ``$EXPLORE_CACHE_DIR/frames``."""
    from explore_pandas.pulls.cache import WindowCache

    out = out or sys.stdout
    store = WindowCache()
    if store.directory.exists() and not store.directory.is_dir():
        raise ExploreError(f"the cache folder {store.directory} is a file, not a folder, so no window is cached: "
                           "remove or rename it (or set EXPLORE_CACHE_DIR to another folder).")
    cap = "off (EXPLORE_CACHE_MAX_BYTES=0)" if not store.enabled else f"cap {human_bytes(store.max_bytes)}"
    if action == "clear":
        removed = store.clear()
        print(f"Removed {plural(removed, 'cached window')} from {store.directory}.", file=out)
        return 0
    size, entries = store.size(), store.entries()
    if action == "size":
        print(f"{human_bytes(size)} in {plural(len(entries), 'cached window')} in {store.directory} ({cap}).", file=out)
        return 0
    if not entries:
        print(f"No cached windows in {store.directory} ({cap}).", file=out)
        return 0
    print(f"{plural(len(entries), 'cached window')}, {human_bytes(size)}, in {store.directory} ({cap}); "
          "most recently used first:", file=out)
    print(f"{'last used (UTC)':<20} {'report':<14} {'window':<35} {'zone':<18} {'rows':>9} {'size':>10}  api",
          file=out)
    for entry in entries[:limit]:
        if entry.get("unreadable"):
            print(f"{entry['used'][:19]:<20} (unreadable: dropped at its next use) {entry['file']}", file=out)
            continue
        window = f"{str(entry.get('start', ''))[:16]} .. {str(entry.get('end', ''))[:16]}"
        print(f"{entry['used'][:19]:<20} {entry.get('report', '')!s:<14} {window:<35} "
              f"{entry.get('timezone', '')!s:<18} {entry.get('rows', 0):>9,} {human_bytes(entry['bytes']):>10}  "
              f"{_host(entry.get('api'))}", file=out)
    return 0


def _host(api: object) -> str:
    """The API's host (and port), which tells an account's windows from an emulator's."""
    from urllib.parse import urlsplit

    return (urlsplit(api).netloc or api) if isinstance(api, str) and api else "?"
