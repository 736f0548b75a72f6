"""Benchmark: a 12-month pull, pandas engine against dask engine, wall time and driver peak memory.

Run from the checkout: ``.venv/bin/python benchmarks/dask_pull.py [--rate R] [--reps N]``
(needs ``pip install -e '.[dask]'``).

The emulator runs in its own process (real clock, loopback HTTP, jobs done ``--seconds`` after
creation), so the driver's memory is the client's alone. Twelve months of calls
(2025-11-01 .. 2026-11-01, Europe/Lisbon: 12 windows) at ``--rate`` rows a day, ledger off
(every repetition creates its jobs). In each repetition, in alternating order, each
after an unmeasured warm-up (a 2-day pull by the same engine):

* ``pandas``: ``read_report(..., engine="pandas")``, the whole frame in the driver, then the
  calls per local day from it (``groupby``).
* ``dask compute``: ``read_report(..., engine="dask").compute()`` on a LocalCluster of two
  worker processes with two threads each: the jobs run on the workers, the whole frame comes
  back to the driver.
* ``dask aggregate``: the same collection, but only the calls per local day come back
  (``ddf.groupby(day).size().compute()``): what the dask engine is for.
* ``parquet``: ``write_parquet(...)`` into a new folder, one local day per partition, no dask:
  each window is parsed, written and dropped by the thread that fetched it, so the driver
  never holds the year (the claim of :mod:`explore_pandas.engines.parquet`).

Each measurement runs in a fresh process (spawned; for the dask runs with its own
LocalCluster), after an unmeasured warm-up there: memory an earlier run freed would stay with
the allocator and hide part of a later run's growth. Wall time is ``time.perf_counter``
around the call; peak memory is that process's resident set size sampled every 10 ms by a
thread (psutil), as the absolute peak and as the growth over its value just before the call.
The workers' memory is not counted: they are other processes. The machine is shared:
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


def _runs(client: Any, common: dict[str, Any]) -> dict[str, Callable[[], int]]:
    """Each engine's measured call; each returns the rows it saw."""
    from explore_pandas.engines.parquet import write_parquet
    from explore_pandas.engines.read import read_report

    def pandas_engine() -> int:
        df = read_report("calls", client=client, progress=False, **common)
        df.groupby(df["end_at"].dt.strftime("%Y-%m-%d")).size()
        return len(df)

    def dask_compute() -> int:
        df = read_report("calls", client=client, engine="dask", **common).compute()
        df.groupby(df.index.strftime("%Y-%m-%d")).size()
        return len(df)

    def dask_aggregate() -> int:
        ddf = read_report("calls", client=client, engine="dask", **common)
        return int(ddf.groupby(ddf.index.to_series().dt.strftime("%Y-%m-%d")).size().compute().sum())

    def parquet() -> int:
        import shutil
        import tempfile

        folder = tempfile.mkdtemp(prefix="explore-bench-")
        try:
            return int(write_parquet("calls", client=client, progress=False, path=folder, **common)["rows"])
        finally:
            shutil.rmtree(folder)

    return {"pandas": pandas_engine, "dask compute": dask_compute, "dask aggregate": dask_aggregate,
            "parquet": parquet}


def _one_run(name: str, credentials: dict[str, str], pipe: Any, start: str = START) -> None:
    """In a fresh process: warm up, then measure one engine's call once; send the figures back.

    A fresh process per measurement: memory an earlier run freed stays with the allocator
    and would hide part of a later run's growth.
    """
    import contextlib

    from explore_pandas.api.client import Client
    from explore_pandas.api.polling import PollPolicy
    from explore_pandas.engines.read import read_report

    common = {"start": start, "end": END, "tz": TZ, "poll": PollPolicy(initial=0.25, maximum=1.0, timeout=600),
              "ledger": False}
    warm = {**common, "start": "2026-10-01", "end": "2026-10-03"}
    with warnings.catch_warnings(), contextlib.ExitStack() as stack:
        warnings.simplefilter("ignore")
        client = stack.enter_context(Client(**credentials))
        if name.startswith("dask"):
            from distributed import Client as DaskClient
            from distributed import LocalCluster

            cluster = stack.enter_context(LocalCluster(n_workers=2, threads_per_worker=2, processes=True,
                                                       dashboard_address=":0"))
            stack.enter_context(DaskClient(cluster))
            read_report("calls", client=client, engine="dask", **warm).compute()  # not measured
        else:
            read_report("calls", client=client, progress=False, **warm)  # imports, the token: not measured
        wall, memory, peak, rows = _measure(_runs(client, common)[name])
    pipe.send((wall, memory, peak, rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=3000, help="calls per day (default 3000: ~1.1M rows a year)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0, help="emulated processing time of a job")
    parser.add_argument("--scaling", action="store_true",
                        help="then pandas and parquet over 24 months too (one run each): which one grows with the range")
    args = parser.parse_args()

    import pandas as pd

    import explore_pandas

    context = mp.get_context("spawn")
    stop = context.Event()
    here, there = context.Pipe()
    server = context.Process(target=_serve, args=({"progression": {"seconds": args.seconds},
                                                   "rates": {"calls": args.rate}}, there, stop), daemon=True)
    server.start()
    credentials = here.recv()

    print(f"explore_pandas {explore_pandas.__version__}, pandas {pd.__version__}, python {platform.python_version()}, "
          f"{os.cpu_count()} cpus; 12 months of calls at {args.rate:,.0f}/day, jobs take {args.seconds} s; "
          "each measurement in a fresh process")
    names = ["pandas", "dask compute", "dask aggregate", "parquet"]
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
    rows: set[int] = set()

    def measure(name: str, start: str = START) -> tuple[float, float, float, int]:
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_one_run, args=(name, credentials, send, start))  # not daemonic: it starts a cluster
        child.start()
        figures = receive.recv()
        child.join()
        return figures  # type: ignore[no-any-return]

    for rep in range(args.reps):
        for name in names if rep % 2 == 0 else list(reversed(names)):
            wall, memory, peak, seen = measure(name)
            results[name].append((wall, memory, peak))
            rows.add(seen)
            print(f"rep {rep + 1} {name:<15} wall {wall:7.2f} s  driver peak RSS {peak:7.0f} MB "
                  f"(+{memory:6.0f} MB over its start)  (load {os.getloadavg()[0]:.1f})", flush=True)
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
    if args.scaling:
        print("\nscaling: the same engines over 24 months (2024-11-01 .. 2026-11-01), one run each")
        for name in ("pandas", "parquet"):
            wall, memory, peak, seen = measure(name, "2024-11-01")
            twelve = statistics.median(v[1] for v in results[name])
            print(f"{name:<8} 24 months: {seen:,} rows, wall {wall:.1f} s, peak RSS {peak:.0f} MB, "
                  f"+{memory:.0f} MB over its start ({memory / twelve:.2f}x its 12-month growth)", flush=True)
    stop.set()
    server.join(timeout=10)


if __name__ == "__main__":
    main()
