"""The ``pull``, ``jobs`` and ``resume`` commands: a report to a file, and the job ledger."""

from __future__ import annotations

import os
import sys
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, TextIO

from explore_pandas.api.config import ENV_NAMES
from explore_pandas.exceptions import ConfigurationError, ExploreError, ValidationError
from explore_pandas.files import write_atomically

OUTPUT_SUFFIXES = (".csv", ".parquet")


@contextmanager
def account(err: TextIO | None = None) -> Iterator[tuple[Any, bool]]:
    """``(client, is_emulator)``: the account in ``EXPLORE_*``, or the embedded emulator when none is set.

    Some but not all variables set is an error that names what is missing:
    it never falls back to the emulator silently.
    """
    from explore_pandas.api.client import Client

    err = err or sys.stderr
    if any(os.environ.get(name, "").strip() for name in ENV_NAMES.values()):
        with Client.from_env() as client:
            yield client, False
        return
    from explore_pandas.emulator import Emulator

    with Emulator() as emu, Client(**emu.credentials) as client:
        print(f"No EXPLORE_* credentials set: using the embedded emulator at {emu.base_url} "
              "(offline, synthetic data). Set EXPLORE_ACCOUNT, EXPLORE_CLIENT_ID and "
              "EXPLORE_CLIENT_SECRET to pull from your account.", file=err)
        yield client, True


def pull(report: str, *, start: str, end: str, tz: str, format: str, output: str,
         on_row_limit: str = "warn", fresh: bool = False, err: TextIO | None = None,
         pull_id: str | None = None, columns: list[str] | None = None) -> int:
    """Pull a report into ``output``: one .csv or .parquet file written whole or not at all,
    or, for ``DIR/`` (or an existing folder), partitioned Parquet with one folder per local day.

    ``pull_id`` continues a recorded pull (``resume``) instead of recording a new one.
    """
    from explore_pandas.engines.parquet import is_directory_output
    from explore_pandas.pulls.ledger import Ledger
    from explore_pandas.pulls.plan import plan_pull

    err = err or sys.stderr
    target = Path(output)
    folder = is_directory_output(output)
    if not folder and target.suffix.lower() not in OUTPUT_SUFFIXES:
        raise ValidationError(
            f"-o {output}: the output must end in .csv or .parquet, or be a folder (DIR/).",
            fields=[{"name": "output", "description": "must end in .csv or .parquet, or be a folder"}],
        )
    plan_pull(report, start=start, end=end, tz=tz, format=format)  # refuse bad input before anything starts
    spec: dict[str, Any] = {"report": report, "start": start, "end": end, "tz": tz, "format": format,
            "output": str(target.resolve()) + (os.sep if folder else ""), "on_row_limit": on_row_limit,
            "started_at": datetime.now(timezone.utc).isoformat(), "status": "running"}
    pull_id = pull_id or uuid.uuid4().hex[:12]
    options = dict(start=start, end=end, tz=tz, format=format, on_row_limit=on_row_limit, fresh=fresh)
    if columns:  # only those columns, for a resume too
        options["columns"], spec["columns"] = columns, columns
    with account(err) as (client, emulated):
        ledger = None if emulated else Ledger()  # the emulator's jobs end with this process
        if ledger is not None:
            ledger.record_pull(pull_id, spec)
        rows, message = (_to_folder if folder else _to_file)(report, target, client, ledger, options)
    if ledger is not None:
        ledger.record_pull(pull_id, {**spec, "status": "done", "rows": rows})
    print(message, file=err)
    return 0


def _to_file(report: str, target: Path, client: Any, ledger: Any, options: dict[str, Any]) -> tuple[int, str]:
    from explore_pandas.engines.read import read_report

    df = read_report(report, client=client, ledger=ledger or False, **options)
    write_frame(df, target)
    meta = df.attrs["explore"]
    return len(df), (f"{len(df):,} rows from {len(meta['windows'])} windows written to {target}"
                     + (" (some windows hit the 1,000,000-row limit)" if meta["truncated"] else ""))


def _to_folder(report: str, target: Path, client: Any, ledger: Any, options: dict[str, Any]) -> tuple[int, str]:
    from explore_pandas.engines.parquet import write_parquet

    summary = write_parquet(report, path=target, client=client, ledger=ledger or False, **options)
    return summary["rows"], (
        f"{summary['rows']:,} rows in {summary['files']} day files under {target}{os.sep} "
        f"({len(summary['written'])} written now, {summary['skipped']} of {summary['windows']} "
        "windows already complete)")


def write_frame(df: Any, target: Path) -> None:
    """``df`` to ``target`` (.parquet or .csv), whole or not at all."""
    if target.suffix.lower() == ".parquet":
        write_atomically(target, lambda path: df.to_parquet(path, index=False))
    else:
        write_atomically(target, lambda path: df.to_csv(path, index=False))


def jobs(out: TextIO | None = None, limit: int = 50) -> int:
    """List the ledger's jobs, newest first."""
    from explore_pandas.pulls.ledger import Ledger

    out = out or sys.stdout
    ledger = Ledger()
    entries = ledger.entries()
    if not entries:
        print(f"No jobs recorded in {ledger.directory}.", file=out)
        return 0
    print(f"{len(entries)} job(s) recorded in {ledger.directory} (newest first):", file=out)
    print(f"{'created (UTC)':<20} {'report':<14} {'window':<35} {'zone':<18} {'format':<9} {'status':<10} {'rows':>9}  job id", file=out)
    for entry in entries[:limit]:
        window = f"{entry.start[:16]} .. {entry.end[:16]}"
        rows = "" if entry.rows is None else f"{entry.rows:,}"
        print(f"{entry.created_at[:19]:<20} {entry.report:<14} {window:<35} {entry.timezone:<18} "
              f"{entry.format:<9} {entry.status:<10} {rows:>9}  {entry.job_id}", file=out)
    return 0


def resume(err: TextIO | None = None) -> int:
    """Finish every command-line pull that did not finish, re-attaching to its recorded jobs."""
    from explore_pandas.pulls.ledger import Ledger

    err = err or sys.stderr
    unfinished = [p for p in Ledger().pulls() if p.get("status") == "running"]
    if not unfinished:
        print("Nothing to resume: every recorded pull finished.", file=err)
        return 0
    for spec in unfinished:
        print(f"Resuming {spec['report']} {spec['start']} .. {spec['end']} ({spec['tz']}) -> {spec['output']}", file=err)
        pull(spec["report"], start=spec["start"], end=spec["end"], tz=spec["tz"], format=spec["format"],
             output=spec["output"], on_row_limit=spec.get("on_row_limit", "warn"), err=err, pull_id=spec["id"],
             columns=spec.get("columns"))
    return 0


def explain(error: ExploreError) -> str:
    """One line for the terminal; configuration errors already name the variable."""
    kind = "configuration" if isinstance(error, ConfigurationError) else type(error).__name__
    return f"explore-pandas: {kind}: {error}"

