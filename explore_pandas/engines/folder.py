"""A partitioned Parquet folder as a dataset: what it was asked to hold, what it holds, what is missing.

A folder is filled by any sequence of pulls, with any ranges. It remembers
the union of the ranges asked for (``_explore/dataset.json``) and one record per
window written (``_explore/windows/<window>.json``: its bounds, job, files and
rows). A window is *complete* when its job's rows were complete
(:func:`~explore_pandas.pulls.ledger.complete_by`: created at least the data
latency after the window ended; the rule of the job ledger too), its file was
not cut at the row limit, and every file it wrote is still there. What a pull
fetches is the union of the ranges less the complete windows; a window that is
written replaces every record it overlaps (their files first), so the windows
recorded never overlap and every row is in the folder once.

Records are input from disk: one that cannot be read or does not describe a
window is skipped with a warning (its interval is then fetched again).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from explore_pandas.exceptions import ExploreError, ExploreWarning, ValidationError
from explore_pandas.files import remove_stale_partials, write_text_atomically
from explore_pandas.pulls.ledger import complete_by
from explore_pandas.pulls.windows import Window

__all__ = ["META_DIR", "Folder", "Interval", "WindowRecord", "merge", "subtract", "window_id"]

log = logging.getLogger(__name__)

META_DIR = "_explore"
Interval = tuple[datetime, datetime]  # [start, end), aware


def window_id(window: Window) -> str:
    """``20260801T000000+0100-20260901T000000+0100``: the window's bounds, safe in a file name."""
    return f"{window.start:%Y%m%dT%H%M%S%z}-{window.end:%Y%m%dT%H%M%S%z}"


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of intervals, as sorted, disjoint, non-touching intervals (in UTC)."""
    merged: list[Interval] = []
    for start, end in sorted((s.astimezone(timezone.utc), e.astimezone(timezone.utc)) for s, e in intervals):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(target: Iterable[Interval], covered: Iterable[Interval]) -> list[Interval]:
    """The parts of ``target`` outside ``covered``."""
    left = merge(target)
    for c_start, c_end in merge(covered):
        remaining: list[Interval] = []
        for start, end in left:
            if c_end <= start or end <= c_start:
                remaining.append((start, end))
                continue
            if start < c_start:
                remaining.append((start, c_start))
            if c_end < end:
                remaining.append((c_end, end))
        left = remaining
    return left


@dataclass(frozen=True)
class WindowRecord:
    """One window written into the folder."""

    window: Window
    job_id: str
    rows: int
    files: tuple[str, ...]
    truncated: bool
    created_at: datetime | None  # when its job was created (None: unknown, so never complete)
    path: Path
    report: str | None = None  # what the folder holds, also when dataset.json is lost
    timezone: str | None = None

    @property
    def interval(self) -> Interval:
        return self.window.start, self.window.end

    def complete(self, root: Path) -> bool:
        """Its rows are all there: complete job, not cut at the row limit, every file present."""
        fresh = self.created_at is not None and complete_by(self.window.end, self.created_at)
        return fresh and not self.truncated and all((root / f).is_file() for f in self.files)

    @classmethod
    def parse(cls, data: Any, path: Path) -> WindowRecord | None:
        """A record from its JSON, or None when it does not describe a window."""
        if not isinstance(data, dict) or "split" in data:
            return None
        try:
            start, end = datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"])
            created = data.get("created_at")
            files = data["files"]
            record = cls(Window(start, end), str(data["job_id"]), int(data["rows"]), tuple(str(f) for f in files),
                         bool(data["truncated"]), datetime.fromisoformat(created) if created else None, path,
                         _text(data.get("report")), _text(data.get("timezone")))
        except (KeyError, TypeError, ValueError):
            return None
        aware = all(d is None or d.tzinfo is not None for d in (start, end, record.created_at))
        sane = aware and start < end and record.rows >= 0 and isinstance(files, list)
        safe = all(f.startswith("day=") and ".." not in f and "/" in f for f in record.files)
        return record if sane and safe else None

    def to_json(self) -> dict[str, Any]:
        return {"start": self.window.start.isoformat(), "end": self.window.end.isoformat(), "job_id": self.job_id,
                "rows": self.rows, "files": list(self.files), "truncated": self.truncated,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "report": self.report, "timezone": self.timezone,
                "written_at": datetime.now(timezone.utc).isoformat()}


class Folder:
    """The records of one folder; thread-safe for the writer's parse threads."""

    def __init__(self, root: Path, spec: dict[str, Any]) -> None:
        self.root, self.spec = root, spec
        self._lock = threading.Lock()
        self._warned: set[Path] = set()  # one warning per damaged file, however often it is read

    @property
    def meta(self) -> Path:
        return self.root / META_DIR

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """One writer at a time: another process pulling into this folder waits here until the
        first is done (then finds its windows complete and fetches only what is left). A writer
        killed with ``kill -9`` releases the lock with its process."""
        self.meta.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.meta / ".writer.lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            log.warning("another pull is writing into %s: waiting for it to finish", self.root)
            lock.acquire()
        try:
            yield
        finally:
            lock.release()

    def open(self, requested: Interval) -> list[Interval]:
        """Check the folder holds this report and zone (or nothing yet), clean what a killed
        writer left, and add ``requested`` to the ranges it holds; the ranges."""
        self.root.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(self.root)
        self._check_writable()
        found = self._read(self.meta / "dataset.json")
        if found is not None and not isinstance(found, dict):
            self._skip(self.meta / "dataset.json", "not a dataset record", fetched=False)
        records = self.records()
        if not isinstance(found, dict):  # no record of the dataset: its windows still say what it holds
            found = next(({"report": r.report, "timezone": r.timezone} for r in records if r.timezone), None)
        ranges: list[Interval] = []
        if isinstance(found, dict):
            differs = {k: (found.get(k), v) for k, v in self.spec.items() if k != "format" and k in found and found.get(k) != v}
            if differs:
                raise ValidationError(
                    f"{self.root} already holds another pull ("
                    + ", ".join(f"{k}={a!r}, not {b!r}" for k, (a, b) in differs.items())
                    + "): write to another folder.",
                    fields=[{"name": "output", "description": "a folder of another report or zone"}],
                )
            ranges = self._ranges(found.get("ranges"))
        self._remove_orphans(records)
        ranges = merge([*ranges, *[r.interval for r in records], requested])
        data = {**self.spec, "ranges": [[s.isoformat(), e.isoformat()] for s, e in ranges]}
        write_text_atomically(self.meta / "dataset.json", json.dumps(data, indent=1, sort_keys=True))
        return ranges

    def _remove_orphans(self, records: list[WindowRecord]) -> None:
        """Data files no readable record names (their record was lost or damaged): their
        interval is fetched again, and a window cut differently must not double their rows."""
        named = {name for r in records for name in r.files}
        for path in self.root.glob("day=*/part-*.parquet"):
            if str(path.relative_to(self.root)) not in named:
                path.unlink(missing_ok=True)

    def records(self) -> list[WindowRecord]:
        """Every readable window record (the others skipped, with a warning)."""
        found = []
        for path in sorted((self.meta / "windows").glob("*.json")):
            data = self._read(path)
            record = WindowRecord.parse(data, path) if data is not None else None
            if record is None:
                if data is not None and not (isinstance(data, dict) and "split" in data):
                    self._skip(path, "not a window record")
                continue
            found.append(record)
        return found

    def complete(self) -> list[Interval]:
        return merge(r.interval for r in self.records() if r.complete(self.root))

    def widen(self, missing: list[Interval]) -> list[Interval]:
        """``missing`` grown to whole recorded windows: a window written replaces every record it
        overlaps, so whatever such a record held must be fetched again too."""
        records = self.records()
        while True:
            grown = merge([*missing, *[r.interval for r in records if any(
                r.window.start < end and start < r.window.end for start, end in missing)]])
            if grown == missing:
                return missing
            missing = grown

    def replace(self, record: WindowRecord, existing: set[str]) -> list[str]:
        """Make ``record`` the folder's only record over its window: remove what overlaps it
        (files first, then records). ``existing``: files of the same window that are kept as
        they are. The files of ``record`` must be written after this, the record last."""
        removed = []
        with self._lock:
            for old in self.records():
                overlaps = old.window.start < record.window.end and record.window.start < old.window.end
                if not overlaps:
                    continue
                for name in old.files:
                    if name not in existing or old.path != record.path:
                        (self.root / name).unlink(missing_ok=True)
                        removed.append(name)
                if old.path != record.path:
                    old.path.unlink(missing_ok=True)
        return removed

    def write(self, record: WindowRecord) -> None:
        write_text_atomically(record.path, json.dumps(record.to_json(), indent=1, sort_keys=True))

    def record_path(self, window: Window) -> Path:
        return self.meta / "windows" / f"{window_id(window)}.json"

    @staticmethod
    def _ranges(value: Any) -> list[Interval]:
        try:
            ranges = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in value or []]
        except (TypeError, ValueError):
            return []
        return [r for r in ranges if r[0].tzinfo is not None and r[1].tzinfo is not None]

    def _read(self, path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            self._skip(path, type(error).__name__)
            return None

    def _skip(self, path: Path, why: str, *, fetched: bool = True) -> None:
        if path in self._warned:
            return
        self._warned.add(path)
        then = "what it described is fetched again" if fetched else "it is written again"
        warnings.warn(f"skipped the folder record {path} ({why}): {then}", ExploreWarning, stacklevel=4)

    def _check_writable(self) -> None:
        """Before any job: the folder's records and files can be written (else an ExploreError)."""
        for folder in (self.meta / "windows", self.root):
            probe = folder / f".probe-{os.getpid()}-{threading.get_ident()}"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                probe.write_bytes(b"")
                probe.unlink()
            except OSError as error:
                raise ExploreError(f"the folder {folder} cannot be written ({error.strerror or error}): fix its "
                                   "permissions, or write to another folder.") from None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
