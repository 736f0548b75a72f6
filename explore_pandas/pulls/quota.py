"""Run many report windows at once without overrunning the account's job quota.

The quota (15 simultaneous jobs, executing + enqueued) is shared by every tool
on the account, so this library can never assume it owns all 15 slots. The
limit here is adaptive, additive-increase / multiplicative-decrease as in TCP:
a 429 halves it, and every few successes raise it by one again, up to the cap.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from explore_pandas.spec import ACCOUNT_QUOTA


class AdaptiveLimit:
    """A semaphore whose size moves between ``minimum`` and ``maximum``.

    Parameters
    ----------
    maximum : int
        The most slots ever handed out at once (the account quota by default).
    initial : int, optional
        Where to start; the maximum by default.
    minimum : int
        The least the limit falls to after 429s (never zero: progress must go on).
    successes_per_step : int
        Consecutive successes that raise the limit by one slot.
    """

    def __init__(
        self,
        maximum: int = ACCOUNT_QUOTA,
        *,
        initial: int | None = None,
        minimum: int = 1,
        successes_per_step: int = 2,
    ) -> None:
        if not 1 <= minimum <= maximum:
            raise ValueError("need 1 <= minimum <= maximum")
        self.maximum = maximum
        self.minimum = minimum
        self.limit = min(maximum, max(minimum, initial if initial is not None else maximum))
        self.in_use = 0
        self.peak = 0
        self.throttled = 0  # 429s reported
        self._successes_per_step = successes_per_step
        self._streak = 0
        self._changed = threading.Condition()

    @contextmanager
    def slot(self, cancelled: threading.Event | None = None) -> Iterator[None]:
        """Hold one slot for the ``with`` block (a job from its creation until it is done)."""
        self.acquire(cancelled)
        try:
            yield
        finally:
            self.release()

    def acquire(self, cancelled: threading.Event | None = None) -> None:
        with self._changed:
            while True:
                # checked before every take, also when a slot is free: a slot freed by a
                # cancelled job must not start a new one
                if cancelled is not None and cancelled.is_set():
                    raise InterruptedError("the pull was cancelled while waiting for a quota slot")
                if self.in_use < self.limit:
                    break
                self._changed.wait(timeout=0.2)  # wake up now and then to notice a cancel
            self.in_use += 1
            self.peak = max(self.peak, self.in_use)

    def release(self) -> None:
        with self._changed:
            self.in_use -= 1
            self._changed.notify_all()

    def rate_limited(self) -> None:
        """The API answered 429: somebody else uses part of the quota. Halve the limit."""
        with self._changed:
            self.throttled += 1
            self.limit = max(self.minimum, self.limit // 2)
            self._streak = 0

    def succeeded(self) -> None:
        """A job was accepted: after enough of these in a row, allow one more slot."""
        with self._changed:
            self._streak += 1
            if self._streak >= self._successes_per_step and self.limit < self.maximum:
                self.limit += 1
                self._streak = 0
                self._changed.notify_all()
