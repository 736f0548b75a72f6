"""``explore-pandas jobs``: the job ledger as a table, and ``--prune`` of what can no longer serve.

Each job is shown with the API host it belongs to, so that an account's jobs
are told apart from an emulator's. ``--prune`` removes the entries whose host
is gone (a loopback emulator that no longer answers, or that no longer knows
the job: another emulator on the same port) and those with no file left
(failed, canceled or deleted, or older than the 30 days the API keeps files).
An account's host is never probed: being offline removes nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import TextIO
from urllib.parse import urlsplit

from explore_pandas.api.config import is_loopback_url
from explore_pandas.cli.commands import plural
from explore_pandas.pulls.ledger import Entry, Ledger
from explore_pandas.spec import FILE_RETENTION

__all__ = ["emulator_jobs", "list_jobs", "prune_jobs", "table"]

COLUMNS = ("created (UTC)", "report", "window", "zone", "format", "status", "rows", "API host", "job id")


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[str] = ()) -> list[str]:
    """Lines of a plain-text table whose columns are as wide as their widest cell."""
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.rjust(width) if name in right else cell.ljust(width)
                         for cell, width, name in zip(cells, widths, header)).rstrip()

    return [line(header), *(line(row) for row in rows)]


def _row(entry: Entry) -> list[str]:
    return [entry.created_at[:19].replace("T", " "), entry.report, f"{entry.start[:16]} .. {entry.end[:16]}",
            entry.timezone, entry.format, entry.status, "" if entry.rows is None else f"{entry.rows:,}",
            urlsplit(entry.api).netloc or entry.api, entry.job_id]


def list_jobs(out: TextIO | None = None, limit: int = 50) -> int:
    """List the ledger's jobs, newest first."""
    out = out or sys.stdout
    ledger = Ledger()
    entries = ledger.entries()
    if not entries:
        print(f"No jobs recorded in {ledger.directory}.", file=out)
        return 0
    shown = entries[:limit]
    more = f", the newest {len(shown)} shown" if len(shown) < len(entries) else ""
    print(f"{plural(len(entries), 'job')} recorded in {ledger.directory} (newest first{more}):", file=out)
    for line in table(COLUMNS, [_row(e) for e in shown], right=("rows",)):
        print(line, file=out)
    return 0


def emulator_jobs(api: str) -> str | set[str] | None:
    """``"gone"``, the job ids the emulator at ``api`` knows, or None if it is no emulator."""
    import requests

    try:
        response = requests.get(f"{api.rstrip('/')}/_emulator/jobs", timeout=(2, 5))
        jobs = response.json()["jobs"] if response.ok else None
        return {str(job["id"]) for job in jobs} if isinstance(jobs, list) else None
    except requests.ConnectionError:
        return "gone"
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return None


def _why_prune(entry: Entry, now: datetime, known: Callable[[str], str | set[str] | None]) -> str | None:
    if entry.failed:
        return f"no file ({entry.status})"
    try:
        created = datetime.fromisoformat(entry.created_at)
    except (TypeError, ValueError):
        return "unreadable creation time"
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    if now - created > FILE_RETENTION:
        return "file expired (older than 30 days)"
    if is_loopback_url(entry.api):
        jobs = known(entry.api)
        if jobs == "gone":
            return "host gone"
        if isinstance(jobs, set) and entry.job_id not in jobs:
            return "host no longer knows the job"
    return None


def prune_jobs(out: TextIO | None = None, *, now: datetime | None = None) -> int:
    """Remove the entries that can no longer serve, and say how many of each kind."""
    out = out or sys.stdout
    ledger = Ledger()
    now = now or datetime.now(timezone.utc)
    probed: dict[str, str | set[str] | None] = {}

    def known(api: str) -> str | set[str] | None:
        if api not in probed:
            probed[api] = emulator_jobs(api)
        return probed[api]

    entries = ledger.entries()
    reasons: dict[str, int] = {}
    for entry in entries:
        why = _why_prune(entry, now, known)
        if why is not None:
            ledger.forget(entry.key)
            reasons[why] = reasons.get(why, 0) + 1
    removed = sum(reasons.values())
    detail = "; ".join(f"{count} {why}" for why, count in sorted(reasons.items()))
    print(f"Removed {plural(removed, 'job')} of {len(entries)} from {ledger.directory}"
          + (f" ({detail})." if detail else "."), file=out)
    return 0
