"""Benchmark: a 12-month pull, pandas engine against dask engine, wall time and driver peak memory.

Run from the checkout: ``.venv/bin/python benchmarks/dask_pull.py [--rate R] [--reps N]``
(needs ``pip install -e '.[dask]'``).

The emulator runs in its own process (real clock, loopback HTTP, jobs done ``--seconds`` after
creation), so the driver's memory is the client's alone. Twelve months of calls
(2025-11-01 .. 2026-11-01, Europe/Lisbon: 12 windows) at ``--rate`` rows a day, ledger off
(every repetition creates its jobs). In each repetition, in alternating order

After an unmeasured warm-up (a 2-day pull by each engine):

* ``pandas``: ``read_report(..., engine="pandas")``, the whole frame in the driver, then the
  calls per local day from it (``groupby``).
* ``dask compute``: ``read_report(..., engine="dask").compute()`` on a LocalCluster of two
  worker processes with two threads each: the jobs run on the workers, the whole frame comes
  back to the driver.
* ``dask aggregate``: the same collection, but only the calls per local day come back
  (``ddf.groupby(day).size().compute()``): what the dask engine is for.
* ``parquet``: ``write_parquet(...)`` into a new folder, one local day per partition, no dask:
  each window is parsed, written and dropped by the thread that fetched it, so the driver
  never holds the year (the claim of :mod:`explore_pandas.parquet`).

Wall time is ``time.perf_counter`` around the call; peak memory is the driver process's
resident set size sampled every 10 ms by a thread (psutil), minus its value just before the
call (also given as the absolute peak: memory freed by an earlier run stays with the
allocator and hides part of a later run's growth). The workers' memory is not counted: they are other processes. The machine is shared:
compare engines within one run.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import statistics
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

START, END, TZ = "2025-11-01", "2026-11-01", "Europe/Lisbon"


def _serve(settings: dict[str, Any], pipe: Any, stop: Any) -> None:
    """In a child process: an emulator serving until ``stop`` is set."""
    from explore_pandas.emulator import Emulator

    with Emulator(**settings) as emu:
        pipe.send(emu.credentials)
        stop.wait()


class PeakRSS:
    """The most resident memory this process reached while in the ``with`` block, over its start."""

    def __init__(self, interval: float = 0.01) -> None:
        import psutil

        self.process = psutil.Process()
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()

    def __enter__(self) -> PeakRSS:
        self.base = self.process.memory_info().rss
        self.peak = self.base
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self._stop.wait(self.interval)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20

    @property
    def delta_mb(self) -> float:
        return (self.peak - self.base) / 2**20


def _measure(run: Callable[[], Any]) -> tuple[float, float, float, Any]:
    import gc

    gc.collect()
    with PeakRSS() as memory:
        began = time.perf_counter()
        result = run()
        wall = time.perf_counter() - began
    return wall, memory.delta_mb, memory.peak_mb, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=3000, help="calls per day (default 3000: ~1.1M rows a year)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0, help="emulated processing time of a job")
    args = parser.parse_args()

    import pandas as pd
    from distributed import Client as DaskClient
    from distributed import LocalCluster

    import explore_pandas
    from explore_pandas.client import Client
    from explore_pandas.polling import PollPolicy
    from explore_pandas.pull import read_report

    context = mp.get_context("spawn")
    stop = context.Event()
    here, there = context.Pipe()
    server = context.Process(target=_serve, args=({"progression": {"seconds": args.seconds},
                                                   "rates": {"calls": args.rate}}, there, stop), daemon=True)
    server.start()
    credentials = here.recv()
    poll = PollPolicy(initial=0.25, maximum=1.0, timeout=600)
    common = {"start": START, "end": END, "tz": TZ, "poll": poll, "ledger": False}

    print(f"explore_pandas {explore_pandas.__version__}, pandas {pd.__version__}, python {platform.python_version()}, "
          f"{os.cpu_count()} cpus; 12 months of calls at {args.rate:,.0f}/day, jobs take {args.seconds} s")
    results: dict[str, list[tuple[float, float, float]]] = {
        "pandas": [], "dask compute": [], "dask aggregate": [], "parquet": []}
    rows: set[int] = set()
    with Client(**credentials) as client, \
            LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=":0") as cluster, \
            DaskClient(cluster):

        def pandas_engine() -> Any:
            df = read_report("calls", client=client, progress=False, **common)
            per_day = df.groupby(df["end_at"].dt.strftime("%Y-%m-%d")).size()
            rows.add(len(df))
            return per_day

        def dask_compute() -> Any:
            df = read_report("calls", client=client, engine="dask", **common).compute()
            rows.add(len(df))
            return df.groupby(df.index.strftime("%Y-%m-%d")).size()

        def dask_aggregate() -> Any:
            ddf = read_report("calls", client=client, engine="dask", **common)
            per_day = ddf.groupby(ddf.index.to_series().dt.strftime("%Y-%m-%d")).size().compute()
            rows.add(int(per_day.sum()))
            return per_day

        def parquet() -> Any:
            import shutil
            import tempfile

            from explore_pandas.parquet import write_parquet

            folder = tempfile.mkdtemp(prefix="explore-bench-")
            try:
                summary = write_parquet("calls", client=client, progress=False, path=folder, **common)
            finally:
                shutil.rmtree(folder)
            rows.add(int(summary["rows"]))
            return summary

        runs = {"pandas": pandas_engine, "dask compute": dask_compute, "dask aggregate": dask_aggregate,
                "parquet": parquet}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # warm-up, not measured: imports, the token, the workers' first tasks
            warm = {**common, "start": "2026-10-01", "end": "2026-10-03"}
            read_report("calls", client=client, progress=False, **warm)
            read_report("calls", client=client, engine="dask", **warm).compute()
            for rep in range(args.reps):
                order = list(runs) if rep % 2 == 0 else list(reversed(runs))
                for name in order:
                    wall, memory, peak, _ = _measure(runs[name])
                    results[name].append((wall, memory, peak))
                    load = f"{os.getloadavg()[0]:.1f}"
                    print(f"rep {rep + 1} {name:<15} wall {wall:7.2f} s  driver peak RSS {peak:7.0f} MB "
                          f"(+{memory:6.0f} MB over its start)  (load {load})", flush=True)
    stop.set()
    server.join(timeout=10)
    assert len(rows) == 1, f"the engines disagree on the row count: {rows}"
    print(f"\nrows: {rows.pop():,} (every run)")
    print("| engine | wall s, median [min-max] | driver peak RSS MB, median [min-max] "
          "| driver peak over its start MB, median [min-max] |")
    print("|---|---|---|---|")
    for name, values in results.items():
        walls, mems, peaks = [v[0] for v in values], [v[1] for v in values], [v[2] for v in values]
        print(f"| {name} | {statistics.median(walls):.1f} [{min(walls):.1f}-{max(walls):.1f}] | "
              f"{statistics.median(peaks):.0f} [{min(peaks):.0f}-{max(peaks):.0f}] | "
              f"{statistics.median(mems):.0f} [{min(mems):.0f}-{max(mems):.0f}] |")


if __name__ == "__main__":
    main()
