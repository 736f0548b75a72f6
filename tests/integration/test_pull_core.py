"""The one windows loop and its options, against the emulator over loopback (issue 15)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from explore_pandas.api.client import Client
from explore_pandas.api.retry import QuotaWait
from explore_pandas.emulator import Emulator
from explore_pandas.engines.threads import Pull
from explore_pandas.exceptions import RateLimitError
from explore_pandas.pulls.options import PullOptions
from explore_pandas.pulls.plan import plan_pull


def test_a_quota_held_full_ends_after_the_quota_wait_with_a_rate_limit_error(
    emu: Emulator, client: Client, pauses: list[float],
) -> None:
    emu.configure(quota=1, progression={"polls": 10**6})  # one slot, and a job that never finishes
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    held = client.create_job("calls", start=end - timedelta(hours=6), end=end, tz="UTC")
    plan = plan_pull("calls", start=end - timedelta(days=2), end=end, tz="UTC")
    options = PullOptions(client=client, ledger=None, progress=False,
                          quota_wait=QuotaWait(first=5, maximum=20, timeout=120))
    with pytest.raises(RateLimitError, match=r"waited 1[2-9]\d s for a free slot.*Talkdesk Explore.*explore-pandas jobs"):
        Pull.with_options(plan, options).run()
    assert [j["id"] for j in emu.jobs()] == [held.id]  # nothing else was created
    assert 120 <= sum(pauses) < 200  # it waited for the quota, and no longer than the cap allows


def test_the_quota_wait_can_be_unbounded_and_a_freed_slot_is_taken(emu: Emulator, client: Client) -> None:
    emu.configure(quota=1)
    end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    plan = plan_pull("calls", start=end - timedelta(days=40), end=end, tz="UTC")  # two windows, one slot
    options = PullOptions(client=client, ledger=None, progress=False, quota_wait=QuotaWait(timeout=None))
    frame = Pull.with_options(plan, options).run()
    assert len(frame) == emu.count_rows("calls", plan.start, plan.end)
    assert emu.stats()["max_running"] == 1


def test_waiting_for_the_quota_is_shown_on_the_bar_and_in_the_states(emu: Emulator,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    emu.configure(quota=1, progression={"polls": 10**6})
    with Client(**emu.credentials, max_retries=0) as client:  # real time: the bar is redrawn each second
        end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
        client.create_job("calls", start=end - timedelta(hours=6), end=end, tz="UTC")  # holds the only slot
        seen: list[str] = []
        plan = plan_pull("calls", start=end - timedelta(days=1), end=end, tz="UTC")
        options = PullOptions(client=client, ledger=None, progress=True,
                              quota_wait=QuotaWait(first=0.5, maximum=0.5, timeout=3))
        with pytest.raises(RateLimitError, match="waited [3-9] s"):
            Pull.with_options(plan, options, listener=lambda state: seen.append(state.status)).run()
    assert "quota" in seen
    assert "waiting for a free job slot: the account's quota of simultaneous jobs is in use" in capsys.readouterr().err


def test_the_accessor_takes_quota_timeout_and_checks_it_before_any_job(emu: Emulator, client: Client) -> None:
    import pandas as pd

    from explore_pandas.exceptions import ValidationError

    with pytest.raises(ValidationError, match="quota_timeout=0"):
        pd.DataFrame.explore.read("calls", start="2026-11-01", end="2026-11-02", client=client, quota_timeout=0)
    assert emu.jobs() == []
    df = pd.DataFrame.explore.read("calls", start="2026-11-01", end="2026-11-02", client=client, progress=False,
                                   quota_timeout=None)
    assert len(df) == emu.count_rows("calls", datetime(2026, 11, 1, tzinfo=timezone.utc),
                                     datetime(2026, 11, 2, tzinfo=timezone.utc))


def test_cancel_leaves_no_job_running_on_the_account(emu: Emulator) -> None:
    import threading
    import time

    from explore_pandas.api.polling import PollPolicy

    emu.configure(progression={"polls": 10**6})
    with Client(**emu.credentials, timeout=(5, 30)) as client:
        plan = plan_pull("calls", start="2026-06-01", end="2026-10-01", tz="UTC")  # four windows
        pull = Pull(plan, client=client, max_concurrency=2, ledger=False, progress=False,
                    poll=PollPolicy(initial=0.05, maximum=0.1, timeout=60))
        thread = threading.Thread(target=lambda: pytest.raises(BaseException, pull.run))
        thread.start()
        deadline = time.monotonic() + 20
        while sum(s.status == "processing" for s in pull.snapshot()) < 2:
            assert time.monotonic() < deadline, pull.snapshot()
            time.sleep(0.05)
        pull.cancel()
        thread.join(timeout=20)
    statuses = [job["status"] for job in emu.jobs()]
    assert statuses.count("canceled") == 2 and not {"created", "processing", "uploading"} & set(statuses)
