"""read_report against the emulator: every row exactly once, typed, in the request's zone."""

from __future__ import annotations

import json
import warnings
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from explore_pandas.api.client import Client
from explore_pandas.api.polling import PollPolicy
from explore_pandas.emulator import Emulator
from explore_pandas.engines.read import read_report
from explore_pandas.exceptions import RowLimitError, RowLimitWarning, ValidationError

FAST = PollPolicy(initial=0.02, maximum=0.1, timeout=60)
LISBON = ZoneInfo("Europe/Lisbon")


def _truth_ids(emu: Emulator, report: str, start: datetime, end: datetime, key: str) -> list[str]:
    return emu.truth(report, start, end)[key].astype(str).tolist()


def _pull(client: Client, report: str = "calls", **kwargs: object) -> pd.DataFrame:
    options: dict[str, object] = {"tz": "Europe/Lisbon", "progress": False, "poll": FAST, "client": client}
    options.update(kwargs)
    return read_report(report, **options)  # type: ignore[arg-type]


@pytest.fixture
def fast_client(emu: Emulator) -> Client:
    with Client(**emu.credentials, timeout=(5, 30)) as client:
        yield client


def test_a_long_range_is_every_row_once_in_time_order(emu: Emulator, fast_client: Client) -> None:
    start, end = datetime(2026, 8, 1, tzinfo=LISBON), datetime(2026, 11, 1, tzinfo=LISBON)
    df = _pull(fast_client, start=start, end=end)
    truth = _truth_ids(emu, "calls", start, end, "call_id")
    assert df["call_id"].tolist() == truth  # no loss, no duplicate, no reordering at the seams
    meta = df.attrs["explore"]
    assert len(meta["windows"]) == 3 == len(emu.jobs())  # one job per window, none repeated
    rows_by_job = {job["id"]: job["rows"] for job in emu.jobs()}
    assert [w["rows"] for w in meta["windows"]] == [rows_by_job[w["job_id"]] for w in meta["windows"]]
    for before, after in zip(meta["windows"], meta["windows"][1:]):
        assert before["end"] == after["start"]
    assert meta["truncated"] is False and meta["rows"] == len(df)
    json.dumps(meta)  # provenance stays JSON-safe


def test_datetimes_are_aware_in_the_request_zone_across_a_dst_change(emu: Emulator, fast_client: Client) -> None:
    # Lisbon falls back on 2026-10-25: the window holds a 25-hour day
    start, end = datetime(2026, 10, 20, tzinfo=LISBON), datetime(2026, 10, 30, tzinfo=LISBON)
    df = _pull(fast_client, start=start, end=end)
    truth = emu.truth("calls", start, end)
    assert str(df["end_at"].dtype) == "datetime64[us, Europe/Lisbon]"
    assert df["end_at"].dt.tz_convert("UTC").tolist() == truth["end_at"].tolist()
    assert df["end_at"].min() >= pd.Timestamp(start) and df["end_at"].max() < pd.Timestamp(end)
    during = df[df["end_at"].dt.strftime("%Y-%m-%d") == "2026-10-25"]
    assert set(during["end_at"].dt.strftime("%z")) == {"+0100", "+0000"}  # both offsets of that day


@pytest.mark.parametrize("fmt", ["json", "json_bulk"])
def test_every_format_gives_the_same_frame(emu: Emulator, fast_client: Client, fmt: str) -> None:
    span = {"start": datetime(2026, 9, 1, tzinfo=LISBON), "end": datetime(2026, 9, 4, tzinfo=LISBON)}
    reference = _pull(fast_client, format="csv", **span)
    other = _pull(fast_client, format=fmt, **span)
    reference.attrs, other.attrs = {}, {}
    pd.testing.assert_frame_equal(reference, other)


def test_row_limit_warn_keeps_what_came_and_says_which_window(emu: Emulator, fast_client: Client) -> None:
    emu.configure(row_limit=500, total="matching")  # small cap; json total reveals the rest
    span = {"start": datetime(2026, 9, 1, tzinfo=LISBON), "end": datetime(2026, 9, 2, tzinfo=LISBON)}
    with pytest.warns(RowLimitWarning, match="on_row_limit='split'") as caught:
        df = _pull(fast_client, format="json", **span)
    assert len(df) == 500 and df.attrs["explore"]["truncated"] is True
    assert "2026-09-01T00:00:00+01:00" in str(caught[0].message)


def test_row_limit_split_fetches_every_row_in_halves(emu: Emulator, fast_client: Client) -> None:
    emu.configure(row_limit=500, total="matching")
    start, end = datetime(2026, 9, 1, tzinfo=LISBON), datetime(2026, 9, 2, tzinfo=LISBON)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RowLimitWarning)  # nothing may stay truncated
        df = _pull(fast_client, format="json", start=start, end=end, on_row_limit="split")
    assert df["call_id"].tolist() == _truth_ids(emu, "calls", start, end, "call_id")
    windows = df.attrs["explore"]["windows"]
    assert len(windows) >= 2 and all(w["rows"] < 500 for w in windows)
    assert windows[0]["start"] == start.isoformat() and windows[-1]["end"] == end.isoformat()


def test_row_limit_raise_names_the_window(emu: Emulator, fast_client: Client) -> None:
    emu.configure(row_limit=500, total="matching")
    span = {"start": datetime(2026, 9, 1, tzinfo=LISBON), "end": datetime(2026, 9, 2, tzinfo=LISBON)}
    with pytest.raises(RowLimitError, match="1,000,000") as raised:
        _pull(fast_client, format="json", on_row_limit="raise", **span)
    assert raised.value.window["start"].startswith("2026-09-01")


@pytest.mark.slow
@pytest.mark.parametrize("choice", ["warn", "split"])
def test_the_real_one_million_row_cap(emu: Emulator, fast_client: Client, choice: str) -> None:
    emu.configure(rates={"calls": 40_000})  # 31 days hold about 1.24 million rows
    start, end = datetime(2026, 9, 1, tzinfo=timezone.utc), datetime(2026, 10, 2, tzinfo=timezone.utc)
    expected = emu.count_rows("calls", start, end)
    assert expected > 1_000_000
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = _pull(fast_client, tz="UTC", start=start, end=end, on_row_limit=choice)
    limits = [w for w in caught if issubclass(w.category, RowLimitWarning)]
    if choice == "warn":
        assert len(df) == 1_000_000 and len(limits) == 1
    else:
        assert len(df) == expected and not limits
        assert df["call_id"].is_unique


def test_a_shared_quota_lowers_concurrency_and_loses_nothing(emu: Emulator, client: Client) -> None:
    # other tools hold 12 of the 15 slots: only 3 are left for this pull.
    # (``client`` sleeps by moving the emulator's clock: backoff costs no real time)
    emu.configure(quota=3, progression={"polls": 20}, rates={"calls": 50})  # jobs outlast the creates
    start, end = datetime(2026, 1, 1, tzinfo=LISBON), datetime(2026, 11, 1, tzinfo=LISBON)
    # The truth first: it simulates the days, so that the creates below (which count the rows) are
    # quick and run together, as on a real account; slow creates would each find the others done.
    truth = _truth_ids(emu, "calls", start, end, "call_id")
    df = _pull(client, start=start, end=end, format="json_bulk")
    assert df["call_id"].tolist() == truth
    meta = df.attrs["explore"]
    assert meta["rate_limited"] > 0
    assert len(emu.jobs()) == len(meta["windows"]) == 10  # no duplicate job from a retried create
    assert emu.stats()["max_running"] <= 3


def test_max_concurrency_is_respected(emu: Emulator, client: Client) -> None:
    emu.configure(progression={"polls": 3}, rates={"calls": 50})
    df = _pull(client, start=datetime(2026, 1, 1, tzinfo=LISBON), end=datetime(2026, 6, 1, tzinfo=LISBON),
               max_concurrency=2)
    assert emu.stats()["max_running"] <= 2 and df.attrs["explore"]["peak_concurrency"] <= 2


@pytest.mark.parametrize("bad", [
    {"on_row_limit": "ignore"},
    {"max_concurrency": 16},
    {"max_concurrency": 0},
    {"tz": "Mars/Olympus"},
    {"end": "2999-01-01"},
    {"start": "2026-09-02", "end": "2026-09-01"},
    {"format": "xml"},
])
def test_bad_input_is_refused_before_any_request(emu: Emulator, fast_client: Client, bad: dict[str, object]) -> None:
    options: dict[str, object] = {"start": "2026-09-01", "end": "2026-09-02"}
    options.update(bad)
    with pytest.raises(ValidationError):
        _pull(fast_client, **options)
    assert emu.stats()["requests"] == {}


def test_progress_bar_shows_windows_and_rows(emu: Emulator, fast_client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    _pull(fast_client, start=datetime(2026, 8, 1, tzinfo=LISBON), end=datetime(2026, 9, 15, tzinfo=LISBON), progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err and "rows=" in err and "calls 2026-08-01..2026-09-15 Europe/Lisbon" in err


def test_read_job_parses_one_finished_job_in_its_zone(emu: Emulator, fast_client: Client) -> None:
    job = fast_client.create_job("user_status", start="2026-09-01", end="2026-09-03", tz="America/New_York", format="json")
    job = fast_client.wait(job, FAST)
    df = fast_client.read_job(job)
    assert str(df["status_end_at"].dtype).endswith("America/New_York]")
    assert len(df) == emu.jobs()[0]["rows"]
    assert df.attrs["explore"]["jobs"] == [job.id]


def test_the_listener_follows_each_window_to_parsed(emu: Emulator, fast_client: Client) -> None:
    from explore_pandas.engines.threads import Pull
    from explore_pandas.pulls.plan import plan_pull

    emu.configure(progression={"polls": 3})
    events: list[tuple[str, str]] = []
    plan = plan_pull("calls", start="2026-08-01", end="2026-10-01", tz="Europe/Lisbon")
    pull = Pull(plan, client=fast_client, poll=FAST, progress=False,
                listener=lambda state: events.append((state.window.start.isoformat(), state.status)))
    df = pull.run()
    for window in plan.windows:
        seen = [status for start, status in events if start == window.start.isoformat()]
        assert seen[0] == "waiting" and seen[-1] == "parsed"
        assert "downloading" in seen and "processing" in seen
    assert [s.rows for s in pull.snapshot()] == [w["rows"] for w in df.attrs["explore"]["windows"]]


def test_cancel_stops_polling_and_cancels_the_jobs(emu: Emulator, fast_client: Client) -> None:
    import threading
    import time

    from explore_pandas.engines.threads import Pull
    from explore_pandas.pulls.plan import plan_pull

    emu.configure(progression={"polls": 10_000})  # never finishes on its own
    plan = plan_pull("calls", start="2026-07-01", end="2026-10-01", tz="UTC")
    pull = Pull(plan, client=fast_client, poll=PollPolicy(initial=0.5, maximum=5), progress=False)
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            pull.run()
        except BaseException as error:  # noqa: BLE001 - the test inspects it
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 20
    while sum(s.status == "processing" for s in pull.snapshot()) < len(plan.windows):
        assert time.monotonic() < deadline, pull.snapshot()
        time.sleep(0.05)
    asked = time.monotonic()
    canceled = pull.cancel()
    thread.join(timeout=10)
    assert not thread.is_alive() and time.monotonic() - asked < 3  # polling stopped promptly
    assert isinstance(outcome[0], InterruptedError)
    assert sorted(canceled) == sorted(job["id"] for job in emu.jobs())
    assert {job["status"] for job in emu.jobs()} == {"canceled"}
    assert {s.status for s in pull.snapshot()} == {"canceled"}


def test_categories_stay_categorical_across_windows_with_different_labels(emu: Emulator, fast_client: Client) -> None:
    emu.configure(rates={"calls": 3})  # tiny windows: each sees only some call types
    df = _pull(fast_client, start=datetime(2026, 6, 1, tzinfo=LISBON), end=datetime(2026, 9, 1, tzinfo=LISBON))
    assert isinstance(df["type"].dtype, pd.CategoricalDtype)
    assert set(df["type"].dropna()) <= set(df["type"].cat.categories)
