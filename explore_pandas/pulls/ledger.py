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

The files are input, never trusted: a record with wrong types, missing
fields, bytes that are not UTF-8 or dates that do not parse is skipped with
one :class:`~explore_pandas.exceptions.ExploreWarning` naming the file.
Two processes running the same pull lock each window's entry (``filelock``)
while they look for its job and create it, so the second attaches to the
first's job instead of creating it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from dataclasses import MISSING, asdict, dataclass, fields, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from filelock import FileLock

from explore_pandas.api.config import CACHE_DIR_ENV
from explore_pandas.api.models import JobStatus
from explore_pandas.exceptions import ExploreError, ExploreWarning
from explore_pandas.files import remove_stale_partials, write_text_atomically
from explore_pandas.spec import DATA_LATENCY, FILE_RETENTION

#: Reuse a done job only if it was created this long before its file expires.
REUSE_MARGIN = timedelta(days=1)
#: Wait for another process's lock on a window's entry as long as it is held (-1): it is held
#: while that process looks up and creates the window's job (its quota wait included, bounded by
#: its quota_timeout), never while the job runs; a killed process releases it.
LOCK_TIMEOUT = -1.0


#: What a command-line pull record must hold, as text, to be resumed.
PULL_FIELDS = ("report", "start", "end", "tz", "format", "output", "started_at", "status")


def complete_by(end: datetime, created_at: datetime) -> bool:
    """The one reuse rule: a job's rows are complete when it was created at least the API's
    data latency (5 minutes) after its window ended. Jobs, folders and caches all use it."""
    return created_at >= end + DATA_LATENCY


def default_directory() -> Path:
    """``$EXPLORE_CACHE_DIR``, else ``$XDG_CACHE_HOME/explore_pandas``, else ``~/.cache/explore_pandas``."""
    configured = os.environ.get(CACHE_DIR_ENV)
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
    truncated: bool | None = None  # the file was at the row limit: with on_row_limit="split", split it again

    @property
    def failed(self) -> bool:
        """The job ended without a file (failed, canceled or deleted)."""
        status = JobStatus.from_value(self.status)
        return status is not None and status.is_failure

    def reusable(self, now: datetime) -> bool:
        """Worth re-attaching to: not failed, its file still kept, its data complete."""
        if self.failed:
            return False
        created = datetime.fromisoformat(self.created_at)
        if now - created > FILE_RETENTION - REUSE_MARGIN:
            return False
        # A job created within the latency after its window ended may miss the last rows.
        return complete_by(datetime.fromisoformat(self.end), created)

    @classmethod
    def parse(cls, data: Any) -> Entry | None:
        """An entry from a file's JSON, or None when it is not one (wrong types, missing fields)."""
        if not isinstance(data, dict):
            return None
        names = {f.name: f for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        required = [f.name for f in fields(cls) if f.default is MISSING]
        if any(not isinstance(values.get(name), str) for name in required):
            return None
        if not isinstance(values.get("status", "created"), str) or not isinstance(values.get("rows", 0), (int, type(None))) \
                or isinstance(values.get("rows"), bool) or not isinstance(values.get("truncated"), (bool, type(None))):
            return None
        try:
            stamps = [datetime.fromisoformat(values[k]) for k in ("created_at", "start", "end")]
        except ValueError:
            return None
        if any(s.tzinfo is None for s in stamps):
            return None
        return cls(**values)


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
        path = self._jobs / f"{key}.json"
        return self._entry(path, self._read(path))

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
        """Every recorded job, newest first (malformed records skipped, with a warning)."""
        found = [self._entry(path, self._read(path)) for path in sorted(self._jobs.glob("*.json"))]
        return sorted((e for e in found if e is not None), key=lambda e: e.created_at, reverse=True)

    def lock(self, key: str) -> FileLock:
        """A lock on one window's entry, shared by every process using this ledger."""
        self._jobs.mkdir(parents=True, exist_ok=True, mode=0o700)
        return FileLock(self._jobs / f"{key}.lock", timeout=LOCK_TIMEOUT)

    def check_writable(self) -> None:
        """Raise :class:`ExploreError` now, before any job, if records cannot be written here
        (and remove what killed writers left)."""
        for folder in (self._jobs, self._pulls):
            if folder.is_dir():
                remove_stale_partials(folder)
        try:
            probe = self._jobs / f".writable-{os.getpid()}-{threading.get_ident()}.probe"  # one per writer
            self._write(probe, {})
            probe.unlink()
        except OSError as error:
            raise ExploreError(
                f"the job ledger folder {self.directory} cannot be written ({error.strerror or error}): "
                "jobs would be created and then lost. Set EXPLORE_CACHE_DIR to a writable folder, or pass "
                "ledger=False to record nothing."
            ) from None

    # -- command-line pulls ----------------------------------------------------------------

    def record_pull(self, pull_id: str, spec: dict[str, Any]) -> None:
        self._write(self._pulls / f"{pull_id}.json", {"id": pull_id, **spec})

    def pulls(self) -> list[dict[str, Any]]:
        """Every recorded command-line pull, newest first (malformed records skipped, with a warning)."""
        found = []
        for path in sorted(self._pulls.glob("*.json")):
            data = self._read(path)
            if data is None:
                continue
            if not isinstance(data, dict) or not isinstance(data.get("id"), str) \
                    or not all(isinstance(data.get(k), str) for k in PULL_FIELDS):
                _skipped(path, "not a pull record")
                continue
            found.append(data)
        return sorted(found, key=lambda p: p.get("started_at", ""), reverse=True)

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
    def _entry(path: Path, data: Any) -> Entry | None:
        if data is None:
            return None
        entry = Entry.parse(data)
        if entry is None:
            _skipped(path, "not a job record")
        return entry

    @staticmethod
    def _read(path: Path) -> Any:
        """The file's JSON; None (with a warning) when it cannot be read or parsed, or is missing."""
        try:
            with open(path, encoding="utf-8") as handle:
                return json.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            _skipped(path, type(error).__name__)
            return None


def _skipped(path: Path, why: str) -> None:
    warnings.warn(f"skipped the ledger record {path} ({why}): it is ignored, nothing else is affected. "
                  "Delete the file to silence this.", ExploreWarning, stacklevel=3)
