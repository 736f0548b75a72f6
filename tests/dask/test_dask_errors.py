"""The dask engine's errors: a missing install, and no cluster to hold the quota on."""

from __future__ import annotations

import sys

import pytest
from dask_support import END, START

from explore_pandas.api.client import Client
from explore_pandas.engines.dask_engine import DaskNotInstalledError
from explore_pandas.engines.read import read_report
from explore_pandas.exceptions import ExploreError, ValidationError


def test_without_dask_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch, client: Client) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    with pytest.raises(DaskNotInstalledError, match=r"pip install 'explore_pandas\[dask\]'") as raised:
        read_report("calls", start=START, end=END, client=client, engine="dask")
    assert isinstance(raised.value, ImportError) and isinstance(raised.value, ExploreError)


def test_without_a_cluster_the_error_says_how_to_connect_one(client: Client) -> None:
    with pytest.raises(ExploreError, match="LocalCluster"):
        read_report("calls", start=START, end=END, client=client, engine="dask")


def test_an_unknown_engine_is_refused(client: Client) -> None:
    with pytest.raises(ValidationError, match="engine='spark'"):
        read_report("calls", start=START, end=END, client=client, engine="spark")


def test_warn_is_refused_with_dask_because_worker_warnings_never_reach_the_user() -> None:
    with pytest.raises(ValidationError, match="never reach you"):
        read_report("calls", start="2026-01-01", end="2026-02-01", engine="dask", on_row_limit="warn")
