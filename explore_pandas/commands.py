"""The ``pull``, ``jobs`` and ``resume`` commands: a report to a file, and the job ledger."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, TextIO

from explore_pandas.exceptions import ConfigurationError, ExploreError, ValidationError

OUTPUT_SUFFIXES = (".csv", ".parquet")
ENV_NAMES = ("EXPLORE_ACCOUNT", "EXPLORE_REGION", "EXPLORE_CLIENT_ID", "EXPLORE_CLIENT_SECRET",
             "EXPLORE_BASE_URL", "EXPLORE_TOKEN_URL")


@contextmanager
def account(err: TextIO | None = None) -> Iterator[tuple[Any, bool]]:
    """``(client, is_emulator)``: the account in ``EXPLORE_*``, or the embedded emulator when none is set.

    Some but not all variables set is an error that names what is missing:
    it never falls back to the emulator silently.
    """
    from explore_pandas.client import Client

    err = err or sys.stderr
    if any(os.environ.get(name, "").strip() for name in ENV_NAMES):
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
         pull_id: str | None = None) -> int:
    """Pull a report into ``output`` (.csv or .parquet), written whole or not at all.

    ``pull_id`` continues a recorded pull (``resume``) instead of recording a new one.
    """
    err = err or sys.stderr
    from explore_pandas.parquet import is_directory_output, pull_to_folder

    if is_directory_output(output):  # -o DIR/: partitioned Parquet, one folder per local day
        return pull_to_folder(report, start=start, end=end, tz=tz, format=format, output=output,
                              on_row_limit=on_row_limit, fresh=fresh, err=err, pull_id=pull_id)
    target = Path(output)
    if target.suffix.lower() not in OUTPUT_SUFFIXES:
        raise ValidationError(
            f"-o {output}: the output must end in .csv or .parquet, or be a folder (DIR/).",
            fields=[{"name": "output", "description": "must end in .csv or .parquet"}],
        )
    from explore_pandas.ledger import Ledger
    from explore_pandas.pull import plan_pull, read_report

    plan_pull(report, start=start, end=end, tz=tz, format=format)  # refuse bad input before anything starts
    spec = {"report": report, "start": start, "end": end, "tz": tz, "format": format,
            "output": str(target.resolve()), "on_row_limit": on_row_limit,
            "started_at": datetime.now(timezone.utc).isoformat(), "status": "running"}
    pull_id = pull_id or uuid.uuid4().hex[:12]
    with account(err) as (client, emulated):
        ledger = None if emulated else Ledger()  # the emulator's jobs end with this process
        if ledger is not None:
            ledger.record_pull(pull_id, spec)
        df = read_report(report, start=start, end=end, tz=tz, format=format, client=client,
                         on_row_limit=on_row_limit, fresh=fresh, ledger=ledger or False)
    write_atomically(df, target)
    if ledger is not None:
        ledger.record_pull(pull_id, {**spec, "status": "done", "rows": len(df)})
    meta = df.attrs["explore"]
    print(f"{len(df):,} rows from {len(meta['windows'])} windows written to {target}"
          + (" (some windows hit the 1,000,000-row limit)" if meta["truncated"] else ""), file=err)
    return 0


def write_atomically(df: Any, target: Path) -> None:
    """Write to a temporary file beside ``target``, then rename: never a half-written file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    os.close(descriptor)
    try:
        if target.suffix.lower() == ".parquet":
            df.to_parquet(temporary, index=False)
        else:
            df.to_csv(temporary, index=False)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; a report file is a normal file
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def jobs(out: TextIO | None = None, limit: int = 50) -> int:
    """List the ledger's jobs, newest first."""
    from explore_pandas.ledger import Ledger

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
    from explore_pandas.ledger import Ledger

    err = err or sys.stderr
    unfinished = [p for p in Ledger().pulls() if p.get("status") == "running"]
    if not unfinished:
        print("Nothing to resume: every recorded pull finished.", file=err)
        return 0
    for spec in unfinished:
        print(f"Resuming {spec['report']} {spec['start']} .. {spec['end']} ({spec['tz']}) -> {spec['output']}", file=err)
        pull(spec["report"], start=spec["start"], end=spec["end"], tz=spec["tz"], format=spec["format"],
             output=spec["output"], on_row_limit=spec.get("on_row_limit", "warn"), err=err, pull_id=spec["id"])
    return 0


def explain(error: ExploreError) -> str:
    """One line for the terminal; configuration errors already name the variable."""
    kind = "configuration" if isinstance(error, ConfigurationError) else type(error).__name__
    return f"explore-pandas: {kind}: {error}"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
