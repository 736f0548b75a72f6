"""Run it again: the ledger re-attaches to recorded jobs; Ctrl-C leaves them resumable."""

from __future__ import annotations

import signal
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from explore_pandas.api.client import Client
from explore_pandas.api.polling import PollPolicy
from explore_pandas.emulator import Emulator
from explore_pandas.engines.read import read_report
from explore_pandas.engines.threads import Pull
from explore_pandas.pulls.ledger import Ledger
from explore_pandas.pulls.plan import plan_pull


@pytest.fixture(autouse=True)
def _no_frame_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the job ledger: the cache of parsed windows would answer first."""
    monkeypatch.setenv("EXPLORE_CACHE_MAX_BYTES", "0")


FAST = PollPolicy(initial=0.05, maximum=0.2, timeout=60)
UTC = ZoneInfo("UTC")
SPAN = {"start": datetime(2026, 8, 1, tzinfo=UTC), "end": datetime(2026, 10, 1, tzinfo=UTC)}


@pytest.fixture
def fast_client(emu: Emulator) -> Client:
    with Client(**emu.credentials, timeout=(5, 30)) as client:
        yield client


def _pull(client: Client, **options: object) -> object:
    return read_report("calls", tz="UTC", client=client, progress=False, poll=FAST, **SPAN, **options)  # type: ignore[arg-type]


def test_the_same_pull_again_creates_no_job(emu: Emulator, fast_client: Client) -> None:
    first = _pull(fast_client)
    jobs = len(emu.jobs())
    second = _pull(fast_client)
    assert len(emu.jobs()) == jobs == 2  # answered from the recorded jobs: no quota used
    assert second["call_id"].tolist() == first["call_id"].tolist()  # type: ignore[index]
    assert all(w["reused"] for w in second.attrs["explore"]["windows"])  # type: ignore[union-attr]
    assert not any(w["reused"] for w in first.attrs["explore"]["windows"])  # type: ignore[union-attr]


def test_fresh_asks_again(emu: Emulator, fast_client: Client) -> None:
    _pull(fast_client)
    _pull(fast_client, fresh=True)
    assert len(emu.jobs()) == 4


def test_a_failed_or_vanished_job_is_replaced(emu: Emulator, fast_client: Client) -> None:
    emu.configure(fail_at="processing")
    with pytest.raises(Exception, match="failed"):
        _pull(fast_client)
    emu.configure(fail_at=None)
    df = _pull(fast_client)
    assert len(df) == emu.count_rows("calls", SPAN["start"], SPAN["end"])  # type: ignore[arg-type]
    assert [job["status"] for job in emu.jobs()].count("done") == 2


def test_without_a_ledger_nothing_is_recorded(emu: Emulator, fast_client: Client, tmp_path: object) -> None:
    _pull(fast_client, ledger=False)
    _pull(fast_client, ledger=False)
    assert len(emu.jobs()) == 4 and Ledger().entries() == []


def test_ctrl_c_stops_promptly_and_the_next_run_picks_the_jobs_up(
    emu: Emulator, fast_client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    emu.configure(progression={"seconds": 30})  # still running when Ctrl-C comes
    plan = plan_pull("calls", tz="UTC", **SPAN)  # type: ignore[arg-type]
    main = threading.main_thread().ident
    pressed: list[float] = []

    def press_ctrl_c(state: object) -> None:
        if not pressed and sum(s.status == "created" or s.status == "processing" for s in pull.snapshot()) == 2:
            pressed.append(time.monotonic())
            signal.pthread_kill(main, signal.SIGINT)  # type: ignore[arg-type]

    pull = Pull(plan, client=fast_client, poll=FAST, progress=False, listener=press_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        pull.run()
    assert time.monotonic() - pressed[0] < 3  # polling stopped promptly
    message = capsys.readouterr().err
    ids = [job["id"] for job in emu.jobs()]
    assert "Run the same call again" in message and all(job_id in message for job_id in ids)
    assert {job["status"] for job in emu.jobs()} <= {"created", "processing"}  # left running, not lost

    emu.clock.advance(31)  # meanwhile the jobs finish
    df = _pull(fast_client)
    assert sorted(w["job_id"] for w in df.attrs["explore"]["windows"]) == sorted(ids)  # type: ignore[union-attr]
    assert len(emu.jobs()) == 2
    assert len(df) == emu.count_rows("calls", SPAN["start"], SPAN["end"])  # type: ignore[arg-type]
