"""Benchmark: write a 1,000,000-row calls report in each format and print the timings.

Run from the checkout: ``PYTHONPATH=. .venv/bin/python benchmarks/emulator_data.py [rows]``.
No asserts: this is for eyeballing how the emulator's writers scale (31 days at ~35,000
calls a day).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from explore_pandas.emulator import data

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
END = START + timedelta(days=31)
SEED = 20260101


def main(rows: int = 1_000_000) -> None:
    """Write ``rows`` calls rows (capped with ``limit``) per format and print speeds."""
    rate = rows / 31 * 1.03  # a little above target so the cap, not the window, ends the file
    t0 = time.perf_counter()
    available = data.count_rows("calls", START, END, seed=SEED, rate=rate)
    print(f"count_rows: {available:,} rows in {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in data.FORMATS:
            path = os.path.join(tmp, f"calls.{fmt}")
            t0 = time.perf_counter()
            n = data.write_report(path, "calls", fmt, START, END, seed=SEED, rate=rate, limit=rows)
            seconds = time.perf_counter() - t0
            size = os.path.getsize(path) / 1e6
            print(f"{fmt:>9}: {n:,} rows, {size:,.0f} MB in {seconds:.2f} s "
                  f"({n / seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
