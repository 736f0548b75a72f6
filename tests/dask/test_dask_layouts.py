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
from explore_pandas.exceptions import ExploreError, SchemaDriftWarning

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


@pytest.mark.parametrize(("added", "said"), [
    ({"big": 12345678901234567}, r"columns the registry does not know: \['big'\].*or pass columns="),
    ({"talk_time": "1,234"}, r"do not fit their column's type in \['talk_time'\]"),
])
def test_a_column_dask_cannot_hold_is_an_error_naming_it_not_a_silent_drop(
        threaded: DaskClient, monkeypatch: pytest.MonkeyPatch, added: dict, said: str) -> None:
    """A warning on a worker never reaches the user: what the pandas engine keeps with a
    SchemaDriftWarning (an unknown column, text in a typed one) fails the compute instead."""
    import json
    import warnings

    from explore_pandas.emulator import jobs as emulator_jobs

    real = emulator_jobs.data.write_report

    def drifted(path, *args, **options):  # type: ignore[no-untyped-def]
        rows = real(path, *args, **options)
        with open(path, encoding="utf-8") as f:
            lines = [json.dumps({**json.loads(line), **added}) for line in f if line.strip()]
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
        return rows

    monkeypatch.setattr(emulator_jobs.data, "write_report", drifted)
    with Emulator(seed=0, progression={"seconds": 0.1}) as emu, Client(**emu.credentials) as client:
        options = {"start": START, "end": END, "tz": "UTC", "client": client, "poll": FAST, "ledger": False,
                   "format": "json_bulk"}
        with pytest.raises(ExploreError, match=said), warnings.catch_warnings():
            warnings.simplefilter("ignore", SchemaDriftWarning)  # the worker's; it never reaches a user
            read_report("calls", engine="dask", **options).compute()
        with pytest.warns(SchemaDriftWarning):
            df = read_report("calls", progress=False, **options)
        assert df[next(iter(added))].notna().all()  # the pandas engine keeps it
        if "big" in added:  # leaving it out is the way to a dask frame
            ddf = read_report("calls", engine="dask", columns=["call_id", "talk_time"], **options)
            assert len(ddf.compute()) == len(df)
