"""Writing files whole or not at all: a hidden temporary file in the same folder, then a rename.

Readers (and a crash) see the old file or the new one, never half of one. Every
writer of the library (the ledger, ``pull -o``, partitioned Parquet) goes through here.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Read once, at import: os.umask is process-wide and the writers run in threads.
UMASK = _read_umask()


def write_atomically(target: Path, write: Callable[[str], object], *, mode: int | None = None,
                     sync: bool = False) -> None:
    """Call ``write(temporary_path)``, then move the result over ``target``.

    ``mode`` defaults to a normal file's (0666 less the umask; mkstemp makes 0600);
    ``sync`` flushes it to disk before the rename (for records that must survive a crash).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
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
