"""The ``explore-pandas`` command line."""

from __future__ import annotations

import argparse
import errno
import io
import os
import sys
import threading
import traceback
import warnings
from typing import Any, Sequence

from explore_pandas.api.config import ENV_NAMES
from explore_pandas.cli.errors import PROG, Parser, check_cache_folder, check_days, check_port, column_list, one_line, print_error, whole_number
from explore_pandas.exceptions import ConfigurationError, ValidationError
from explore_pandas.frames.limits import ON_ROW_LIMIT
from explore_pandas.spec import FORMATS

EPILOG = """examples:
  explore-pandas demo                      pull 92 days of calls from the embedded emulator
  explore-pandas pull calls --start 2026-08-01 --end 2026-11-01 --tz Europe/Lisbon -o calls.parquet
  explore-pandas emulator --port 8080      serve the Explore API emulator until Ctrl-C
  explore-pandas emulator --tour           walk one report job through the API, then exit
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every error is one line on stderr (a traceback only with ``--debug``).

    Exit codes: 0 done, 1 a run that failed, 2 a usage mistake (found before any
    job), 130 interrupted, 141 the reader of the output went away (``| head``).
    """
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in words
    _stand_in_for_closed_streams()
    stdout = sys.stdout
    if not isinstance(stdout, ClosedOutput):  # that one says its own line
        sys.stdout = GuardedOutput(stdout)
    try:
        args, extra = parser.parse_known_args(words)
        if extra:  # said by the subcommand, so that its --help is the one named
            subcommand = parser.subcommands.get(getattr(args, "command", None) or "", parser)
            subcommand.error(f"unrecognized arguments: {' '.join(extra)}")
        with warnings.catch_warnings():  # restores the warning display when done (main may run in-process)
            warnings.showwarning = _show_warning
            code = _dispatch(args)
        sys.stdout.flush()  # a closed pipe shows up here, not at exit
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return 141  # as tools killed by SIGPIPE report it: 128 + 13
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if debug:  # the traceback, then the same line and exit code as without --debug
            traceback.print_exc()
        return print_error(error)
    finally:
        sys.stdout = stdout


class GuardedOutput:
    """Standard output whose write errors (``> /dev/full``, a full disk) say the stream and the fix.

    A closed pipe stays a BrokenPipeError (``| head`` is no mistake); everything else is the stream's.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except BrokenPipeError:
            raise
        except OSError as error:
            raise _stream_error(error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise _stream_error(error) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _stream_error(error: OSError) -> ConfigurationError:
    return ConfigurationError(f"cannot write to standard output: {error.strerror or error}. Redirect it to a "
                              "file on a disk with room, or to /dev/null.", setting="stdout")


class ClosedOutput(io.TextIOBase):
    """Standard output when it was closed (``>&-``): a write fails as an OSError, said in one line."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "it is closed; redirect it to a file or to /dev/null instead",
                      "standard output")


def _stand_in_for_closed_streams() -> None:
    """Python sets ``sys.stdout``/``sys.stderr`` to None when their descriptor is closed at start."""
    if sys.stdout is None:
        sys.stdout = ClosedOutput()
    if sys.stderr is None:  # nowhere to say anything: errors are dropped, the exit code stays
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  (lives as long as the process)


def build_parser() -> Parser:
    """The ``explore-pandas`` parser and its subcommands."""
    common = Parser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the Python traceback of an error")
    parser = Parser(
        prog=PROG, parents=[common],
        description="Talkdesk Explore API reports in pandas, and an offline emulator of the API.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--profile", dest="global_profile", default=None, metavar="NAME",
                        help="the saved profile to use (explore-pandas login); default: $EXPLORE_PROFILE, "
                             "else 'default' when saved")
    commands = parser.add_subparsers(dest="command", required=True)
    emulator = commands.add_parser(
        "emulator", help="serve the offline Explore API emulator", parents=[common],
        description="Serve the Explore API emulator on loopback: synthetic, seeded data, no account needed.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    emulator.add_argument("--port", type=whole_number, default=8080, help="port (default 8080; 0 picks a free one)")
    emulator.add_argument("--seed", type=whole_number, default=0, help="seed of the synthetic data (default 0)")
    emulator.add_argument("--tls", action="store_true", help="serve HTTPS (TLS >= 1.2) with a bundled self-signed cert")
    emulator.add_argument("--client-secret", help="fix the demo client's secret (random by default)")
    emulator.add_argument("--tour", action="store_true", help="walk one report job through the API and exit")
    demo = commands.add_parser(
        "demo", help="pull a multi-window report from the embedded emulator and describe it", parents=[common],
        description="Start the emulator, pull 92 days of calls (3 windows) and show rows, "
                    "windows, jobs, dtypes with time zones and a daily summary.",
    )
    demo.add_argument("--tz", default="Europe/Lisbon", help="IANA time zone (default Europe/Lisbon)")
    demo.add_argument("--days", type=whole_number, default=92, help="days to pull, at least 1 (default 92)")
    _add_quiet(demo)
    _add_pull(commands, common)
    jobs = commands.add_parser("jobs", help="list the jobs recorded in the local job ledger", parents=[common],
                               description="List the report jobs recorded in the ledger ($EXPLORE_CACHE_DIR), "
                                           "newest first, with the API host each belongs to.")
    jobs.add_argument("--prune", action="store_true",
                      help="remove entries whose API host is gone (an emulator that stopped) or whose "
                           "files have expired (30 days)")
    resume = commands.add_parser("resume", help="finish command-line pulls that were interrupted", parents=[common],
                                 description="Re-run every interrupted `pull`, re-attaching to its recorded jobs. "
                                             "Each pull's output is checked before its jobs; one failing pull "
                                             "does not stop the others, and the exit code is 1 if any failed.")
    _add_quiet(resume)
    cache = commands.add_parser("cache", help="list, size or clear the local cache of parsed windows",
                                parents=[common],
                                description="The cache of parsed windows ($EXPLORE_CACHE_DIR/frames): list it, "
                                            "print its size, or clear it.")
    cache.add_argument("action", nargs="?", default="list", choices=("list", "size", "clear"))
    from explore_pandas.cli import doctor, login  # light: their work is imported when they run

    login.add_parsers(commands)
    doctor.add_parser(commands)
    parser.subcommands = dict(commands.choices)
    return parser


def _add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar (there is none anyway when stderr is not a terminal)")


def _add_pull(commands: Any, common: argparse.ArgumentParser) -> None:
    pull = commands.add_parser(
        "pull", help="pull a report into a .csv or .parquet file", parents=[common],
        description="Pull a report of any length into one file. Credentials come from the EXPLORE_* "
                    "variables (EXPLORE_ACCOUNT, EXPLORE_REGION, EXPLORE_CLIENT_ID, EXPLORE_CLIENT_SECRET, or "
                    "EXPLORE_BASE_URL and EXPLORE_TOKEN_URL), then the profile (--profile NAME, "
                    "EXPLORE_PROFILE, else 'default') saved by `explore-pandas login`; with none, it uses the "
                    "embedded emulator and says so. "
                    "Every argument and the output are checked before the first job.",
        epilog="""examples:
  explore-pandas pull calls --start 2026-08-01 --end 2026-11-01 --tz Europe/Lisbon -o calls.parquet
  explore-pandas pull "User Status" --start 2026-10-01 --end 2026-10-08 -o status.csv --format json_bulk
  explore-pandas pull calls --start 2025-11-01 --end 2026-11-01 --tz Europe/Lisbon -o calls/ -q
  explore-pandas pull calls --last 7d --tz Europe/Lisbon -o week.parquet
""", formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_range_arguments(pull)
    pull.set_defaults(range_parser=pull)
    pull.add_argument("--format", default="csv", choices=FORMATS,
                      help="file format asked of the API (default csv)")
    pull.add_argument("-o", "--output", required=True, help="the file to write: .csv or .parquet; or a folder DIR/ (trailing slash, or "
                      "an existing folder): partitioned Parquet, DIR/day=YYYY-MM-DD/part-<window>.parquet, "
                      "written window by window and resumable")
    pull.add_argument("--on-row-limit", default="warn", choices=ON_ROW_LIMIT,
                      help="when a window reaches 1,000,000 rows (default warn)")
    pull.add_argument("--fresh", action="store_true", help="create new jobs even where recorded ones can serve")
    pull.add_argument("--max-jobs", dest="max_jobs", type=whole_number, default=None, metavar="N",
                      help="allow a range of up to N windows of 31 days, one report job each (default 24, "
                           "about two years; a longer range is refused before any job)")
    pull.add_argument("--columns", type=column_list,
                      help="only these columns (JSON keys, comma-separated), e.g. call_id,start_at,talk_time")
    _add_quiet(pull)


def add_range_arguments(parser: argparse.ArgumentParser) -> None:
    """``report``, ``--start``/``--end`` or ``--last``, and ``--tz``: what a pull asks for (``pull``, ``%explore``)."""
    from explore_pandas.api.presets import PRESET_EXAMPLES

    parser.add_argument("report", help="report slug or display name, e.g. calls, contacts, 'User Status'")
    parser.add_argument("--start", help="inclusive start: a date or date-time (wall time in --tz)")
    parser.add_argument("--end", help="exclusive end: a date or date-time, not in the future")
    parser.add_argument("--last", help="a preset instead of --start/--end, in complete local days of --tz: "
                                       f"{', '.join(PRESET_EXAMPLES)} (Nd, Nw, Nm)")
    parser.add_argument("--tz", default="UTC", help="IANA time zone of the request and of the datetimes (default UTC)")


def check_range(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """``--start`` and ``--end``, or ``--last``: said as argparse says a missing or conflicting option."""
    if args.last is not None:
        given = [flag for flag, value in (("--start", args.start), ("--end", args.end)) if value is not None]
        if given:
            parser.error(f"argument --last: not allowed with argument {given[0]}")
        return
    missing = [flag for flag, value in (("--start", args.start), ("--end", args.end)) if value is None]
    if len(missing) == 2:
        parser.error("the following arguments are required: --start, --end (or a preset: --last 7d)")
    if missing:
        parser.error(f"the following arguments are required: {missing[0]}")


def _dispatch(args: argparse.Namespace) -> int:
    from explore_pandas.api.profiles import PROFILE_ENV
    from explore_pandas.cli import commands

    previous = os.environ.get(PROFILE_ENV)
    try:
        if getattr(args, "run", None) is not None:  # login, logout, doctor
            return int(args.run(args))
        if args.global_profile is not None:  # pull, jobs, resume: the profile as EXPLORE_PROFILE says it
            from explore_pandas.api.profiles import check_name

            os.environ[PROFILE_ENV] = check_name(args.global_profile)
        progress: bool | str = False if getattr(args, "quiet", False) else "auto"
        if args.command in ("pull", "jobs", "resume", "cache"):
            check_cache_folder()  # where jobs and windows are recorded, before any job
        if args.command == "demo":
            from explore_pandas.api.validation import check_timezone
            from explore_pandas.cli.demo import run_demo

            check_timezone(args.tz)  # the same messages as pull's, before the emulator starts
            check_days(args.days)
            return run_demo(tz=args.tz, days=args.days, progress=progress)
        if args.command == "pull":
            check_range(args.range_parser, args)
            return commands.pull(args.report, start=args.start, end=args.end, last=args.last, tz=args.tz,
                                 format=args.format, output=args.output, on_row_limit=args.on_row_limit,
                                 fresh=args.fresh, progress=progress, columns=args.columns,
                                 max_jobs=args.max_jobs)
        if args.command == "jobs":
            from explore_pandas.cli.jobs import list_jobs, prune_jobs

            return prune_jobs() if args.prune else list_jobs()
        if args.command == "resume":
            return commands.resume(progress=progress)
        if args.command == "cache":
            from explore_pandas.cli.cache import cache

            return cache(args.action)
    finally:
        if args.global_profile is not None:
            os.environ.pop(PROFILE_ENV, None)
            if previous is not None:
                os.environ[PROFILE_ENV] = previous
    return _emulator(args)


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """A warning in one line, like the errors: ``explore-pandas: RowLimitWarning: ...``."""
    print(one_line(f"{PROG}: {category.__name__}: {message}"), file=file or sys.stderr)


def _quiet_stdout() -> None:
    """After ``| head`` closed the pipe: what is left goes to /dev/null, so that the exit is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _emulator(args: argparse.Namespace) -> int:
    from explore_pandas.emulator import Emulator

    check_port(args.port)
    if not args.host.strip():  # "" would bind every interface, not the loopback the help promises
        raise ValidationError("host: '' is not an address; give one, e.g. --host 127.0.0.1 (the default).",
                              fields=[{"name": "host", "description": "empty"}])
    if args.client_secret is not None and not args.client_secret.strip():
        raise ValidationError("client-secret: it is empty; give a secret, or leave --client-secret out for a "
                              "random one.", fields=[{"name": "client-secret", "description": "empty"}])
    port = 0 if args.tour else args.port
    emu = Emulator(host=args.host, port=port, seed=args.seed, tls=args.tls, client_secret=args.client_secret)
    try:
        emu.start()
    except OSError as error:
        taken = error.errno == errno.EADDRINUSE  # else the address is not this machine's, or not allowed
        fix = ("Pick another port with --port, or --port 0 for a free one." if taken else
               "Give an address of this machine with --host (the default, 127.0.0.1, serves this machine only).")
        print(f"explore-pandas: cannot listen on {args.host}:{args.port}: {error.strerror}. {fix}", file=sys.stderr)
        return 2
    with emu:
        if args.tour:
            from explore_pandas.emulator.tour import tour

            print(f"Explore API emulator at {emu.base_url} (offline, synthetic data)\n")
            rows = tour(emu)
            print(f"\nDone: one report job, {rows:,} rows, no account needed.")
            return 0
        _banner(emu)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nemulator stopped")
    return 0


def _banner(emu: object) -> None:
    from explore_pandas.emulator import Emulator

    assert isinstance(emu, Emulator)
    creds = emu.credentials
    lines = [
        "Explore API emulator (offline, synthetic data) is serving:",
        *(f"  {key:<14} {value}" for key, value in creds.items()),
        f"  {'control API':<14} {emu.base_url}/_emulator/",
        f"  {'OpenAPI':<14} {emu.base_url}/openapi.json",
    ]
    if emu.ca_file:
        lines.append(f"  {'CA file':<14} {emu.ca_file}")
    lines += [
        "",
        "From Python:  import explore_pandas as xp; xp.connect(**credentials above)",
        "From a shell: " + " ".join([f"{ENV_NAMES[key]}={value}" for key, value in creds.items() if key in ENV_NAMES]
                                    + ([f"REQUESTS_CA_BUNDLE={emu.ca_file}"] if emu.ca_file else [])),
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
