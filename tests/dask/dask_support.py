"""Shared by tests/dask: the twelve months pulled, the poll policy, a LocalCluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from distributed import Client as DaskClient
from distributed import LocalCluster

from explore_pandas.api.polling import PollPolicy

LISBON = ZoneInfo("Europe/Lisbon")
#: Twelve months, ending weeks before today: the ledger may reuse every window's job.
START, END = datetime(2025, 11, 1, tzinfo=LISBON), datetime(2026, 11, 1, tzinfo=LISBON)
FAST = PollPolicy(initial=0.05, maximum=0.2, timeout=60)
RATE = 200  # rows per day: a year is ~73,000 rows


@contextmanager
def cluster(threads: int) -> Iterator[DaskClient]:
    """A LocalCluster of two worker processes with ``threads`` threads each, and a client of it."""
    with LocalCluster(n_workers=2, threads_per_worker=threads, processes=True, dashboard_address=":0") as local, \
            DaskClient(local) as dask_client:
        yield dask_client
