"""One window of a pull, from its quota slot to its typed frame: the only place a window is fetched.

Every engine runs its windows through :class:`WindowFetcher`. The engines
differ only in how quota slots are held (``slots``: the local adaptive limit,
or a cluster-wide semaphore), where the download and parse run (``finish_in``:
in the worker thread, or on a few parse threads of their own) and where a
finished window's rows go (``store``: kept for concatenation, or written).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from explore_pandas.api import validation
from explore_pandas.api.models import Job, ReportRequest
from explore_pandas.api.polling import wait_for
from explore_pandas.exceptions import RateLimitError
from explore_pandas.frames.parsing import parse_file
from explore_pandas.pulls.assemble import row_limit_error
from explore_pandas.pulls.results import Split, WindowResult
from explore_pandas.pulls.reuse import JobBook
from explore_pandas.pulls.states import WindowStates
from explore_pandas.pulls.windows import Window, bisect

if TYPE_CHECKING:
    from explore_pandas.pulls.options import PullOptions
    from explore_pandas.pulls.plan import Plan

__all__ = ["CANCEL_CHECK", "Slots", "WindowFetcher"]

log = logging.getLogger(__name__)

#: Longest pause between two looks at the cancel flag (seconds).
CANCEL_CHECK = 0.25
T = TypeVar("T")


class Slots(Protocol):
    """Quota slots: a job holds one from its creation until it is done."""

    def slot(self, cancelled: threading.Event | None = None) -> AbstractContextManager[None]: ...
    def rate_limited(self) -> None: ...
    def succeeded(self) -> None: ...


def _inline(work: Callable[[], T]) -> T:
    return work()


def _keep(result: WindowResult) -> WindowResult:
    return result


def _nothing(window: Window) -> WindowResult | None:
    return None


class WindowFetcher:
    """Fetches windows of one plan; safe to call from many threads at once.

    Parameters
    ----------
    plan : Plan
        What to ask for.
    options : PullOptions
        The client, row-limit choice, poll policy, ledger and quota wait.
    slots : Slots
        Held from a job's creation until it is done.
    states : WindowStates, optional
        Told every change of a window's state.
    cancelled : threading.Event, optional
        Set to stop waiting and polling within ``CANCEL_CHECK`` seconds.
    finish_in : callable, optional
        ``finish_in(work)`` runs a done job's download, parse and ``store``
        where the engine wants them and returns what ``work`` returns
        (default: in the calling thread; the Parquet writer: on its parse threads).
    store : callable, optional
        Takes each complete :class:`WindowResult` and returns what the pull
        keeps of it (default: all of it).
    lookup : callable, optional
        ``lookup(window)``: the window's rows without any request (the cache of
        parsed windows), or None (the default: always None).
    """

    def __init__(
        self,
        plan: Plan,
        options: PullOptions,
        *,
        slots: Slots,
        states: WindowStates | None = None,
        cancelled: threading.Event | None = None,
        finish_in: Callable[[Callable[[], WindowResult | Split]], WindowResult | Split] = _inline,
        store: Callable[[WindowResult], WindowResult] = _keep,
        lookup: Callable[[Window], WindowResult | None] = _nothing,
    ) -> None:
        self.plan, self.options, self.slots = plan, options, slots
        self.client = options.client
        self.states = states if states is not None else WindowStates(plan.windows)
        self.cancelled = cancelled if cancelled is not None else threading.Event()
        self.book = JobBook(plan, options.client, options.ledger, fresh=options.fresh, max_age=options.max_age)
        self.finish_in, self.store, self.lookup = finish_in, store, lookup

    def fetch(self, window: Window, scratch: str) -> WindowResult | Split:
        """The window's rows (a :class:`WindowResult`), or the halves to fetch instead (:class:`Split`).

        Before any request: the ``lookup`` hook (the cache of parsed windows) may have the rows, and
        a window whose recorded job was at the row limit splits at once with ``on_row_limit="split"``
        (its file would only be fetched to learn that again), so that a re-run of a split pull
        reaches its halves, and their cached rows, directly.
        """
        hit = self.lookup(window)
        if hit is not None:
            self.states.update(window, status="cached", rows=len(hit.frame))
            return hit
        if self.options.on_row_limit == "split" and self.book.known_split(window):
            try:
                halves = bisect(window)
            except ValueError:  # one second: fetch it (and warn) as the first run did
                pass
            else:
                self.states.update(window, status="split")
                return Split(window, halves, None)
        try:
            job, reused, created = self.run_job(window)
            return self.finish_in(lambda: self.finish(window, job, scratch, reused, created))
        except BaseException as error:
            self.states.update(window, status="failed", error=str(error), finished=self.client.clock())
            raise

    def run_job(self, window: Window) -> tuple[Job, bool, datetime | None]:
        """The window's done job, whether it was re-attached from the ledger, and when it was created
        (the API's ``created_at``, else the moment before our create; None if unknown). The job
        holds a quota slot meanwhile."""
        request = self.request(window)
        key = self.book.key(window)
        self.states.update(window, status="waiting")
        with self.slots.slot(self.cancelled):
            with self.book.claim(key):
                job = self.book.attach(key, request)
                reused = job is not None
                asked = datetime.now(timezone.utc)
                if job is None:
                    self.check_cancelled()  # never a new job for a pull that is being cancelled
                    job = self.create(request, window)
                    self.book.record(key, request, job)
            self.states.update(window, status=job.status.value, job_id=job.id, started=self.client.clock())
            running = job
            job = wait_for(lambda: self.client.get_job(running), self.options.poll, clock=self.client.clock,
                           sleep=self.sleep, on_poll=lambda seen: self.states.update(window, status=seen.status.value))
            self.book.note(key, status="done")
        return job, reused, job.created_time or (None if reused else asked)

    def finish(self, window: Window, job: Job, scratch: str, reused: bool,
               created: datetime | None = None) -> WindowResult | Split:
        """Download and parse a done job; at the row limit, warn, raise or split as asked."""
        self.states.update(window, status="downloading")
        path = Path(self.client.download(job, dest=scratch))
        try:
            parsed = parse_file(path, report=self.plan.report.slug, format=self.plan.format, tz=self.plan.timezone,
                                encoding_errors=self.options.encoding_errors, columns=self.options.columns)
        finally:
            path.unlink(missing_ok=True)  # the frame is built: the file is not needed
        result = WindowResult(window, job, parsed.frame, parsed.total, reused, parsed.layout, created_at=created)
        self.book.note(self.book.key(window), rows=len(result.frame), truncated=result.truncated)
        self.states.update(window, status="parsed", rows=len(result.frame), finished=self.client.clock())
        if not result.truncated or self.options.on_row_limit == "warn":
            return self.store(result)
        if self.options.on_row_limit == "raise":
            raise row_limit_error(self.plan.report.slug, result)
        try:
            halves = bisect(window)
        except ValueError:  # a one-second window over the limit: nothing more to split
            return self.store(result)
        self.states.update(window, status="split")
        return Split(window, halves, job)

    def request(self, window: Window) -> ReportRequest:
        plan = self.plan
        name = None if plan.name is None else f"{plan.name} {window.start:%Y-%m-%d}"
        return ReportRequest(
            report=plan.report, start=window.start, end=window.end, timezone=plan.timezone, format=plan.format,
            name=name or validation.default_name(plan.report, window.start, window.end),
        )

    def create(self, request: ReportRequest, window: Window | None = None) -> Job:
        """Create the window's job; on 429s, lower the shared limit and keep trying (``QuotaWait``)."""
        policy = self.options.quota_wait
        pauses = policy.pauses()
        since = self.client.clock()  # the transport's own retries of the 429 count too
        while True:
            try:
                job = self.client.submit(request, unique_name=self.plan.name is None, on_retry=self._heard)
            except RateLimitError as error:
                self._heard(429)
                waited = self.client.clock() - since
                if policy.timeout is not None and waited >= policy.timeout:
                    raise error.with_message(
                        f"waited {waited:.0f} s for a free slot of the account's quota of report jobs "
                        "(429 on every create): jobs of this or other tools hold it. See the account's "
                        "running jobs in Talkdesk Explore (this library's own: `explore-pandas jobs`), "
                        "and try again later or pass a longer quota_timeout."
                    ) from None
                if window is not None:
                    self.states.update(window, status="quota")  # the account's quota is full: waiting
                pause = next_pause(pauses, policy.timeout, waited)
                log.info("quota still full after retries: waiting %.0f s before trying again", pause)
                self.sleep(pause)
                continue
            self.slots.succeeded()
            return job

    def _heard(self, status: int | None) -> None:
        if status == 429:
            self.slots.rate_limited()

    def sleep(self, seconds: float) -> None:
        """The client's sleep in short steps, so that a cancel stops a worker within ~0.25 s."""
        for step in steps(seconds):
            self.check_cancelled()
            self.client.sleep(step)
        self.check_cancelled()

    def check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise InterruptedError("the pull was cancelled")


def next_pause(pauses: Callable[[], float], timeout: float | None, waited: float) -> float:
    """The next pause, never past the timeout."""
    pause = pauses()
    return pause if timeout is None else max(0.0, min(pause, timeout - waited))


def steps(seconds: float) -> Iterator[float]:
    remaining = seconds
    while remaining > 0:
        step = min(CANCEL_CHECK, remaining)
        yield step
        remaining -= step


