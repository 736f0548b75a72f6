"""How the command line fails: one line on stderr, ``explore-pandas: ...``, and an exit code.

Exit 2 is a usage mistake (a bad argument, a missing setting, an output that
cannot be written), found before any job is created; exit 1 is a run that
failed (the API refused, the network went away, a job failed). A
ValidationError that the server sent (it has a ``status``: the API refused an end
as in the future because the clocks differ) is a run that failed, as doctor's
clock line is. A traceback
appears only with ``--debug``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

from explore_pandas.api.config import OFFLINE_HINT
from explore_pandas.api.validation import DATE_ADVICE
from explore_pandas.exceptions import ConfigurationError, ExploreError, ValidationError

__all__ = ["CLI_OFFLINE_HINT", "EXIT_FAILED", "EXIT_USAGE", "FLAGS", "PROG", "Parser", "UsageError", "check_days",
           "check_cache_folder", "check_output", "check_port", "column_list", "explain", "exit_code", "one_line", "output_error", "print_error", "whole_number"]

PROG = "explore-pandas"
EXIT_FAILED = 1
EXIT_USAGE = 2
#: The offline way, said the command-line way.
CLI_OFFLINE_HINT = "Or unset every EXPLORE_* variable to pull from the embedded emulator (offline, synthetic data)."
#: Python's words in a message -> the command line's (every message goes through :func:`explain`).
CLI_WORDS = {
    OFFLINE_HINT: CLI_OFFLINE_HINT,
    DATE_ADVICE: "Use a date such as 2026-08-01 or a date-time such as 2026-08-01T09:30:00 (ISO 8601, "
                 "a wall time in --tz).",
}
#: A request field (as ValidationError names it) -> the option a command-line user typed.
FLAGS = {"timezone": "--tz", "timespan.from": "--start", "timespan.to": "--end", "last": "--last", "format": "--format",
         "type": "report", "output": "-o", "name": "--name", "days": "--days", "port": "--port",
         "start": "--start", "end": "--end", "max_jobs": "--max-jobs",
         "columns": "--columns", "on_row_limit": "--on-row-limit"}
#: A Python keyword in an error's advice ("pass max_jobs=40") -> the option ("pass --max-jobs 40").
KEYWORDS = re.compile(r"\b(max_jobs|start|end)=(?:'([^']*)'|(\S+?)(?=[\s,.;)]|$))")


class UsageError(ExploreError):
    """A mistake in the command line itself (argparse's errors), said in one line."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line naming the subcommand and its ``--help``."""

    #: The top parser's subcommands by name (set by ``build_parser``).
    subcommands: dict[str, argparse.ArgumentParser] = {}

    def error(self, message: str) -> NoReturn:
        where = self.prog.removeprefix(PROG).strip()
        help_hint = f"{self.prog} --help"
        raise UsageError(f"{where + ': ' if where else ''}{message} (see {help_hint}).")


def one_line(text: str) -> str:
    return " ".join(text.split())


def explain(error: BaseException) -> str:
    """The one stderr line for ``error``."""
    if isinstance(error, UsageError):
        text = str(error)
    elif isinstance(error, ConfigurationError):
        text = _cli_words(str(error))
    elif isinstance(error, ValidationError):
        text = _with_flag(_cli_words(str(error)), error)
    elif isinstance(error, ExploreError):
        text = f"{type(error).__name__}: {error}"
    elif isinstance(error, OSError):
        where = f" {error.filename}" if error.filename else ""
        text = f"cannot use{where}: {error.strerror or error}"
    else:
        text = (f"unexpected {type(error).__name__}: {error}. This is a bug in explore_pandas; "
                "run again with --debug for the traceback and report it.")
    return one_line(f"{PROG}: {text}")


def _cli_words(text: str) -> str:
    for python, cli in CLI_WORDS.items():
        text = text.replace(python, cli)
    return text


def _with_flag(text: str, error: ValidationError) -> str:
    """``timezone: 'X' is not ...`` -> ``--tz: 'X' is not ...``: the option the user typed."""
    for field in getattr(error, "fields", None) or []:
        name = field.get("name", "") if isinstance(field, dict) else ""
        if name in FLAGS and text.startswith(f"{name}: "):
            text = f"{FLAGS[name]}: {text[len(name) + 2:]}"
            break
    return KEYWORDS.sub(lambda m: f"{FLAGS[m[1]]} {m[2] if m[2] is not None else m[3]}", text)


def exit_code(error: BaseException) -> int:
    """2 for a usage mistake (nothing was started), 1 for a run that failed."""
    if isinstance(error, ValidationError) and getattr(error, "status", None) is not None:
        return EXIT_FAILED  # the server's refusal (clock skew): the run sent requests, and failed
    usage = (UsageError, ValidationError, ConfigurationError)
    return EXIT_USAGE if isinstance(error, usage) else EXIT_FAILED


def output_error(output: str, problem: str) -> ValidationError:
    return ValidationError(f"output: {output}: {problem}.",
                           fields=[{"name": "output", "description": problem}])


def check_output(output: str, *, folder: bool) -> Path:
    """The output path, once it is known that it can be written: before any job is created.

    A file's folder (or a partitioned output's folder) must be a folder, or be
    creatable under the nearest existing folder, and that folder must take a
    new file (probed with a temporary file, which also catches read-only
    mounts and ``/proc``).
    """
    if not output.strip():
        raise output_error(repr(output), "it is empty; pass a .csv or .parquet file, or a folder (DIR/)")
    target = Path(output).expanduser()
    if folder and target.exists() and not target.is_dir():
        raise output_error(output, "it is a file, not a folder; pass a folder (DIR/) or a .csv/.parquet file")
    if not folder and target.is_dir():
        raise output_error(output, "it is a folder; pass a file name ending in .csv or .parquet")
    where = target if folder else target.parent
    existing = where
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise output_error(output, f"{existing} is a file, so nothing can be written under it")
    try:
        descriptor, probe = tempfile.mkstemp(dir=existing, prefix=".explore-pandas-probe-")
    except OSError as error:
        reason = error.strerror or str(error)
        raise output_error(output, f"cannot write in {existing} ({reason}); pick another folder") from None
    os.close(descriptor)
    os.unlink(probe)
    if not folder and target.exists() and not os.access(target, os.W_OK):
        raise output_error(output, "the file exists and cannot be replaced (no write permission)")
    return target


def check_cache_folder() -> Path:
    """The cache folder (``$EXPLORE_CACHE_DIR``, else the user's), once it is known to be a folder that can be
    written, or can be made under one: before any job, naming the variable that chose it."""
    from explore_pandas.api.config import CACHE_DIR_ENV
    from explore_pandas.pulls.ledger import default_directory

    folder = default_directory()
    named = os.environ.get(CACHE_DIR_ENV)
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    problem = (f"{existing} is a file, not a folder" if not existing.is_dir() else
               f"{existing} cannot be written (no write permission)" if not os.access(existing, os.W_OK | os.X_OK)
               else None)
    if problem is None:
        return folder
    where = f"{CACHE_DIR_ENV}={named}" if named else f"the cache folder {folder}"
    raise ConfigurationError(f"{where}: {problem}. Set {CACHE_DIR_ENV} to a folder you can write"
                             f"{', or unset it' if named else ''}.", setting=CACHE_DIR_ENV)


def check_days(days: int) -> int:
    if days < 1:
        raise ValidationError(f"days: {days} is not a number of days to pull. Use a whole number of "
                              "at least 1, e.g. --days 7.", fields=[{"name": "days", "description": "at least 1"}])
    return days


def whole_number(text: str) -> int:
    """A whole number in ASCII digits (argparse's ``type``; ``int()`` also takes '٧' and '７')."""
    if not text.strip().lstrip("+-").isascii() or not text.strip().lstrip("+-").isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (digits 0-9)")
    return int(text)


def column_list(text: str) -> list[str]:
    """``--columns``: JSON keys separated by commas; at least one (argparse's ``type``)."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"{text!r} names no column: give the report's JSON keys separated "
                                         "by commas, e.g. --columns call_id,start_at,talk_time")
    return names


def check_port(port: int) -> int:
    if not 0 <= port <= 65535:
        raise ValidationError(f"port: {port} is not a TCP port. Use 1..65535, or 0 for a free one.",
                              fields=[{"name": "port", "description": "0..65535"}])
    return port


def print_error(error: BaseException) -> int:
    """Say ``error`` in one line on stderr; its exit code."""
    print(explain(error), file=sys.stderr, flush=True)
    return exit_code(error)
