"""The ``explore-pandas`` command line."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any, Sequence

EPILOG = """examples:
  explore-pandas demo                      pull 92 days of calls from the embedded emulator
  explore-pandas pull calls --start 2026-08-01 --end 2026-11-01 --tz Europe/Lisbon -o calls.parquet
  explore-pandas emulator --port 8080      serve the Explore API emulator until Ctrl-C
  explore-pandas emulator --tour           walk one report job through the API, then exit
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="explore-pandas",
        description="Talkdesk Explore API reports in pandas, and an offline emulator of the API.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    emulator = commands.add_parser(
        "emulator", help="serve the offline Explore API emulator",
        description="Serve the Explore API emulator on loopback: synthetic, seeded data, no account needed.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    emulator.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    emulator.add_argument("--seed", type=int, default=0, help="seed of the synthetic data (default 0)")
    emulator.add_argument("--tls", action="store_true", help="serve HTTPS (TLS >= 1.2) with a bundled self-signed cert")
    emulator.add_argument("--client-secret", help="fix the demo client's secret (random by default)")
    emulator.add_argument("--tour", action="store_true", help="walk one report job through the API and exit")
    demo = commands.add_parser(
        "demo", help="pull a multi-window report from the embedded emulator and describe it",
        description="Start the emulator, pull 92 days of calls (3 windows) and show rows, "
                    "windows, jobs, dtypes with time zones and a daily summary.",
    )
    demo.add_argument("--tz", default="Europe/Lisbon", help="IANA time zone (default Europe/Lisbon)")
    demo.add_argument("--days", type=int, default=92, help="days to pull (default 92)")
    _add_pull(commands)
    commands.add_parser("jobs", help="list the jobs recorded in the local job ledger",
                        description="List the report jobs recorded in the ledger ($EXPLORE_CACHE_DIR).")
    commands.add_parser("resume", help="finish command-line pulls that were interrupted",
                        description="Re-run every interrupted `pull`, re-attaching to its recorded jobs.")
    cache = commands.add_parser("cache", help="list, size or clear the local cache of parsed windows",
                                description="The cache of parsed windows ($EXPLORE_CACHE_DIR/frames): list it, "
                                            "print its size, or clear it.")
    cache.add_argument("action", nargs="?", default="list", choices=("list", "size", "clear"))
    args = parser.parse_args(argv)
    return _dispatch(args)


def _add_pull(commands: Any) -> None:
    pull = commands.add_parser(
        "pull", help="pull a report into a .csv or .parquet file",
        description="Pull a report of any length into one file. Credentials come from EXPLORE_ACCOUNT, "
                    "EXPLORE_REGION, EXPLORE_CLIENT_ID and EXPLORE_CLIENT_SECRET (or EXPLORE_BASE_URL and "
                    "EXPLORE_TOKEN_URL); with none set it uses the embedded emulator and says so.",
        epilog="""examples:
  explore-pandas pull calls --start 2026-08-01 --end 2026-11-01 --tz Europe/Lisbon -o calls.parquet
  explore-pandas pull "User Status" --start 2026-10-01 --end 2026-10-08 -o status.csv --format json_bulk
  explore-pandas pull calls --start 2025-11-01 --end 2026-11-01 --tz Europe/Lisbon -o calls/
""", formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pull.add_argument("report", help="report slug or display name, e.g. calls, contacts, 'User Status'")
    pull.add_argument("--start", required=True, help="inclusive start: a date or date-time (wall time in --tz)")
    pull.add_argument("--end", required=True, help="exclusive end: a date or date-time, not in the future")
    pull.add_argument("--tz", default="UTC", help="IANA time zone of the request and of the datetimes (default UTC)")
    pull.add_argument("--format", default="csv", choices=("csv", "json", "json_bulk"),
                      help="file format asked of the API (default csv)")
    pull.add_argument("-o", "--output", required=True, help="the file to write: .csv or .parquet; or a folder DIR/ (trailing slash, or "
                      "an existing folder): partitioned Parquet, DIR/day=YYYY-MM-DD/part-<window>.parquet, "
                      "written window by window and resumable")
    pull.add_argument("--on-row-limit", default="warn", choices=("warn", "split", "raise"),
                      help="when a window reaches 1,000,000 rows (default warn)")
    pull.add_argument("--fresh", action="store_true", help="create new jobs even where recorded ones can serve")
    pull.add_argument("--columns", type=lambda text: [c.strip() for c in text.split(",") if c.strip()],
                      help="only these columns (JSON keys, comma-separated), e.g. call_id,start_at,talk_time")


def _dispatch(args: argparse.Namespace) -> int:
    from explore_pandas.cli import commands
    from explore_pandas.exceptions import ExploreError

    try:
        if args.command == "demo":
            from explore_pandas.cli.demo import run_demo

            return run_demo(tz=args.tz, days=args.days)
        if args.command == "pull":
            return commands.pull(args.report, start=args.start, end=args.end, tz=args.tz, format=args.format,
                                 output=args.output, on_row_limit=args.on_row_limit, fresh=args.fresh,
                                 columns=args.columns)
        if args.command == "jobs":
            return commands.jobs()
        if args.command == "resume":
            return commands.resume()
        if args.command == "cache":
            from explore_pandas.cli.cache import cache

            return cache(args.action)
    except ExploreError as error:
        print(commands.explain(error), file=sys.stderr)
        return 2
    return _emulator(args)


def _emulator(args: argparse.Namespace) -> int:
    from explore_pandas.emulator import Emulator

    port = 0 if args.tour else args.port
    emu = Emulator(host=args.host, port=port, seed=args.seed, tls=args.tls, client_secret=args.client_secret)
    try:
        emu.start()
    except OSError as error:
        print(f"explore-pandas: cannot listen on {args.host}:{args.port}: {error.strerror}. "
              "Pick another port with --port, or --port 0 for a free one.", file=sys.stderr)
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
        "From a shell: " + " ".join(f"EXPLORE_{key.upper()}={value}" for key, value in creds.items()),
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
