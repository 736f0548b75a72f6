"""Benchmark: typed loads of a 1,000,000-row calls report against untyped baselines.

Run from the checkout: ``.venv/bin/python benchmarks/read_formats.py [--rows N] [--reps N]``.

The emulator's data generator writes one 31-day calls report in each format (csv, json,
json_bulk) into a temporary folder; then, in the same process and interleaved (the order of
the two readers alternates from one repetition to the next), each file is read ``--reps``
times by explore_pandas (``parse_file``: typed, timezone-aware, Europe/Lisbon) and by an
untyped baseline:

* csv: ``pyarrow.csv.read_csv(path, parse_options=ParseOptions(newlines_in_values=True))
  .to_pandas()``. The issue names ``pd.read_csv(path, engine="pyarrow")``, but that call fails
  on these files ("CSV parser got out of sync with chunker": some text values hold line
  breaks inside quotes, and pandas' pyarrow engine does not pass ``newlines_in_values``); the
  call used is the closest untyped equivalent that reads them. The script checks and reports
  whether the pandas call still fails.
* json_bulk: ``pyarrow.json.read_json(path).to_pandas()``.
* json: ``pd.json_normalize(json.load(f)["entries"])``.

Peak memory: each explore_pandas parse runs again in a fresh subprocess, whose peak RSS
(``ru_maxrss``) minus its RSS just before parsing is compared with the final frame's
``memory_usage(deep=True).sum()`` (tracemalloc does not see Arrow's allocations). The
baselines' peaks are measured the same way, for context.

Targets (issue 4, item 7): csv and json_bulk typed loads within 1.5x of the untyped
baselines; json at least 2x faster than its baseline; peak memory within 3x of the final
frame. The machine is shared: only ratios measured in the same run mean anything, and the
table gives their median and range over the repetitions.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

from explore_pandas.emulator import data
from explore_pandas.frames.parsing import parse_file

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
END = START + timedelta(days=31)
SEED = 20260101
TZ = "Europe/Lisbon"
FORMATS = ("csv", "json_bulk", "json")
SUFFIX = {"csv": "csv", "json_bulk": "jsonl", "json": "json"}

BASELINE_NAMES = {
    "csv": "pyarrow.csv.read_csv(newlines_in_values=True).to_pandas()",
    "json_bulk": "pyarrow.json.read_json(path).to_pandas()",
    "json": 'pd.json_normalize(json.load(f)["entries"])',
}
# (format, kind of target, bound): the typed load's time over the baseline's must be <= bound
# ("within"), or the baseline's over the typed load's must be >= bound ("faster").
TIME_TARGETS = {"csv": ("within", 1.5), "json_bulk": ("within", 1.5), "json": ("faster", 2.0)}
MEMORY_TARGET = 3.0


# -- the readers -----------------------------------------------------------------------------

def ours(path: str, fmt: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # drift warnings are not what is measured here
        return parse_file(path, report="calls", format=fmt, tz=TZ).frame


def baseline_csv(path: str) -> pd.DataFrame:
    return pa_csv.read_csv(
        path, parse_options=pa_csv.ParseOptions(newlines_in_values=True)
    ).to_pandas()


def baseline_json_bulk(path: str) -> pd.DataFrame:
    return pa_json.read_json(path).to_pandas()


def baseline_json(path: str) -> pd.DataFrame:
    with open(path, "rb") as f:
        return pd.json_normalize(json.load(f)["entries"])


BASELINES: dict[str, Callable[[str], pd.DataFrame]] = {
    "csv": baseline_csv,
    "json_bulk": baseline_json_bulk,
    "json": baseline_json,
}


def pandas_pyarrow_csv_fails(path: str) -> str | None:
    """The error of the issue's literal baseline ``pd.read_csv(path, engine="pyarrow")``, if any."""
    try:
        pd.read_csv(path, engine="pyarrow")
    except Exception as exc:  # noqa: BLE001 - reported, not handled
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:100]}"
    return None


# -- memory, in a fresh subprocess -----------------------------------------------------------

def _status(field: str) -> int:
    """A ``/proc/self/status`` memory figure (VmRSS, VmHWM), in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS; False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _child(reader: str, fmt: str, path: str) -> None:
    """Hidden mode: parse once, print peak RSS growth and the frame's deep size as JSON."""
    fn = (lambda p: ours(p, fmt)) if reader == "ours" else BASELINES[fmt]
    gc.collect()
    reset = _reset_peak()
    before = _status("VmRSS")
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    t0 = time.perf_counter()
    frame = fn(path)
    seconds = time.perf_counter() - t0
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    # ru_maxrss keeps the parent's RSS at fork time (Linux carries it across exec), so with a
    # large parent it cannot see a smaller child's peak: VmHWM (this exec's own peak, reset
    # just above) is used when readable, ru_maxrss otherwise.
    hwm = _status("VmHWM")
    peak = hwm if reset or hwm > maxrss_before else maxrss
    deep = int(frame.memory_usage(deep=True).sum())
    print(json.dumps({"before": before, "peak": peak, "growth": peak - before, "frame": deep,
                      "rows": len(frame), "seconds": seconds, "maxrss": maxrss,
                      "maxrss_before": maxrss_before, "hwm_reset": reset}))


def measure_memory(reader: str, fmt: str, path: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", reader, fmt, path],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the run ---------------------------------------------------------------------------------

def generate(folder: str, rows: int) -> dict[str, str]:
    rate = rows / 31 * 1.03  # a little above the target so the cap, not the window, ends the file
    paths = {}
    for fmt in FORMATS:
        path = os.path.join(folder, f"calls.{SUFFIX[fmt]}")
        t0 = time.perf_counter()
        n = data.write_report(path, "calls", fmt, START, END, seed=SEED, rate=rate, limit=rows)
        print(f"  wrote {fmt:>9}: {n:,} rows, {os.path.getsize(path) / 1e6:,.0f} MB "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)
        paths[fmt] = path
    return paths


def timed(fn: Callable[[], pd.DataFrame]) -> tuple[float, int]:
    gc.collect()
    t0 = time.perf_counter()
    frame = fn()
    seconds = time.perf_counter() - t0
    rows = len(frame)
    del frame
    gc.collect()
    return seconds, rows


def _load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
        return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"
    except OSError:
        return "n/a"


def _range(values: list[float], fmt: str = "{:.2f}") -> str:
    return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}-{fmt.format(max(values))}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per file (default 1,000,000)")
    parser.add_argument("--reps", type=int, default=3, help="interleaved repetitions (default 3)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated subset")
    parser.add_argument("--no-memory", action="store_true", help="skip the subprocess memory runs")
    parser.add_argument("--child", nargs=3, metavar=("READER", "FORMAT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    formats = [f for f in args.formats.split(",") if f]

    print(f"read_formats: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"load {_load()}, python {platform.python_version()}, pandas {pd.__version__}, "
          f"pyarrow {pa.__version__}")
    print(f"calls report, {args.rows:,} rows, 31 days, tz={TZ}, {args.reps} interleaved reps")
    with tempfile.TemporaryDirectory(prefix="explore-bench-") as folder:
        paths = generate(folder, args.rows)
        # Warm up lazy imports and Arrow's thread pools on a small file of each format.
        for fmt in formats:
            small = os.path.join(folder, f"warm.{SUFFIX[fmt]}")
            data.write_report(small, "calls", fmt, START, START + timedelta(days=1), seed=SEED, limit=2000)
            ours(small, fmt), BASELINES[fmt](small)
        error = pandas_pyarrow_csv_fails(paths["csv"]) if "csv" in formats else None
        if "csv" in formats:
            print('  pd.read_csv(path, engine="pyarrow"): '
                  + (f"FAILS ({error}); csv baseline is {BASELINE_NAMES['csv']}" if error
                     else "reads the file (the csv baseline used is still the pyarrow.csv call)"))

        times: dict[str, dict[str, list[float]]] = {f: {"ours": [], "base": []} for f in formats}
        rows: dict[str, dict[str, int]] = {f: {} for f in formats}
        for rep in range(args.reps):
            for fmt in formats:
                order = ["ours", "base"] if rep % 2 == 0 else ["base", "ours"]
                for who in order:
                    fn = (lambda: ours(paths[fmt], fmt)) if who == "ours" else (lambda: BASELINES[fmt](paths[fmt]))
                    seconds, n = timed(fn)
                    times[fmt][who].append(seconds)
                    rows[fmt][who] = n
                print(f"  rep {rep + 1} {fmt:>9}: ours {times[fmt]['ours'][-1]:6.2f} s, "
                      f"baseline {times[fmt]['base'][-1]:6.2f} s  (load {_load()})", flush=True)

        memory: dict[str, dict[str, Any]] = {}
        if not args.no_memory:
            for fmt in formats:
                memory[fmt] = {who: measure_memory(who, fmt, paths[fmt]) for who in ("ours", "base")}

    print()
    print("Speed (ratios per repetition, median [min-max]; each rep pairs the two reads of that rep)")
    header = f"{'format':>9}  {'baseline':<58} {'ours s':>17} {'baseline s':>17} {'ratio':>17}  target       result"
    print(header)
    print("-" * len(header))
    results = []
    for fmt in formats:
        o, b = times[fmt]["ours"], times[fmt]["base"]
        kind, bound = TIME_TARGETS[fmt]
        if kind == "within":
            ratios = [x / y for x, y in zip(o, b)]
            target = f"ours/base<={bound:g}"
            ok = statistics.median(ratios) <= bound
        else:
            ratios = [y / x for x, y in zip(o, b)]
            target = f"base/ours>={bound:g}"
            ok = statistics.median(ratios) >= bound
        results.append(ok)
        print(f"{fmt:>9}  {BASELINE_NAMES[fmt]:<58} {_range(o):>17} {_range(b):>17} "
              f"{_range(ratios):>17}  {target:<12} {'PASS' if ok else 'FAIL'}")
        if rows[fmt]["ours"] != rows[fmt]["base"]:
            print(f"           rows differ: ours {rows[fmt]['ours']:,}, baseline {rows[fmt]['base']:,}")
    if memory:
        print()
        print("Peak memory (fresh subprocess: peak RSS - RSS before parsing, over the final frame's deep size)")
        header = f"{'format':>9}  {'frame MB':>9} {'ours peak MB':>13} {'ours ratio':>11} {'base frame MB':>14} {'base peak MB':>13} {'base ratio':>11}  target   result"
        print(header)
        print("-" * len(header))
        for fmt in formats:
            m, b = memory[fmt]["ours"], memory[fmt]["base"]
            ratio = m["growth"] / m["frame"]
            ok = ratio <= MEMORY_TARGET
            results.append(ok)
            print(f"{fmt:>9}  {m['frame'] / 1e6:9,.0f} {m['growth'] / 1e6:13,.0f} {ratio:11.2f} "
                  f"{b['frame'] / 1e6:14,.0f} {b['growth'] / 1e6:13,.0f} {b['growth'] / b['frame']:11.2f}"
                  f"  <={MEMORY_TARGET:g}x    {'PASS' if ok else 'FAIL'}")
    print()
    print(f"{sum(results)}/{len(results)} targets met (load at the end {_load()})")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
