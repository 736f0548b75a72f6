"""The ``%explore`` line magic: ``%load_ext explore_pandas``, then pull a report in one line.

    %load_ext explore_pandas
    %explore calls --last 7d --tz Europe/Lisbon              # the DataFrame, as the cell's value
    %explore calls --start 2026-08-01 --end 2026-11-01 -o df # stored as ``df`` in the notebook

It is the command line's ``pull`` in a notebook (the convention of
pandas-gbq's ``%%bigquery``): the same report and range arguments
(:func:`explore_pandas.cli.main.add_range_arguments`), checked the same way
(:func:`explore_pandas.cli.main.check_range`), and the same one-line messages
(:func:`explore_pandas.cli.errors.explain`) for a mistake found before any job,
shown as IPython's ``UsageError`` (no traceback). A pull that fails once started
(the API refused, the network went away, a job failed) is one line on stderr,
``%explore: ForbiddenError: ...``, and the magic returns None, as
``%%bigquery`` does with a failed query. ``-o`` names a variable here, not a
file: a Python name that is no keyword and does not hold a module.

The pull uses the kernel's client (:func:`explore_pandas.connect`, or
:func:`explore_pandas.connect_or_emulator`); without one, the command line's
rule (:func:`explore_pandas.cli.commands.account`): your account from
``EXPLORE_*`` or the saved profile, else, with none of them set, the embedded
emulator for this pull, which it says on stderr.

This module sits above both ``cli`` and ``notebook`` in the layers (pyproject's
``[tool.importlinter]``), since it takes the command line's parser into a notebook.
"""

from __future__ import annotations

import argparse
import builtins
import keyword
import re
import shlex
import sys
import types
from typing import Any

from IPython.core.error import UsageError as IPythonUsageError
from IPython.core.magic import Magics, line_magic, magics_class

from explore_pandas.cli.errors import EXIT_USAGE, PROG, Parser, column_list, exit_code, explain, whole_number
from explore_pandas.cli.main import add_range_arguments, check_range
from explore_pandas.exceptions import ConfigurationError, ExploreError
from explore_pandas.frames.limits import ON_ROW_LIMIT
from explore_pandas.spec import FORMATS

__all__ = ["ExploreMagics", "load_ipython_extension", "magic_parser"]

MAGIC = "%explore"


def magic_parser() -> Parser:
    """``%explore``'s arguments: the command line's ``pull`` ones, with ``-o`` naming a variable."""
    parser = Parser(prog=MAGIC, description="Pull an Explore report into a DataFrame with the kernel's client.",
                    epilog="examples:\n  %explore calls --last 7d --tz Europe/Lisbon\n"
                           "  %explore calls --start 2026-08-01 --end 2026-11-01 --tz Europe/Lisbon -o df",
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    add_range_arguments(parser)
    parser.add_argument("--format", default="csv", choices=FORMATS,
                        help="file format asked of the API (default csv)")
    parser.add_argument("--on-row-limit", default="warn", choices=ON_ROW_LIMIT,
                        help="when a window reaches 1,000,000 rows (default warn)")
    parser.add_argument("--max-jobs", dest="max_jobs", type=whole_number, default=None, metavar="N",
                        help="allow a range of up to N windows of 31 days, one report job each (default 24)")
    parser.add_argument("--columns", type=column_list,
                        help="only these columns (JSON keys, comma-separated), e.g. call_id,start_at,talk_time")
    parser.add_argument("-o", "--output", metavar="VARIABLE",
                        help="store the DataFrame under this name in the notebook instead of returning it")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return parser


def _usage(error: BaseException) -> IPythonUsageError:
    """The command line's one line, said as ``%explore: ...``."""
    text = explain(error).removeprefix(f"{PROG}: ")
    return IPythonUsageError(text if text.startswith(f"{MAGIC}: ") else f"{MAGIC}: {text}")


@magics_class
class ExploreMagics(Magics):
    """The ``%explore`` line magic (see the module docstring)."""

    @line_magic
    def explore(self, line: str) -> Any:
        """Pull a report: ``%explore calls --last 7d --tz Europe/Lisbon [-o df]`` (``%explore --help``)."""
        parser = magic_parser()
        try:
            args = parser.parse_args(shlex.split(line, comments=True))  # IPython passes a trailing # comment
            check_range(parser, args)
        except SystemExit:  # --help printed the help
            return None
        except ValueError as error:  # shlex: an unclosed quote
            raise IPythonUsageError(f"{MAGIC}: {error} in {line!r}") from None
        except ExploreError as error:
            raise _usage(error) from None
        if args.output is not None:
            self._check_output(args.output)
        try:
            frame = _pull(args)
        except ExploreError as error:
            if exit_code(error) == EXIT_USAGE:  # found before any job: a bad argument or missing credentials
                raise _usage(error) from None
            # a run that failed: the command line's one line, no traceback (as %%bigquery prints a failed query)
            print(f"{MAGIC}: {explain(error).removeprefix(f'{PROG}: ')}", file=sys.stderr, flush=True)
            return None
        if args.output is None:
            return frame
        assert self.shell is not None  # a registered magic has its shell
        self.shell.user_ns[args.output] = frame
        print(f"{args.output}: {len(frame):,} rows × {len(frame.columns)} columns", flush=True)
        return None

    def _check_output(self, name: str) -> None:
        """``-o``: a Python name, not a keyword (``class``, ``None``, ``match``), not a module of the notebook."""
        if not name.isidentifier():
            raise IPythonUsageError(f"{MAGIC}: -o {name!r} is not a Python name; use e.g. -o df")
        if keyword.iskeyword(name):
            raise IPythonUsageError(f"{MAGIC}: -o {name!r} is a Python keyword, not a variable name; use e.g. -o df")
        if name == "_":
            raise IPythonUsageError(f"{MAGIC}: -o '_' is where IPython keeps the last output (and a soft keyword, "
                                    "match's wildcard): the next cell would replace it; use e.g. -o df")
        if keyword.issoftkeyword(name):
            raise IPythonUsageError(f"{MAGIC}: -o {name!r} is a Python soft keyword (of match statements); "
                                    "use e.g. -o df")
        if hasattr(builtins, name):
            raise IPythonUsageError(f"{MAGIC}: -o {name!r} would hide Python's built-in {name}() in this notebook; "
                                    "pick another name, e.g. -o df")
        hidden = getattr(self.shell, "user_ns_hidden", {}) if self.shell is not None else {}
        if name in hidden or re.fullmatch(r"_+[0-9]*|_i+[0-9]*|_[iod]h", name):
            raise IPythonUsageError(f"{MAGIC}: -o {name!r} is one of IPython's own names (its history and "
                                    "outputs: In, Out, _1, __...); pick another name, e.g. -o df")
        current = self.shell.user_ns.get(name) if self.shell is not None else None
        if isinstance(current, types.ModuleType):
            raise IPythonUsageError(f"{MAGIC}: -o {name!r} would replace the module {name} "
                                    f"({current.__name__}) in this notebook; pick another name, e.g. -o df")


def _pull(args: argparse.Namespace) -> Any:
    """``read_report`` with the kernel's client, else the command line's account-or-emulator rule."""
    from explore_pandas.api.client import get_client
    from explore_pandas.cli.commands import account
    from explore_pandas.engines.read import read_report

    from explore_pandas.frames.options import check_columns
    from explore_pandas.pulls.plan import plan_pull

    options = {"start": args.start, "end": args.end, "last": args.last, "tz": args.tz, "format": args.format,
               "on_row_limit": args.on_row_limit, "progress": False if args.quiet else "auto",
               "max_jobs": args.max_jobs, "columns": args.columns}
    # The arguments first, as `pull` does: a mistake is one line, not the emulator's notice and then it.
    plan = plan_pull(args.report, start=args.start, end=args.end, last=args.last, tz=args.tz,
                     format=args.format, max_jobs=args.max_jobs)
    check_columns(args.columns, plan.report.slug)
    try:
        client = get_client()  # the kernel's default, or one from EXPLORE_* / the saved profile
    except ConfigurationError:
        # nothing usable: as `explore-pandas pull`, the embedded emulator when no EXPLORE_* variable and no
        # profile is set (it says so on stderr), and the same ConfigurationError when only some are set
        with account() as (fallback, _):
            return read_report(args.report, client=fallback, **options)
    return read_report(args.report, client=client, **options)


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%explore`` (``%load_ext explore_pandas`` calls this through the package)."""
    ipython.register_magics(ExploreMagics)
