"""The adaptive quota limit: halves on 429, creeps back up, never lends more than it has."""

from __future__ import annotations

import threading
import time

import pytest

from explore_pandas.pulls.quota import AdaptiveLimit


def test_a_429_halves_the_limit_and_successes_raise_it_one_by_one() -> None:
    limit = AdaptiveLimit(15)
    limit.rate_limited()
    assert limit.limit == 7
    limit.rate_limited()
    limit.rate_limited()
    limit.rate_limited()
    assert limit.limit == 1  # never below the minimum
    for _ in range(4):
        limit.succeeded()
    assert limit.limit == 3
    for _ in range(100):
        limit.succeeded()
    assert limit.limit == 15  # never above the maximum


def test_concurrent_holders_never_exceed_the_limit() -> None:
    limit = AdaptiveLimit(4)
    holding = []
    lock = threading.Lock()

    def work() -> None:
        with limit.slot():
            with lock:
                holding.append(limit.in_use)
            time.sleep(0.01)

    threads = [threading.Thread(target=work) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(holding) <= 4 and limit.peak == 4 and limit.in_use == 0


def test_a_cancelled_wait_gives_up() -> None:
    limit = AdaptiveLimit(1)
    limit.acquire()
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(InterruptedError):
        limit.acquire(cancelled)


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(ValueError):
        AdaptiveLimit(3, minimum=4)
