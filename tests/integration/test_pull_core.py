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
    with pytest.raises(RateLimitError, match=r"waited 1[2-9]\d s for a free slot.*explore-pandas jobs"):
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
