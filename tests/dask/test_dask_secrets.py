"""The dask engine and the client secret: the settings travel to the workers inside the task
graph (as s3fs or gcsfs credentials do), but the secret never shows in a repr of the graph, in the
workers' or the scheduler's logs, or in the error the user gets when a partition fails."""

from __future__ import annotations

import pickle

import pytest
from dask_support import FAST, LISBON
from distributed import Client as DaskClient

from explore_pandas.api.client import Client
from explore_pandas.emulator import Emulator
from explore_pandas.engines.read import read_report
from explore_pandas.exceptions import JobFailedError


def test_a_failing_partition_leaks_no_secret(emu: Emulator, client: Client, dask_client: DaskClient) -> None:
    from datetime import datetime

    secret = emu.client_secret
    emu.configure(fail_at="processing")
    emu.inject("drop", endpoint="status", count=2)  # retries are logged on the workers too
    ddf = read_report("calls", start=datetime(2026, 9, 1, tzinfo=LISBON), end=datetime(2026, 9, 3, tzinfo=LISBON),
                      tz="Europe/Lisbon", client=client, poll=FAST, engine="dask", ledger=False)
    graph = ddf.__dask_graph__()
    shown = repr(dict(graph)) + str(ddf) + repr(ddf)
    assert secret not in shown
    with pytest.raises(JobFailedError) as raised:
        ddf.compute()
    error = raised.value
    assert secret not in f"{error!s} {error!r}" and secret.encode() not in pickle.dumps(error)
    logs = dask_client.get_worker_logs()
    assert any("Compute Failed" in line for lines in logs.values() for _, line in lines), logs
    text = repr(logs) + repr(dask_client.get_scheduler_logs())
    assert secret not in text and "Bearer " not in text
