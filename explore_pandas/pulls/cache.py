"""The local cache of parsed windows: a re-run of the same pull reads Parquet instead of the API.

When a window's job is done and its rows are complete (the job-reuse rule,
:func:`~explore_pandas.pulls.ledger.complete_by`: created at least 5 minutes after the
window ended; and the file not at the row limit), its typed frame is kept as one Parquet
file in ``<cache folder>/frames`` (``$EXPLORE_CACHE_DIR``, else the user's cache folder).
The key is the account (API URL and account, or client id), the report, the time zone, the
window and the schema registry's version (`registry_version`), not the file format: the
three formats give equal frames. A change to the registry or the parser gives new keys, so
no frame typed by older rules is ever read back.

* Files are the user's own (0600), written to a temporary file and renamed
  (:func:`~explore_pandas.files.write_atomically`): a reader sees a whole file or none, so
  readers never lock. A file that does not read (cut short, not Parquet, wrong metadata) is
  deleted and the window fetched again.
* ``EXPLORE_CACHE_MAX_BYTES`` (default 4 GiB; ``0`` turns the cache off) caps the folder;
  after each write, the least recently used files (a hit touches its file) are deleted until
  it fits. Writes and evictions hold one lock (``filelock``) shared by every process.
* A frame is kept in the default backend with all its columns, or the columns read; a
  lookup for some columns reads only those (Parquet is columnar), and ``dtype_backend`` and
  ``dtype`` are applied after (`frames.shaping.present`), as for fresh rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock

from explore_pandas.exceptions import ConfigurationError
from explore_pandas.files import write_atomically
from explore_pandas.frames.layouts import LAYOUTS
from explore_pandas.frames.parsing import to_frame
from explore_pandas.frames.schemas import REGISTRY
from explore_pandas.pulls.ledger import REUSE_MARGIN, default_directory
from explore_pandas.served import ledger_folders
from explore_pandas.spec import FILE_RETENTION

__all__ = ["CACHE_MAX_BYTES_ENV", "DEFAULT_MAX_AGE", "DEFAULT_MAX_BYTES", "CachedWindow", "WindowCache", "clear_cache",
           "registry_version"]

log = logging.getLogger(__name__)

CACHE_MAX_BYTES_ENV = "EXPLORE_CACHE_MAX_BYTES"
DEFAULT_MAX_BYTES = 4 * 2**30
#: Rows older than this are fetched again: the job-reuse rule's age (the API keeps a file
#: 30 days; the ledger re-attaches to jobs created up to a day before that).
DEFAULT_MAX_AGE = FILE_RETENTION - REUSE_MARGIN
#: Bump when the parser changes how a registered kind is typed (the registry hashes itself).
PARSER_VERSION = "1"
_META = b"explore_cache"
_LOCK_TIMEOUT = 60.0
#: Uncompressed (dictionary-encoded pages still): reads take about half the time of snappy,
#: Parquet's default, for files about 1.5 times as large; this is a local cache, reads count.
_COMPRESSION = "none"


def registry_version() -> str:
    """A short hash of every report layout's columns and kinds, and of ``PARSER_VERSION``."""
    schemas = [*REGISTRY.values(), *(s for layouts in LAYOUTS.values() for s in layouts)]
    text = PARSER_VERSION + "".join(
        f"{s.slug}|{s.layout}|{s.render_zone}|{s.timespan_field}|" + ",".join(f"{c.key}:{c.kind}" for c in s.columns)
        for s in schemas)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def max_bytes_from_env() -> int:
    """``$EXPLORE_CACHE_MAX_BYTES``: a whole number of bytes (0: no cache), else 4 GiB."""
    value = os.environ.get(CACHE_MAX_BYTES_ENV, "").strip().replace("_", "")
    if not value:
        return DEFAULT_MAX_BYTES
    if not value.isdigit():
        raise ConfigurationError(
            f"{CACHE_MAX_BYTES_ENV}={value!r}: give the cache's size cap as a whole number of bytes "
            f"(e.g. 2000000000), or 0 to turn the cache of parsed windows off.", setting=CACHE_MAX_BYTES_ENV)
    return int(value)


def _utc(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class CachedWindow:
    """A window's frame read from the cache, and what was recorded with it."""

    frame: Any  # pd.DataFrame
    job_id: str | None
    created_at: datetime
    total: int | None
    layout: str | None


class WindowCache:
    """The cache in ``directory`` (default ``<cache folder>/frames``), capped at ``max_bytes``."""

    def __init__(self, directory: str | os.PathLike[str] | None = None, max_bytes: int | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_directory() / "frames"
        self.max_bytes = max_bytes_from_env() if max_bytes is None else max_bytes

    def __repr__(self) -> str:
        return f"WindowCache({str(self.directory)!r}, max_bytes={self.max_bytes})"

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @staticmethod
    def key(*, api: str, account: str, report: str, timezone: str, start: datetime, end: datetime) -> str:
        """The same account, report, zone, window and registry give the same key (any format)."""
        parts = [api.rstrip("/"), account, report, timezone, start.astimezone(timezone_utc()).isoformat(),
                 end.astimezone(timezone_utc()).isoformat(), registry_version()]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.parquet"

    # -- reading ---------------------------------------------------------------------------

    def load(self, key: str, *, columns: Sequence[str] | None = None, max_age: timedelta = DEFAULT_MAX_AGE,
             now: datetime | None = None) -> CachedWindow | None:
        """The window's frame (only ``columns``, when given), or None: missing, too old, lacking a
        column, or unreadable (the file is then deleted)."""
        path = self.path(key)
        if not self.enabled or not path.exists():
            return None
        try:
            with pq.ParquetFile(path) as parquet:
                meta = json.loads(parquet.schema_arrow.metadata[_META])
                created = _utc(meta["created_at"])
                if created is None:
                    raise ValueError("no created_at")
                if (now or datetime.now(timezone.utc)) - created > max_age:
                    return None
                held = meta["columns"]  # None: every column of the file
                if held is not None and (columns is None or not set(columns) <= set(held)):
                    return None
                if columns is not None and not set(columns) <= set(parquet.schema_arrow.names):
                    return None
                table = parquet.read(columns=list(columns) if columns is not None else None)
        except FileNotFoundError:
            return None  # evicted meanwhile
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
            log.warning("dropped the unreadable cache file %s (%s): its window is fetched again", path, error)
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # most recently used
        except OSError:
            pass
        frame = to_frame(table.replace_schema_metadata(None))
        return CachedWindow(frame, meta.get("job_id"), created, meta.get("total"), meta.get("layout"))

    # -- writing ---------------------------------------------------------------------------

    def store(self, key: str, frame: Any, *, created_at: datetime, job_id: str | None, total: int | None,
              layout: str | None, columns: Sequence[str] | None = None, about: dict[str, Any] | None = None) -> bool:
        """Keep a complete window's default-backend frame (True), evicting the least recently used
        to stay under ``max_bytes``; False when the cache is off, already holds these columns, or
        the frame alone is larger than ``max_bytes``."""
        if not self.enabled:
            return False
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = pa.table([_storable(col) for col in table.columns], names=table.column_names)
        meta = {"created_at": created_at.astimezone(timezone.utc).isoformat(), "job_id": job_id, "total": total,
                "layout": layout, "columns": list(columns) if columns is not None else None,
                "rows": table.num_rows, **(about or {})}
        table = table.replace_schema_metadata({_META: json.dumps(meta).encode()})
        self._prepare()
        target = self.path(key)
        with self._lock():
            existing = self._columns_of(target)
            if columns is not None and existing is not None and (existing == [] or set(columns) <= set(existing)):
                return False  # what is kept already holds these columns
            write_atomically(target, lambda tmp: pq.write_table(table, tmp, compression=_COMPRESSION), mode=0o600)
            self._evict(keep=target)
            return target.exists()

    def _columns_of(self, path: Path) -> list[str] | None:
        """The columns a kept file holds ([] for all of them), None when there is none."""
        try:
            meta = json.loads(pq.read_schema(path).metadata[_META])
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
            return None
        return [] if meta.get("columns") is None else list(meta["columns"])

    # -- the folder ------------------------------------------------------------------------

    def _prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _lock(self) -> FileLock:
        return FileLock(self.directory / ".lock", timeout=_LOCK_TIMEOUT)

    def files(self) -> list[Path]:
        return sorted(self.directory.glob("*.parquet")) if self.directory.is_dir() else []

    def entries(self) -> list[dict[str, Any]]:
        """What each file holds (report, zone, window, rows, size, last use), most recently used first."""
        found = []
        for path in self.files():
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            try:
                meta = json.loads(pq.read_schema(path).metadata[_META])
            except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
                meta = {"unreadable": True}
            found.append({**meta, "file": path.name, "bytes": stat.st_size,
                          "used": datetime.fromtimestamp(stat.st_mtime, timezone.utc).isoformat()})
        return sorted(found, key=lambda e: e["used"], reverse=True)

    def size(self) -> int:
        """Bytes the cache's files take."""
        total = 0
        for path in self.files():
            try:
                total += path.stat().st_size
            except FileNotFoundError:
                pass
        return total

    def clear(self) -> int:
        """Delete every kept frame; how many files were deleted."""
        if not self.directory.is_dir():
            return 0
        self._prepare()
        with self._lock():
            files = self.files()
            for path in files:
                path.unlink(missing_ok=True)
            for stray in self.directory.glob(".*.partial"):
                stray.unlink(missing_ok=True)
        return len(files)

    def _evict(self, keep: Path | None = None) -> None:
        """Delete the least recently used files until the folder fits ``max_bytes`` (lock held)."""
        stats = []
        for path in self.files():
            try:
                stats.append((path.stat().st_mtime, path.stat().st_size, path))
            except FileNotFoundError:
                continue
        total = sum(size for _, size, _ in stats)
        for _, size, path in sorted(stats, key=lambda s: s[0]):
            if total <= self.max_bytes:
                break
            if path == keep:
                continue
            path.unlink(missing_ok=True)
            total -= size
            log.info("evicted %s from the cache of parsed windows (least recently used)", path.name)
        if keep is not None and total > self.max_bytes:  # the new file alone is over the cap: not kept
            keep.unlink(missing_ok=True)
            log.info("did not keep %s: one window is larger than the cache's %s bytes", keep.name, self.max_bytes)


def _storable(column: Any) -> Any:
    """An empty text column's dictionary (no rows: Arrow infers ``null`` values) kept as text."""
    if pa.types.is_dictionary(column.type) and pa.types.is_null(column.type.value_type):
        return column.cast(pa.dictionary(pa.int32(), pa.string()))
    return column


def timezone_utc() -> timezone:
    return timezone.utc


def clear_cache() -> int:
    """Empty the local cache of parsed windows (``$EXPLORE_CACHE_DIR/frames``), and those of the
    emulators this process serves (``xp.Emulator()`` keeps its pulls' windows in its own
    folder); the number of files removed.

    The next pull of any window fetches it from the API again. The job ledger is left as it
    is. ``explore-pandas cache clear`` empties the first.

    Examples
    --------
    >>> import explore_pandas as xp
    >>> xp.clear_cache()  # doctest: +SKIP
    3
    """
    caches = [WindowCache(), *(WindowCache(folder / "frames") for folder in ledger_folders())]
    return sum(cache.clear() for cache in caches)
