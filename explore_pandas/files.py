"""Writing files whole or not at all: a hidden temporary file in the same folder, then a rename.

Readers (and a crash) see the old file or the new one, never half of one. Every
writer of the library (the ledger, ``pull -o``, partitioned Parquet) goes through here.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Callable


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Read once, at import: os.umask is process-wide and the writers run in threads.
UMASK = _read_umask()
PARTIAL = ".partial"
#: A leftover without a pid in its name (an older writer's) is removed once it is this old (seconds).
ORPHAN_AGE = 3600.0


def write_atomically(target: Path, write: Callable[[str], object], *, mode: int | None = None,
                     sync: bool = False) -> None:
    """Call ``write(temporary_path)``, then move the result over ``target``.

    ``mode`` defaults to a normal file's (0666 less the umask; mkstemp makes 0600);
    ``sync`` flushes it to disk before the rename (for records that must survive a crash).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    # the writer's pid in the name: a later run can tell a killed writer's leftover from a live one's
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.",
                                             suffix=PARTIAL)
    os.close(descriptor)
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~UMASK if mode is None else mode)
        if sync:
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text_atomically(target: Path, text: str, *, mode: int | None = None, sync: bool = False) -> None:
    """``text`` (UTF-8) to ``target``, whole or not at all."""
    write_atomically(target, lambda path: Path(path).write_text(text, encoding="utf-8"), mode=mode, sync=sync)


def remove_stale_partials(folder: Path, *, name: str | None = None) -> list[Path]:
    """Remove the temporary files that killed writers left under ``folder`` (recursively);
    only those of ``name`` when given. A file whose writer still runs is left alone."""
    pattern = f".{name}.*{PARTIAL}" if name else f".*{PARTIAL}"
    removed = []
    for path in (folder.glob(pattern) if name else folder.rglob(pattern)):
        if _writer_alive(path):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _writer_alive(path: Path) -> bool:
    parts = path.name[: -len(PARTIAL)].split(".")  # "", name..., pid, mkstemp's random part
    pid = int(parts[-2]) if len(parts) > 3 and parts[-2].isdigit() else None
    if pid is None:  # no pid: an older writer's; gone once it has not changed for a while
        try:
            return time.time() - path.stat().st_mtime < ORPHAN_AGE
        except FileNotFoundError:
            return True
    return _alive(pid)  # this process's own writer threads count as alive


@contextmanager
def scratch_folder(prefix: str) -> Iterator[str]:
    """A temporary folder (``<tmp>/<prefix><pid>-...``), removed after; the ones that killed
    processes of this library left (they may hold report files: account data) go first."""
    base = Path(tempfile.gettempdir())
    for folder in base.glob(f"{prefix}*-*"):
        pid = folder.name[len(prefix):].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=f"{prefix}{os.getpid()}-") as folder_name:
        yield folder_name


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
