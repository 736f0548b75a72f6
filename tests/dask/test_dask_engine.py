"""read_report(..., engine="dask"): one partition per window, run on the workers, the quota held cluster-wide."""

from __future__ import annotations

import warnings
from datetime import datetime

import dask
import pandas as pd
import pyarrow as pa
import pytest
from dask_support import END, FAST, LISBON, START, cluster
from distributed import Client as DaskClient

from explore_pandas.api.client import Client
from explore_pandas.emulator import Emulator
from explore_pandas.engines.read import read_report
from explore_pandas.exceptions import RowLimitError, RowLimitWarning
from explore_pandas.pulls.plan import plan_pull


def _dask(client: Client, **options: object):  # type: ignore[no-untyped-def]
    kwargs: dict[str, object] = {"start": START, "end": END, "tz": "Europe/Lisbon", "client": client,
                                 "poll": FAST, "engine": "dask"}
    kwargs.update(options)
    return read_report("calls", **kwargs)  # type: ignore[arg-type]


def _pandas(client: Client, **options: object) -> pd.DataFrame:
    kwargs: dict[str, object] = {"start": START, "end": END, "tz": "Europe/Lisbon", "client": client,
                                 "poll": FAST, "progress": False, "ledger": False}
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


def test_categories_are_the_pandas_engines_when_windows_hold_different_labels(emu: Emulator, client: Client,
                                                                             dask_client: DaskClient) -> None:
    emu.configure(rates={"calls": 1})  # a call a day: a month does not see every call type
    reference = _pandas(client)
    categorical = [c for c in reference.columns if isinstance(reference[c].dtype, pd.CategoricalDtype)]
    unsorted = [c for c in categorical if list(reference[c].cat.categories) != sorted(reference[c].cat.categories)]
    assert unsorted, "the test needs windows whose labels differ; pick another rate"
    got = _dask(client, ledger=False).compute().reset_index()
    for column in categorical:  # the same labels in the same order, hence the same codes
        assert list(got[column].cat.categories) == list(reference[column].cat.categories), column
    reference.attrs = got.attrs = {}
    pd.testing.assert_frame_equal(got[reference.columns], reference)


def test_a_computed_frame_carries_the_request_and_extends_like_a_pandas_one(emu: Emulator, client: Client,
                                                                           dask_client: DaskClient) -> None:
    start, middle, end = (datetime(2026, m, 1, tzinfo=LISBON) for m in (7, 9, 11))
    ddf = _dask(client, start=start, end=middle, ledger=False)
    got = ddf.compute()
    meta = got.attrs["explore"]
    assert meta["engine"] == "dask" and meta["report"] == "calls" and meta["timezone"] == "Europe/Lisbon"
    assert got.explore.timespan == (pd.Timestamp(start), pd.Timestamp(middle))
    assert [w["start"] for w in meta["windows"]] == [w.start.isoformat() for w in plan_pull(
        "calls", start=start, end=middle, tz="Europe/Lisbon").windows]
    assert meta["jobs"] == [] and meta["truncated"] is False  # job ids stay on the workers
    # a selection keeps it (attrs follow pandas operations), as with the pandas engine
    assert ddf.loc["2026-07-10":"2026-07-20"].compute().attrs["explore"] == meta

    longer = got.explore.extend(end=end, client=client, poll=FAST, progress=False, ledger=False)
    assert longer.index.name == "end_at"  # laid out like the frame it extends
    assert longer.explore.timespan == (pd.Timestamp(start), pd.Timestamp(end))
    truth = emu.truth("calls", start, end)["call_id"].astype(str).tolist()
    assert longer["call_id"].tolist() == truth  # no gap and no duplicate at the seam
    for column in longer.columns:
        if isinstance(got[column].dtype, pd.CategoricalDtype):
            assert isinstance(longer[column].dtype, pd.CategoricalDtype), column


def test_pulls_with_different_limits_share_the_accounts_fifteen(emu: Emulator, client: Client) -> None:
    # An API that would accept 40 and 20 worker threads: only the account's semaphore keeps the two pulls,
    # one at the default limit (15) and one limited to 5, at 15 together.
    emu.configure(quota=40, progression={"seconds": 2}, rates={"calls": 50, "contacts": 50})
    with cluster(10):
        calls = _dask(client, ledger=False)
        contacts = read_report("contacts", start=START, end=END, tz="Europe/Lisbon", client=client, poll=FAST,
                               engine="dask", ledger=False, max_concurrency=5)
        got_calls, got_contacts = dask.compute(calls, contacts)
    stats = emu.stats()
    assert stats["jobs_created"] == 24
    assert 5 < stats["max_running"] <= 15, stats
    assert len(got_calls) == emu.count_rows("calls", START, END)
    assert len(got_contacts) == emu.count_rows("contacts", START, END)


def test_a_window_that_cannot_be_split_raises_instead_of_losing_rows(emu: Emulator, client: Client,
                                                                    dask_client: DaskClient) -> None:
    emu.configure(row_limit=1, total="matching", rates={"calls": 200_000})  # ~2.3 calls a second
    start = datetime(2026, 9, 1, 12, 11, 57, tzinfo=LISBON)  # a busy second: ten calls end in it
    second = start.replace(second=58)
    assert emu.count_rows("calls", start, second) >= 2  # past a limit of 1, in a window bisect cannot halve
    with pytest.raises(RowLimitError, match="1,000,000"):
        _dask(client, start=start, end=second, format="json", ledger=False).compute()  # json tells the total


# dask 2026.8's read_parquet calls set_index/reset_index(inplace=True), deprecated by pandas 3.1: not ours to fix
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame")
def test_dask_writes_the_collection_to_parquet_and_reads_it_back(emu: Emulator, client: Client,
                                                                 dask_client: DaskClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # dask's own writer, one file per window, written by the workers: the driver never holds the pull
    start, end = datetime(2026, 6, 1, tzinfo=LISBON), datetime(2026, 9, 1, tzinfo=LISBON)
    ddf = _dask(client, start=start, end=end, ledger=False)
    ddf.to_parquet(tmp_path / "calls")
    assert len(list((tmp_path / "calls").glob("*.parquet"))) == ddf.npartitions == 3
    import dask.dataframe as dd

    with dask.config.set({"dataframe.convert-string": False}):
        back = dd.read_parquet(tmp_path / "calls", calculate_divisions=True)
    assert back.known_divisions and back.divisions[0] >= pd.Timestamp(start)  # from the files: the first row
    got = back.compute()
    expected = ddf.compute()  # the ledger is off: new jobs, the same rows
    pd.testing.assert_frame_equal(got, expected, check_categorical=False)


def test_columns_dtype_and_the_pyarrow_backend_are_the_pandas_engines(emu: Emulator, client: Client,
                                                                      dask_client: DaskClient) -> None:
    emu.configure(rates={"calls": 20})
    shape = {"columns": ["user_name", "type", "talk_time"], "dtype": {"talk_time": "float64[pyarrow]"},
             "dtype_backend": "pyarrow"}
    ddf = _dask(client, ledger=False, **shape)
    assert ddf.index.name == "end_at"  # the time column is read and indexes, even when not asked for
    assert list(ddf.columns) == ["user_name", "type", "talk_time"]
    got = ddf.compute()
    for frame in (ddf._meta, got):  # the meta says what compute gives
        assert frame["talk_time"].dtype == "float64[pyarrow]"
        assert frame["user_name"].dtype == pd.ArrowDtype(pa.string())  # never a per-window dictionary
        assert frame["type"].dtype == pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string()))
    assert str(got.index.dtype) == "timestamp[us, tz=Europe/Lisbon][pyarrow]"
    reference = _pandas(client, **{**shape, "columns": ["end_at", *shape["columns"]]}).set_index("end_at")
    assert got.index.tolist() == reference.index.tolist()
    for column in got.columns:  # the same values; the text's encoding is the per-frame choice
        assert got[column].astype(str).tolist() == reference[column].astype(str).tolist(), column
