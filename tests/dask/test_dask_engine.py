"""read_report(..., engine="dask"): one partition per window, run on the workers, the quota held cluster-wide."""

from __future__ import annotations

import warnings
from datetime import datetime

import pandas as pd
from dask_support import END, FAST, LISBON, START, cluster
from distributed import Client as DaskClient

from explore_pandas.client import Client
from explore_pandas.emulator import Emulator
from explore_pandas.exceptions import RowLimitWarning
from explore_pandas.pull import plan_pull, read_report


def _dask(client: Client, **options: object):  # type: ignore[no-untyped-def]
    kwargs: dict[str, object] = {"start": START, "end": END, "tz": "Europe/Lisbon", "client": client,
                                 "poll": FAST, "engine": "dask"}
    kwargs.update(options)
    return read_report("calls", **kwargs)  # type: ignore[arg-type]


def _same_dtype(left: object, right: object) -> bool:
    if isinstance(left, pd.CategoricalDtype):  # the meta's categories are unknown, by design
        return isinstance(right, pd.CategoricalDtype)
    return left == right


def test_twelve_months_equal_the_truth_and_the_pandas_engine(emu: Emulator, client: Client,
                                                             dask_client: DaskClient) -> None:
    ddf = _dask(client)
    plan = plan_pull("calls", start=START, end=END, tz="Europe/Lisbon")
    assert ddf.npartitions == len(plan.windows) == 12
    assert emu.stats()["jobs_created"] == 0  # lazy: nothing runs before compute
    got = ddf.compute()
    assert emu.stats()["jobs_created"] == 12
    truth = emu.truth("calls", START, END)["call_id"].astype(str).tolist()
    assert got["call_id"].tolist() == truth  # every row, once, in time order
    assert got["call_id"].is_unique
    assert emu.stats()["max_running"] <= 15

    reference = read_report("calls", start=START, end=END, tz="Europe/Lisbon", client=client, poll=FAST,
                            progress=False, ledger=False)
    reference.attrs = {}
    # the same columns and dtypes, before anything is computed...
    expected = reference.set_index("end_at")
    assert list(ddf.columns) == list(expected.columns) and ddf.index.name == "end_at"
    assert ddf.index.dtype == expected.index.dtype
    assert all(_same_dtype(ddf.dtypes[c], expected.dtypes[c]) for c in expected.columns), \
        {c: (ddf.dtypes[c], expected.dtypes[c]) for c in expected.columns if not _same_dtype(ddf.dtypes[c], expected.dtypes[c])}
    # ...and the same frame after
    pd.testing.assert_frame_equal(got.reset_index()[reference.columns], reference)


def test_computing_again_reattaches_to_the_recorded_jobs(emu: Emulator, client: Client,
                                                         dask_client: DaskClient) -> None:
    first = _dask(client).compute()
    created = emu.stats()["jobs_created"]
    again = _dask(client).compute()  # the ledger (shared by the workers) holds every window's job
    assert emu.stats()["jobs_created"] == created == 12
    pd.testing.assert_frame_equal(first, again)


def test_divisions_are_the_window_bounds_and_loc_prunes(emu: Emulator, client: Client,
                                                        dask_client: DaskClient) -> None:
    ddf = _dask(client, ledger=False)
    plan = plan_pull("calls", start=START, end=END, tz="Europe/Lisbon")
    assert ddf.known_divisions
    bounds = [w.start for w in plan.windows] + [plan.windows[-1].end]
    assert list(ddf.divisions) == [pd.Timestamp(b) for b in bounds]
    assert str(ddf.divisions[0].tz) == "Europe/Lisbon"
    # a span inside one window reads one partition; across a seam, the two windows around it
    inside = ddf.loc[pd.Timestamp("2026-03-10", tz=LISBON):pd.Timestamp("2026-03-20", tz=LISBON)]
    assert inside.npartitions == 1
    assert ddf.loc["2026-03-10":"2026-03-20"].npartitions == 1  # partial date strings, in the index's zone
    seam = next(w.start for w in plan.windows if w.start.month == 4)  # 2026-04-05, local midnight
    a, b = pd.Timestamp("2026-03-20", tz=LISBON), pd.Timestamp("2026-04-10", tz=LISBON)
    assert a < pd.Timestamp(seam) < b
    across = ddf.loc[a:b]
    assert across.npartitions == 2
    got = across.compute()
    truth = emu.truth("calls", a.to_pydatetime(), b.to_pydatetime())
    truth = truth[truth["end_at"] <= b]  # .loc is inclusive at both ends
    assert got["call_id"].tolist() == truth["call_id"].astype(str).tolist()
    assert emu.stats()["jobs_created"] == 2  # only the two windows selected ran


def test_the_semaphore_holds_the_quota_across_workers(emu: Emulator, client: Client) -> None:
    # Eight worker threads, a limit of 3 and an API that would accept 15: only the semaphore can hold it to 3.
    with cluster(4):
        _dask(client, max_concurrency=3, ledger=False).compute()
        stats = emu.stats()
        assert stats["max_running"] == 3, stats  # reached, never passed
        # and with an account whose quota is 3, no create is ever refused: no 429, no retry
        emu.reset()
        emu.configure(quota=3, progression={"seconds": 0.3}, rates={"calls": 200})
        got = _dask(client, max_concurrency=3, ledger=False).compute()
        stats = emu.stats()
        assert stats["max_running"] <= 3
        assert stats["requests"]["create"] == stats["jobs_created"] == 12, stats["requests"]
        assert len(got) == emu.count_rows("calls", START, END)


def test_a_window_at_the_row_limit_split_stays_one_partition(emu: Emulator, client: Client,
                                                             dask_client: DaskClient) -> None:
    emu.configure(row_limit=150, total="matching")  # ~200 rows a day: every 2-day window splits
    start, end = datetime(2026, 9, 1, tzinfo=LISBON), datetime(2026, 9, 3, tzinfo=LISBON)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RowLimitWarning)
        ddf = _dask(client, start=start, end=end, format="json", on_row_limit="split", ledger=False)
        got = ddf.compute()
    assert ddf.npartitions == 1
    assert got["call_id"].tolist() == emu.truth("calls", start, end)["call_id"].astype(str).tolist()
    assert emu.stats()["jobs_created"] > 2  # the window and its halves
