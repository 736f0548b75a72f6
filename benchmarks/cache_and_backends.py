"""Benchmark (issue 16): the cache of parsed windows, dtype_backend="pyarrow" memory, csv typed in the read.

Run from the checkout: ``.venv/bin/python benchmarks/cache_and_backends.py [--rows N] [--reps N]``.

Everything is a ratio measured in the same run, repetitions interleaved (the order of the two
sides alternates), medians and ranges printed:

1. **Cache.** A 92-day calls pull (2026-08-01 .. 2026-11-01, Europe/Lisbon, 3 windows) against
   the embedded emulator with its default job time (2 s per job), csv:
   * fresh: ``read_report(..., fresh=True)`` (new jobs, downloads, parses; nothing read from the
     cache), against cached: the same call without ``fresh`` (every window from the cache, no
     request). Target: fresh / cached >= 20.
   * parsing its files: ``parse_file`` of the three windows' csv files (downloaded once
     beforehand) and ``concat_frames``, i.e. the same rows without the API, against cached.
     Target: parse / cached >= 3.
2. **Memory.** ``parse_file`` of a 1,000,000-row calls csv (the emulator's generator) with
   ``dtype_backend="pyarrow"`` and with the default: ``memory_usage(deep=True).sum()``.
   Target: pyarrow / default <= 0.6.
3. **csv typed read.** The same file with every line break inside a value replaced by a space
   (quoting as needed), read by ``parse_file`` (typed, tz-aware) against an untyped
   ``pd.read_csv(path, engine="pyarrow")``. Target: ours / untyped <= 1.3. The original file,
   which has line breaks in values, is read too and checked: every row, the breaks kept.

Exit status 0 when every target is met.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
SPAN = {"start": "2026-08-01", "end": "2026-11-01", "tz": "Europe/Lisbon"}


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _ratio(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def pairs(a: Callable[[], Any], b: Callable[[], Any], reps: int) -> list[tuple[float, float]]:
    """``reps`` timings of a and b, back to back, the order alternating."""
    out = []
    for rep in range(reps):
        if rep % 2:
            tb, ta = timed(b), timed(a)
        else:
            ta, tb = timed(a), timed(b)
        out.append((ta, tb))
        print(f"    rep {rep + 1}: {ta:.3f} s vs {tb:.3f} s (load {_load()})", flush=True)
    return out


def bench_cache(reps: int) -> dict[str, float]:
    import explore_pandas as xp
    from explore_pandas.frames.parsing import parse_file
    from explore_pandas.pulls.assemble import concat_frames

    os.environ["EXPLORE_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-cache-")
    with xp.Emulator() as emu, xp.Client(**emu.credentials) as client:
        def pull(**options: Any) -> pd.DataFrame:
            return xp.read_report("calls", client=client, progress=False, **SPAN, **options)

        first = pull()
        jobs = [client.get_job(job_id, "calls") for job_id in first.attrs["explore"]["jobs"]]
        folder = tempfile.mkdtemp(prefix="bench-files-")
        files = [str(client.download(job, dest=folder)) for job in jobs]
        requests = sum(emu.stats()["requests"].values())
        cached = pull()
        assert sum(emu.stats()["requests"].values()) == requests, "a cached pull sent a request"
        assert len(cached.attrs["explore"]["cached"]) == 3
        print(f"  92-day pull: {len(first):,} rows in 3 windows; a cached pull sent no request", flush=True)

        def parse() -> pd.DataFrame:
            return concat_frames([parse_file(p, report="calls", format="csv", tz=SPAN["tz"]).frame for p in files])

        print("  fresh (new jobs) vs cached:", flush=True)
        fresh = [a / b for a, b in pairs(lambda: pull(fresh=True), pull, reps)]
        print("  parsing the 3 files vs cached:", flush=True)
        parsed = [a / b for a, b in pairs(parse, pull, reps)]
    print(f"  fresh / cached = {_ratio(fresh)} (target >= 20)")
    print(f"  parse / cached = {_ratio(parsed)} (target >= 3)")
    return {"fresh/cached": statistics.median(fresh), "parse/cached": statistics.median(parsed)}


def generate(folder: str, rows: int) -> tuple[str, str]:
    from explore_pandas.emulator import data

    path = os.path.join(folder, "calls.csv")
    n = data.write_report(path, "calls", "csv", START, START + timedelta(days=31), seed=20260101,
                          rate=rows / 31 * 1.03, limit=rows)
    table = pa_csv.read_csv(path, parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                            convert_options=pa_csv.ConvertOptions(check_utf8=False, column_types={
                                name: pa.string() for name in _header(path)}))
    flat = pa.table([pc.replace_substring(pc.replace_substring(c, "\r", " "), "\n", " ") for c in table.columns],
                    names=table.column_names)
    flat_path = os.path.join(folder, "calls_flat.csv")
    pa_csv.write_csv(flat, flat_path, write_options=pa_csv.WriteOptions(quoting_style="needed"))
    print(f"  wrote {n:,} rows: {os.path.getsize(path) / 1e6:,.0f} MB with line breaks in values, "
          f"{os.path.getsize(flat_path) / 1e6:,.0f} MB without", flush=True)
    return path, flat_path


def _header(path: str) -> list[str]:
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


def ours(path: str, **options: Any) -> pd.DataFrame:
    from explore_pandas.frames.parsing import parse_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return parse_file(path, report="calls", format="csv", tz="Europe/Lisbon", **options).frame


def bench_memory(path: str) -> float:
    default = ours(path).memory_usage(deep=True).sum()
    arrow = ours(path, dtype_backend="pyarrow").memory_usage(deep=True).sum()
    ratio = arrow / default
    print(f"  deep memory: default {default / 1e6:,.0f} MB, pyarrow {arrow / 1e6:,.0f} MB: "
          f"pyarrow / default = {ratio:.2f} (target <= 0.6)")
    return float(ratio)


def bench_csv(path: str, flat_path: str, reps: int) -> float:
    print("  typed (parse_file) vs pd.read_csv(engine='pyarrow'), file without line breaks in values:", flush=True)
    ratios = [a / b for a, b in pairs(lambda: ours(flat_path), lambda: pd.read_csv(flat_path, engine="pyarrow"), reps)]
    print(f"  ours / untyped = {_ratio(ratios)} (target <= 1.3)")
    broken = ours(path)
    flat = ours(flat_path)
    kept = int(broken["notes"].str.contains("\n", regex=False).sum())
    assert len(broken) == len(flat), "the file with line breaks lost rows"
    assert broken["call_id"].tolist() == flat["call_id"].tolist()
    print(f"  the file with line breaks in values: {len(broken):,} rows, {kept:,} values keep their line breaks")
    return statistics.median(ratios)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: cache,memory,csv")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, pandas "
          f"{pd.__version__}, pyarrow {pa.__version__}, {os.cpu_count()} cores, load {_load()}", flush=True)
    results: dict[str, tuple[float, bool]] = {}
    if "cache" not in skip:
        print("1. cache of parsed windows", flush=True)
        found = bench_cache(args.reps)
        results["fresh/cached"] = (found["fresh/cached"], found["fresh/cached"] >= 20)
        results["parse/cached"] = (found["parse/cached"], found["parse/cached"] >= 3)
    if skip >= {"memory", "csv"}:
        return _summary(results)
    with tempfile.TemporaryDirectory(prefix="bench-csv-") as folder:
        path, flat_path = generate(folder, args.rows)
        if "memory" not in skip:
            print("2. dtype_backend='pyarrow' memory", flush=True)
            ratio = bench_memory(path)
            results["pyarrow/default memory"] = (ratio, ratio <= 0.6)
        if "csv" not in skip:
            print("3. csv typed in the read", flush=True)
            ratio = bench_csv(path, flat_path, args.reps)
            results["csv typed/untyped"] = (ratio, ratio <= 1.3)
    return _summary(results)


def _summary(results: dict[str, tuple[float, bool]]) -> int:
    print("\nsummary (medians):")
    for name, (value, ok) in results.items():
        print(f"  {name:<24} {value:8.2f}  {'PASS' if ok else 'FAIL'}")
    return 0 if all(ok for _, ok in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
