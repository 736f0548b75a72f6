"""polling: PollPolicy and the wait loop, with an injected clock."""

from __future__ import annotations

import pickle

import pytest

from explore_pandas.api.models import Job, JobStatus
from explore_pandas.api.polling import DEFAULT_POLL_POLICY, PollPolicy, wait_for
from explore_pandas.exceptions import ConfigurationError, JobFailedError, JobTimeoutError


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def script(*statuses: str):
    jobs = [Job(id="j1", report="calls", status=JobStatus(s)) for s in statuses]
    calls = []

    def fetch() -> Job:
        calls.append(1)
        return jobs[min(len(calls), len(jobs)) - 1]

    return fetch, calls


def test_policy_intervals_grow_to_the_cap() -> None:
    policy = PollPolicy(initial=1, multiplier=2, maximum=5, timeout=None)
    assert policy.intervals(5) == [1, 2, 4, 5, 5]
    assert DEFAULT_POLL_POLICY.timeout and DEFAULT_POLL_POLICY.initial > 0


@pytest.mark.parametrize("kw", [{"initial": 0}, {"multiplier": 0.5}, {"initial": 5, "maximum": 1}, {"timeout": 0}])
def test_policy_rejects_nonsense(kw: dict) -> None:
    with pytest.raises(ConfigurationError):
        PollPolicy(**kw)


def test_wait_polls_with_backoff_until_done() -> None:
    t = FakeTime()
    fetch, calls = script("created", "processing", "uploading", "done")
    job = wait_for(fetch, PollPolicy(initial=1, multiplier=2, maximum=3, timeout=100), clock=t.clock, sleep=t.sleep)
    assert job.status is JobStatus.DONE
    assert len(calls) == 4 and t.sleeps == [1, 2, 3]


def test_done_at_first_poll_does_not_sleep() -> None:
    t = FakeTime()
    fetch, _ = script("done")
    assert wait_for(fetch, clock=t.clock, sleep=t.sleep).status is JobStatus.DONE
    assert t.sleeps == []


@pytest.mark.parametrize("status", ["failed", "canceled", "deleted"])
def test_failed_canceled_deleted_raise_job_failed(status: str) -> None:
    t = FakeTime()
    fetch, _ = script("processing", status)
    with pytest.raises(JobFailedError) as info:
        wait_for(fetch, clock=t.clock, sleep=t.sleep)
    assert info.value.job.status.value == status and "j1" in str(info.value)
    assert pickle.loads(pickle.dumps(info.value)).job.id == "j1"


def test_timeout_raises_with_the_resume_recipe() -> None:
    t = FakeTime()
    fetch, calls = script("processing")
    policy = PollPolicy(initial=4, multiplier=1, maximum=4, timeout=10)
    with pytest.raises(JobTimeoutError) as info:
        wait_for(fetch, policy, clock=t.clock, sleep=t.sleep)
    assert isinstance(info.value, TimeoutError)
    assert "client.get_job('j1', report='calls')" in str(info.value) and "client.wait(" in str(info.value)
    # polls at 0, 4, 8 and a last one exactly at the deadline (10), never past it
    assert t.sleeps == [4, 4, 2] and len(calls) == 4 and t.now == 10


def test_no_timeout_waits_as_long_as_needed() -> None:
    t = FakeTime()
    fetch, calls = script(*(["processing"] * 50), "done")
    wait_for(fetch, PollPolicy(initial=1, maximum=20, timeout=None), clock=t.clock, sleep=t.sleep)
    assert len(calls) == 51 and max(t.sleeps) == 20


def test_on_poll_sees_every_state() -> None:
    t = FakeTime()
    fetch, _ = script("created", "done")
    seen: list[str] = []
    wait_for(fetch, clock=t.clock, sleep=t.sleep, on_poll=lambda j: seen.append(j.status.value))
    assert seen == ["created", "done"]
