"""The ``pull`` and ``resume`` commands: a report to a file, and interrupted pulls finished."""

from __future__ import annotations

import os
import sys
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, TextIO

from explore_pandas.api.config import ENV_NAMES
from explore_pandas.cli.errors import EXIT_FAILED, PROG, check_output, explain, output_error
from explore_pandas.exceptions import ConfigurationError
from explore_pandas.files import remove_stale_partials, write_atomically

OUTPUT_SUFFIXES = (".csv", ".parquet")


@contextmanager
def account(err: TextIO | None = None) -> Iterator[tuple[Any, bool]]:
    """``(client, is_emulator)``: the account in ``EXPLORE_*``, or the embedded emulator when none is set.

    Some but not all variables set is an error that names what is missing:
    it never falls back to the emulator silently.
    """
    from explore_pandas.api.client import Client
    from explore_pandas.api.profiles import selected

    err = err or sys.stderr
    if any(os.environ.get(name, "").strip() for name in ENV_NAMES.values()) or selected() is not None:
        with Client() as client:  # EXPLORE_*, then the profile (explore-pandas login)
            yield client, False
        return
    from explore_pandas.emulator import Emulator

    with Emulator() as emu, Client(**emu.credentials) as client:
        print(f"No EXPLORE_* credentials set: using the embedded emulator at {emu.base_url} "
              "(offline, synthetic data). Run `explore-pandas login`, or set EXPLORE_ACCOUNT, "
              "EXPLORE_CLIENT_ID and EXPLORE_CLIENT_SECRET, to pull from your account.", file=err)
        yield client, True


def plural(count: int, word: str) -> str:
    """``1 window``, ``3 windows``, ``1,024 rows``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def pull(report: str, *, start: str | None, end: str | None, tz: str, format: str, output: str,
         on_row_limit: str = "warn", fresh: bool = False, err: TextIO | None = None,
         pull_id: str | None = None, progress: bool | str = "auto", last: str | None = None,
         columns: list[str] | None = None, expected: dict[str, Any] | None = None,
         max_jobs: int | None = None) -> int:
    """Pull a report into ``output``: one .csv or .parquet file written whole or not at all,
    or, for ``DIR/`` (or an existing folder), partitioned Parquet with one folder per local day.

    ``pull_id`` continues a recorded pull (``resume``) instead of recording a new one;
    ``expected`` (its ``api`` and ``client_id``) must then be the account in use.
    Every argument, the output and the credentials are checked before the first job.
    A preset (``last``) is resolved once, here: the pull, and its ``resume``, ask for that range.
    ``max_jobs`` confirms a range of more windows than :data:`~explore_pandas.pulls.plan.MAX_JOBS`.
    """
    from explore_pandas.engines.parquet import is_directory_output
    from explore_pandas.frames.options import check_columns
    from explore_pandas.pulls.cache import max_bytes_from_env
    from explore_pandas.pulls.ledger import Ledger
    from explore_pandas.pulls.plan import allowing_jobs, plan_pull

    err = err or sys.stderr
    if not output.strip():
        check_output(output, folder=False)  # an empty output is a mistake, not the current folder
    folder = is_directory_output(output)
    if not folder and Path(output).suffix.lower() not in OUTPUT_SUFFIXES:
        raise output_error(output, "the output must end in .csv or .parquet, or be a folder (DIR/)")
    plan = plan_pull(report, start=start, end=end, tz=tz, format=format, last=last,
                     max_jobs=max_jobs)  # refuse bad input (and a range of too many jobs) first
    if last is not None:
        start, end = plan.start.isoformat(), plan.end.isoformat()
    check_columns(columns, plan.report.slug)  # before the credentials (and an emulator's notice)
    max_bytes_from_env()  # EXPLORE_CACHE_MAX_BYTES too
    target = check_output(output, folder=folder)  # and an output that cannot be written
    spec: dict[str, Any] = {
        "report": report, "start": start, "end": end, "tz": tz, "format": format,
        "output": str(target.resolve()) + (os.sep if folder else ""), "on_row_limit": on_row_limit,
        "started_at": datetime.now(timezone.utc).isoformat(), "status": "running"}
    pull_id = pull_id or uuid.uuid4().hex[:12]
    options: dict[str, Any] = dict(start=start, end=end, tz=tz, format=format, on_row_limit=on_row_limit,
                                   fresh=fresh, progress=progress)
    if columns:  # only those columns, for a resume too
        options["columns"], spec["columns"] = columns, columns
    if max_jobs is not None:  # confirmed once: its resume needs no new confirmation
        spec["max_jobs"] = max_jobs
    with account(err) as (client, emulated):
        ledger = None if emulated else Ledger()  # the emulator's jobs end with this process
        where = {"api": client.settings.base_url, "client_id": client.settings.client_id or ""}
        if expected is not None and {k: expected.get(k) for k in where} != where:
            raise ConfigurationError(
                f"this pull was made with the account at {expected.get('api')} (client id "
                f"{expected.get('client_id')!r}), and the settings now give {where['api']} (client id "
                f"{where['client_id']!r}): set that account's EXPLORE_* variables or --profile to finish it.",
                setting="EXPLORE_BASE_URL")
        spec.update(where)
        if ledger is not None:
            ledger.record_pull(pull_id, spec)
        try:
            with allowing_jobs(max_jobs), _command_line_advice():  # the engine plans the range again
                rows, message = (_to_folder if folder else _to_file)(report, target, client, ledger, options)
        except Exception as error:  # failed, not interrupted: `resume` leaves it (run the command again)
            if ledger is not None:
                ledger.record_pull(pull_id, {**spec, "status": "failed", "error": type(error).__name__})
            raise
    if ledger is not None:
        ledger.record_pull(pull_id, {**spec, "status": "done", "rows": rows})
    print(message, file=err)
    return 0


@contextmanager
def _command_line_advice() -> Iterator[None]:
    """After Ctrl-C, advice in commands (``explore-pandas resume``), not in Python calls."""
    from explore_pandas.pulls.runner import INTERRUPT_ADVICE

    token = INTERRUPT_ADVICE.set("cli")
    try:
        yield
    finally:
        INTERRUPT_ADVICE.reset(token)


def _to_file(report: str, target: Path, client: Any, ledger: Any, options: dict[str, Any]) -> tuple[int, str]:
    from explore_pandas.engines.read import read_report

    df = read_report(report, client=client, ledger=ledger or False, **options)
    write_frame(df, target)
    meta = df.attrs["explore"]
    return len(df), (f"{plural(len(df), 'row')} from {plural(len(meta['windows']), 'window')} written to {target}"
                     + (f" ({plural(sum(bool(w.get('truncated')) for w in meta['windows']), 'window')} hit the "
                        "row limit: rows are missing; --on-row-limit split fetches them)" if meta["truncated"] else ""))


def _to_folder(report: str, target: Path, client: Any, ledger: Any, options: dict[str, Any]) -> tuple[int, str]:
    from explore_pandas.engines.parquet import write_parquet

    summary = write_parquet(report, path=target, client=client, ledger=ledger or False, **options)
    return summary["rows"], (
        f"{plural(summary['rows'], 'row')} in {plural(summary['files'], 'day file')} under {target}{os.sep} "
        f"({len(summary['written'])} written now, {summary['skipped']} of {plural(summary['windows'], 'window')} "
        "already complete)")


def write_frame(df: Any, target: Path) -> None:
    """``df`` to ``target`` (.parquet or .csv), whole or not at all; what a killed run left beside
    it is removed first."""
    remove_stale_partials(target.parent, name=target.name)
    if target.suffix.lower() == ".parquet":
        write_atomically(target, lambda path: df.to_parquet(path, index=False))
    else:
        write_atomically(target, lambda path: df.to_csv(path, index=False))


def check_not_newer(spec: dict[str, Any]) -> None:
    """A file output written after this pull began (by a later run) is never overwritten by it."""
    output = Path(spec["output"])
    if spec["output"].endswith(os.sep) or not output.is_file():
        return  # a folder is a dataset: pulling into it again adds only what is missing
    try:
        began = datetime.fromisoformat(spec.get("started_at", ""))
    except ValueError:
        return
    written = datetime.fromtimestamp(output.stat().st_mtime, timezone.utc)
    if written > began:
        raise output_error(spec["output"], f"it was written at {written:%Y-%m-%d %H:%M:%S} UTC, after this pull "
                           "began: not overwritten. Delete it, or run the pull again, to replace it")


def resume(err: TextIO | None = None, progress: bool | str = "auto") -> int:
    """Finish every command-line pull that did not finish, re-attaching to its recorded jobs.

    Each pull checks its output before its jobs; a pull that fails is said in
    one line and the others still run. Returns 1 if any failed (it stays
    recorded as unfinished, for the next ``resume``), else 0.
    """
    from explore_pandas.pulls.ledger import Ledger

    err = err or sys.stderr
    unfinished = [p for p in Ledger().pulls() if p.get("status") == "running"]
    if not unfinished:
        print("Nothing to resume: every recorded pull finished.", file=err)
        return 0
    failed = 0
    for spec in unfinished:
        what = f"{spec.get('report')} {spec.get('start')} .. {spec.get('end')} ({spec.get('tz')}) -> {spec.get('output')}"
        print(f"Resuming {what}", file=err, flush=True)
        try:
            check_not_newer(spec)
            pull(spec["report"], start=spec["start"], end=spec["end"], tz=spec["tz"], format=spec["format"],
                 output=spec["output"], on_row_limit=spec.get("on_row_limit", "warn"), err=err,
                 pull_id=spec["id"], progress=progress, columns=spec.get("columns"), max_jobs=spec.get("max_jobs"),
                 expected={k: spec[k] for k in ("api", "client_id") if k in spec} or None)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001  (one pull's failure, said in one line; the others go on)
            failed += 1
            print(explain(error).replace(f"{PROG}: ", f"{PROG}: resume {what}: ", 1), file=err, flush=True)
    if failed:
        print(f"{PROG}: {failed} of {plural(len(unfinished), 'interrupted pull')} failed (said above); "
              f"fix what they say and run `{PROG} resume` again.", file=err)
        return EXIT_FAILED
    return 0
