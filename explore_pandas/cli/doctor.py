"""``explore-pandas doctor``: every first-contact check, one line each with ✓ or ✗ and the fix.

The checks themselves are :mod:`explore_pandas.api.doctor`'s; this prints them
and sets the exit code: 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

__all__ = ["DOCTOR_OFFLINE_HINT", "add_parser", "run"]

#: The offline way, said the command-line way (the settings line's message says it in Python).
DOCTOR_OFFLINE_HINT = "Or try everything offline, no account needed: `explore-pandas demo`."


def add_parser(commands: Any) -> None:
    """Register ``doctor`` on the main parser's subcommands."""
    parser = commands.add_parser(
        "doctor", help="check the connection to your account: settings, DNS, TLS, clock, token, scopes",
        description="Run every first-contact check against the account of a profile (or EXPLORE_*): "
                    "the settings and where each came from, DNS and TLS to the API and token hosts, "
                    "clock skew against the server, a token, the scopes granted, a harmless API call "
                    "and the job slots in use, the proxy and CA bundle. Exit 0 when all pass.",
    )
    parser.add_argument("--profile", dest="profile", default=None, metavar="NAME",
                        help="the profile to check (default: $EXPLORE_PROFILE, else 'default')")
    parser.set_defaults(run=lambda args: run(args))


def run(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """Print one line per check; 0 when all passed, 1 when any failed."""
    from explore_pandas.api.config import OFFLINE_HINT
    from explore_pandas.api.doctor import format_check, run_checks

    out = out or sys.stdout
    profile = next((p for p in (getattr(args, "profile", None), getattr(args, "global_profile", None))
                    if p is not None), None)  # typed, even empty: '' is refused as a name
    checks = run_checks(profile=profile)
    ascii_only = not _can_print("✓✗", out)
    for check in checks:
        line = format_check(check, ascii_only=ascii_only).replace(OFFLINE_HINT, DOCTOR_OFFLINE_HINT)
        print(line, file=out)  # said in commands, not in Python
    failed = [check.name for check in checks if check.passed is False]
    said = f"{len(failed)} check{'' if len(failed) == 1 else 's'} failed: {', '.join(failed)}."
    print(f"\n{said}" if failed else "\nAll checks passed.", file=out)
    return 1 if failed else 0


def _can_print(text: str, out: TextIO) -> bool:
    try:
        text.encode(getattr(out, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True
