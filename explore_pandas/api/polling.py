"""How long and how often to ask whether a report job is done.

Polling is its own policy, separate from the per-request timeout and from the
transport's retries (the split of google-api-core's ``future/polling.py``).
Clock and sleep are injected so tests run without waiting.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from explore_pandas.api.models import Job, JobStatus
from explore_pandas.exceptions import ConfigurationError, JobFailedError, JobTimeoutError

__all__ = ["DEFAULT_POLL_POLICY", "PollPolicy", "wait_for"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollPolicy:
    """Intervals between status requests and the overall deadline, in seconds.

    The first poll happens at once; then ``initial``, growing by ``multiplier`` up
    to ``maximum``. ``timeout`` bounds the whole wait (``None``: wait forever).

    Examples
    --------
    >>> PollPolicy(initial=2, multiplier=1.5, maximum=30, timeout=3600).intervals(4)
    [2.0, 3.0, 4.5, 6.75]
    """

    initial: float = 0.5
    multiplier: float = 1.2
    maximum: float = 15.0
    timeout: float | None = 1800.0

    def __post_init__(self) -> None:
        if not (self.initial > 0 and self.maximum >= self.initial and self.multiplier >= 1):
            raise ConfigurationError(
                f"{self!r}: need initial > 0, maximum >= initial and multiplier >= 1."
            )
        if self.timeout is not None and self.timeout <= 0:
            raise ConfigurationError(f"{self!r}: timeout must be positive or None.")

    def interval(self, attempt: int) -> float:
        """The pause after poll number ``attempt`` (0-based)."""
        return float(min(self.maximum, self.initial * self.multiplier**attempt))

    def intervals(self, count: int) -> list[float]:
        return [self.interval(n) for n in range(count)]


#: Poll at once, then after 0.5, 0.6, 0.72 ... up to 15 s between polls; give up after 30 min.
#: A gentle growth keeps the time between "done" and noticing it near a fifth of the job's
#: time (most jobs take seconds: benchmarks/pull_latency.py), for a few more status requests.
DEFAULT_POLL_POLICY = PollPolicy()


def wait_for(
    fetch: Callable[[], Job],
    policy: PollPolicy = DEFAULT_POLL_POLICY,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    on_poll: Callable[[Job], None] | None = None,
) -> Job:
    """Call ``fetch`` until the job is ``done``; return the done job.

    Raises
    ------
    JobFailedError
        The job ended ``failed``, ``canceled`` or ``deleted``.
    JobTimeoutError
        ``policy.timeout`` passed first; the message says how to resume.
    """
    started = clock()
    attempt = 0
    while True:
        job = fetch()
        if on_poll is not None:
            on_poll(job)
        if job.status is JobStatus.DONE:
            return job
        if job.status.is_failure:
            raise JobFailedError(
                f"report job {job.id} ({job.report}) ended {job.status.value!r}: no file to "
                "download. Create a new job for the same window"
                + (" (failed jobs are often too large: try a shorter window)." if job.status is JobStatus.FAILED else "."),
                job=job,
            )
        elapsed = clock() - started
        pause = policy.interval(attempt)
        if policy.timeout is not None:
            remaining = policy.timeout - elapsed
            if remaining <= 0:
                raise JobTimeoutError(_timeout_message(job, policy), job=job)
            pause = min(pause, remaining)
        log.debug("job %s is %s; next poll in %.1f s", job.id, job.status.value, pause)
        sleep(pause)
        attempt += 1


def _timeout_message(job: Job, policy: PollPolicy) -> str:
    return (
        f"report job {job.id} ({job.report}) is still {job.status.value!r} after "
        f"{policy.timeout:g} s; it may still finish. Resume with "
        f"client.wait(client.get_job({job.id!r}, report={job.report!r})), with a longer "
        "policy=PollPolicy(timeout=...) if needed."
    )
