"""The job ledger: every report job a pull creates, on disk, so nothing is lost.

A pull records each window's job the moment it is created. Run the same pull
again after a crash, a kernel restart or Ctrl-C and it finds its jobs here:
it re-attaches to the ones still running or done instead of creating new
ones (and using quota). A done job is reused for 30 days, the time the API
keeps its file, unless fresh data is asked for.

Files are JSON, one per job (``jobs/<key>.json``) and one per command-line
pull (``pulls/<id>.json``), written atomically (a temporary file renamed over
the old one) and readable by the user only. They hold no token and no secret:
the account is identified by its API URL and client id alone.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from explore_pandas.files import write_text_atomically
from explore_pandas.spec import DATA_LATENCY, FILE_RETENTION

#: Reuse a done job only if it was created this long before its file expires.
REUSE_MARGIN = timedelta(days=1)
FINAL_FAILURES = ("failed", "canceled", "deleted")


def default_directory() -> Path:
    """``$EXPLORE_CACHE_DIR``, else ``$XDG_CACHE_HOME/explore_pandas``, else ``~/.cache/explore_pandas``."""
    configured = os.environ.get("EXPLORE_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "explore_pandas"


@dataclass(frozen=True)
class Entry:
    """One job of one window of a pull, as recorded."""

    key: str
    job_id: str
    report: str
    timezone: str
    format: str
    start: str  # ISO, aware
    end: str
    name: str
    api: str  # the API base URL: with client_id, which account this job belongs to
    client_id: str
    created_at: str  # ISO UTC, this machine's clock
    status: str = "created"
    rows: int | None = None

    def reusable(self, now: datetime) -> bool:
        """Worth re-attaching to: not failed, its file still kept, its data complete."""
        if self.status in FINAL_FAILURES:
            return False
        created = datetime.fromisoformat(self.created_at)
        if now - created > FILE_RETENTION - REUSE_MARGIN:
            return False
        # A job created within the latency after its window ended may miss the last rows.
        return created >= datetime.fromisoformat(self.end) + DATA_LATENCY


def window_key(*, api: str, client_id: str, report: str, timezone: str, format: str,
               start: datetime, end: datetime) -> str:
    """The ledger key of a window: the same account and request give the same key."""
    parts = [api.rstrip("/"), client_id, report, timezone, format,
             start.astimezone(timezone_utc()).isoformat(), end.astimezone(timezone_utc()).isoformat()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def timezone_utc() -> timezone:
    return timezone.utc


class Ledger:
    """The ledger in ``directory`` (see :func:`default_directory`)."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_directory()

    def __repr__(self) -> str:
        return f"Ledger({str(self.directory)!r})"

    # -- jobs ------------------------------------------------------------------------------

    def find(self, key: str) -> Entry | None:
        data = self._read(self._jobs / f"{key}.json")
        if data is None:
            return None
        known = {f.name for f in fields(Entry)}
        return Entry(**{k: v for k, v in data.items() if k in known})

    def record(self, entry: Entry) -> None:
        self._write(self._jobs / f"{entry.key}.json", asdict(entry))

    def update(self, key: str, **changes: Any) -> Entry | None:
        entry = self.find(key)
        if entry is None:
            return None
        entry = replace(entry, **changes)
        self.record(entry)
        return entry

    def forget(self, key: str) -> None:
        """Remove one job's record (``explore-pandas jobs --prune``)."""
        (self._jobs / f"{key}.json").unlink(missing_ok=True)

    def entries(self) -> list[Entry]:
        """Every recorded job, newest first."""
        found = [self.find(path.stem) for path in self._jobs.glob("*.json")]
        return sorted((e for e in found if e is not None), key=lambda e: e.created_at, reverse=True)

    # -- command-line pulls ----------------------------------------------------------------

    def record_pull(self, pull_id: str, spec: dict[str, Any]) -> None:
        self._write(self._pulls / f"{pull_id}.json", {"id": pull_id, **spec})

    def pulls(self) -> list[dict[str, Any]]:
        found = [self._read(path) for path in self._pulls.glob("*.json")]
        return sorted((p for p in found if p), key=lambda p: p.get("started_at", ""), reverse=True)

    # -- files -----------------------------------------------------------------------------

    @property
    def _jobs(self) -> Path:
        return self.directory / "jobs"

    @property
    def _pulls(self) -> Path:
        return self.directory / "pulls"

    def _write(self, path: Path, data: dict[str, Any]) -> None:
        """Write ``data`` so that a reader sees the old file or the new one, never half of one."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)
        # the user's own (0600): job ids and names are account data
        write_text_atomically(path, json.dumps(data, indent=1, sort_keys=True), mode=0o600, sync=True)

    @staticmethod
    def _read(path: Path) -> dict[str, Any] | None:
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (FileNotFoundError, json.JSONDecodeError):
            return None  # a file from a foreign or older writer is skipped, not fatal
        return data if isinstance(data, dict) else None
