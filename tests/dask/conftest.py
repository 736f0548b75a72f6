"""The dask engine on a real LocalCluster of two worker processes, against the emulator over loopback.

Worker processes reach the emulator through its loopback port; they cannot share
the emulator's clock, so jobs progress in real (short) time here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("distributed")

from dask_support import RATE, cluster
from distributed import Client as DaskClient

from explore_pandas.api.client import Client
from explore_pandas.emulator import Emulator


@pytest.fixture(scope="module")
def dask_client() -> Iterator[DaskClient]:
    """Two worker processes of two threads each."""
    with cluster(2) as dask_client:
        yield dask_client


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(seed=0, progression={"seconds": 0.3}, rates={"calls": RATE}) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    with Client(**emu.credentials, timeout=(5, 30)) as c:
        yield c
