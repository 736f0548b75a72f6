"""engine="dask" and a report's older layout: never conformed to the current columns (issue 12, A1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

pytest.importorskip("distributed")

from dask_support import FAST
from distributed import Client as DaskClient
from distributed import LocalCluster

from explore_pandas.api.client import Client
from explore_pandas.emulator import Emulator
from explore_pandas.engines.read import read_report
from explore_pandas.exceptions import ExploreError

START, END = datetime(2026, 10, 1, tzinfo=timezone.utc), datetime(2026, 10, 3, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def threaded() -> Iterator[DaskClient]:
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as local, \
            DaskClient(local) as dask_client:
        yield dask_client


def test_a_window_in_an_older_layout_is_an_error_not_a_frame_of_empty_columns(threaded: DaskClient) -> None:
    with Emulator(seed=0, layouts={"calls": "pre2026"}, progression={"seconds": 0.1}) as emu, \
            Client(**emu.credentials) as client:
        ddf = read_report("calls", start=START, end=END, tz="UTC", client=client, poll=FAST, engine="dask",
                          ledger=False)
        with pytest.raises(ExploreError, match=r"in the 'pre2026' layout, not the current 'v1'.*engine='pandas'"):
            ddf.compute()
        df = read_report("calls", start=START, end=END, tz="UTC", client=client, poll=FAST, ledger=False,
                         progress=False)
        assert df.attrs["explore"]["layout"] == "pre2026" and df["end_time"].notna().all()
