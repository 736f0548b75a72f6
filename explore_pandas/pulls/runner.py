"""Running a pull: windows in worker threads under the quota, gathered in order.

:class:`Pull` runs the windows of a :class:`~explore_pandas.pulls.plan.Plan`
concurrently under an adaptive share of the account's 15-job quota
(:mod:`scheduler`): each window's job holds a slot from its creation until it
is done, then is downloaded to a scratch file and parsed outside the slot.
Windows at the row limit are split in halves when asked. Every change of a
window's state goes to an optional listener (the form's live job table), and
:meth:`Pull.cancel` stops the polling and cancels the jobs.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, cast

from explore_pandas.api import validation
from explore_pandas.api.models import Job, ReportRequest
from explore_pandas.api.polling import DEFAULT_POLL_POLICY, PollPolicy, wait_for
from explore_pandas.exceptions import (
    ExploreError,
    NotFoundError,
    RateLimitError,
    ValidationError,
)
from explore_pandas.pulls.ledger import Entry, Ledger, window_key
from explore_pandas.pulls.plan import ON_ROW_LIMIT, Plan, WindowResult, assemble, row_limit_error
from explore_pandas.pulls.quota import ACCOUNT_QUOTA, AdaptiveLimit
from explore_pandas.pulls.windows import Window, bisect

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.api.client import Client

log = logging.getLogger(__name__)

#: Pauses after a create refused with 429 even after the transport's retries.
QUOTA_BACKOFF = (5.0, 60.0)  # first, cap (seconds)
#: Longest pause between two looks at the cancel flag (seconds).
CANCEL_CHECK = 0.25


@dataclass(frozen=True)
class _Split:
    """A window that hit the row limit, to be fetched again as two halves."""

    window: Window
    halves: tuple[Window, Window]
    job: Job


def _concurrency(max_concurrency: int | None) -> int:
    if max_concurrency is None:
        return ACCOUNT_QUOTA
    if not isinstance(max_concurrency, int) or not 1 <= max_concurrency <= ACCOUNT_QUOTA:
        raise ValidationError(
            f"max_concurrency={max_concurrency!r}: use a whole number from 1 to {ACCOUNT_QUOTA} "
            "(the account's quota of simultaneous jobs).",
            fields=[{"name": "max_concurrency", "description": f"must be 1..{ACCOUNT_QUOTA}"}],
        )
    return max_concurrency



@dataclass
class WindowState:
    """Where one window of a pull stands, for live views (the form's job table).

    ``status`` is ``waiting`` (for a quota slot), a job status (``created``,
    ``processing``, ``uploading``, ``done``), then ``downloading``, ``parsed``,
    or ``split``, ``failed``, ``canceled``.
    """

    window: Window
    status: str = "waiting"
    job_id: str | None = None
    rows: int | None = None
    started: float | None = None
    finished: float | None = None
    error: str | None = None


Listener = Callable[[WindowState], None]


class Pull:
    """One pull in flight: windows run in worker threads, gathered in the caller's thread.

    :func:`read_report` builds one and runs it to the end. A widget runs
    :meth:`run` in a background thread, follows ``listener`` events (a copy of
    a :class:`WindowState` at every change) and may call :meth:`cancel`.

    Parameters
    ----------
    plan : Plan
        From :func:`plan_pull`.
    client, on_row_limit, max_concurrency, poll, progress
        As for :func:`read_report`.
    listener : callable, optional
        Called from worker threads with each window's new state; keep it quick.
    ledger : Ledger or bool, optional
        Where jobs are recorded so that the same pull run again re-attaches to
        them (the default :class:`Ledger`); ``False`` records nothing.
    fresh : bool
        Create new jobs even where the ledger holds reusable ones.
    """

    def __init__(
        self,
        plan: Plan,
        *,
        client: Client | None = None,
        on_row_limit: str = "warn",
        max_concurrency: int | None = None,
        poll: PollPolicy = DEFAULT_POLL_POLICY,
        progress: bool = True,
        listener: Listener | None = None,
        ledger: Ledger | bool | None = None,
        fresh: bool = False,
    ) -> None:
        if on_row_limit not in ON_ROW_LIMIT:
            raise ValidationError(
                f"on_row_limit={on_row_limit!r}: use 'warn', 'split' or 'raise'.",
                fields=[{"name": "on_row_limit", "description": "must be warn, split or raise"}],
            )
        self.limit = AdaptiveLimit(_concurrency(max_concurrency))
        if client is None:
            from explore_pandas.api.client import get_client

            client = get_client()
        self.plan = plan
        self.client = client
        self.on_row_limit = on_row_limit
        self.poll = poll
        self.progress = progress
        self.listener = listener
        self.ledger = Ledger() if ledger is None or ledger is True else (ledger or None)
        self.fresh = fresh
        self.cancelled = threading.Event()
        self._lock = threading.Lock()
        self.states = {w: WindowState(w) for w in plan.windows}

    def run(self) -> pd.DataFrame:
        """Run every window; the assembled DataFrame (see :func:`read_report`)."""
        bar = _progress_bar(self.plan, self.progress)
        scratch = tempfile.TemporaryDirectory(prefix="explore-pull-")
        results: list[WindowResult] = []
        try:
            with ThreadPoolExecutor(self.limit.maximum, thread_name_prefix="explore-window") as pool:
                pending = {pool.submit(self.fetch, w, scratch.name) for w in self.plan.windows}
                try:
                    while pending:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for future in done:
                            pending |= self._gather(pool, future, results, bar, scratch.name)
                except BaseException as error:
                    self.cancelled.set()  # workers stop polling and waiting for slots
                    for future in pending:
                        future.cancel()
                    if isinstance(error, KeyboardInterrupt):
                        self._explain_interrupt(error)
                    raise
        finally:
            bar.close()
            scratch.cleanup()
        frame = assemble(self.plan, results, self.on_row_limit)
        frame.attrs["explore"].update(peak_concurrency=self.limit.peak, rate_limited=self.limit.throttled)
        return frame

    def cancel(self) -> list[str]:
        """Stop polling and cancel every job not yet done; the ids of the jobs canceled.

        Best effort: cancelling is an unofficial endpoint of the Explore API
        (it may answer 404 in production); a job that finished meanwhile is left.
        """
        self.cancelled.set()
        canceled = []
        for state in self.snapshot():
            if state.job_id and state.status in ("created", "processing", "uploading"):
                try:
                    self.client.cancel(state.job_id, self.plan.report.slug)
                except ExploreError as error:
                    log.info("could not cancel job %s: %s", state.job_id, error)
                    continue
                canceled.append(state.job_id)
                self._update(state.window, status="canceled")
        return canceled

    def snapshot(self) -> list[WindowState]:
        """Copies of every window's state, in time order."""
        with self._lock:
            states = [replace(s) for s in self.states.values()]
        return sorted(states, key=lambda s: s.window.start.astimezone(timezone.utc))

    def _update(self, window: Window, **changes: Any) -> None:
        with self._lock:
            state = self.states.setdefault(window, WindowState(window))
            if state.status in ("canceled", "split") and "status" in changes:
                changes.pop("status")  # final for this window
            for key, value in changes.items():
                setattr(state, key, value)
            copy = replace(state)
        if self.listener is not None:
            self.listener(copy)

    def _gather(
        self, pool: ThreadPoolExecutor, future: Future[Any], results: list[WindowResult], bar: Any, scratch: str,
    ) -> set[Future[Any]]:
        outcome = future.result()  # re-raises a window's error here, in the caller's thread
        if isinstance(outcome, _Split):
            log.info("window %s reached the row limit: splitting it", outcome.window)
            bar.total += 1  # one window became two
            bar.refresh()
            return {pool.submit(self.fetch, half, scratch) for half in outcome.halves}
        results.append(outcome)
        bar.update(1)
        bar.set_postfix(rows=f"{sum(len(r.frame) for r in results):,}", refresh=False)
        return set()

    # -- one window, in a worker thread ------------------------------------------------------

    def fetch(self, window: Window, scratch: str) -> WindowResult | _Split:
        try:
            return self._fetch(window, scratch)
        except BaseException as error:
            self._update(window, status="failed", error=str(error), finished=self.client.clock())
            raise

    def _fetch(self, window: Window, scratch: str) -> WindowResult | _Split:
        request = self._request(window)
        key = self._key(window)
        self._update(window, status="waiting")
        with self.limit.slot(self.cancelled):  # the job holds a quota slot until it is done
            job = self._attach(key)
            reused = job is not None
            if job is None:
                job = self._create(request)
                self._record(key, request, job)
            self._update(window, status=job.status.value, job_id=job.id, started=self.client.clock())
            # job is set (attached or created) before this lambda can run; mypy cannot see it.
            job = wait_for(lambda: self.client.get_job(cast(Job, job)), self.poll, clock=self.client.clock,
                           sleep=self._sleep, on_poll=lambda seen: self._update(window, status=seen.status.value))
            self._note(key, status="done")
        self._update(window, status="downloading")
        result = self._download(window, job, scratch, reused)
        self._note(key, rows=len(result.frame))
        self._update(window, status="parsed", rows=len(result.frame), finished=self.client.clock())
        if not result.truncated or self.on_row_limit == "warn":
            return result
        if self.on_row_limit == "raise":
            raise row_limit_error(self.plan.report.slug, result)
        try:
            halves = bisect(window)
        except ValueError:  # a one-second window over the limit: nothing more to split
            return result
        self._update(window, status="split")
        return _Split(window, halves, job)

    def _request(self, window: Window) -> ReportRequest:
        plan = self.plan
        name = None if plan.name is None else f"{plan.name} {window.start:%Y-%m-%d}"
        return ReportRequest(
            report=plan.report, start=window.start, end=window.end, timezone=plan.timezone,
            format=plan.format,
            name=name or validation.default_name(plan.report, window.start, window.end),
        )

    def _create(self, request: ReportRequest) -> Job:
        """Create the window's job; on 429s, lower the shared limit and keep trying."""
        pause = QUOTA_BACKOFF[0]
        while True:
            try:
                job = self.client.submit(request, unique_name=self.plan.name is None, on_retry=self._heard)
            except RateLimitError:
                self._heard(429)
                log.info("quota still full after retries: waiting %.0f s before trying again", pause)
                self._sleep(pause)
                pause = min(pause * 2, QUOTA_BACKOFF[1])
                continue
            self.limit.succeeded()
            return job

    def _heard(self, status: int | None) -> None:
        if status == 429:
            self.limit.rate_limited()

    # -- the ledger ----------------------------------------------------------------------------

    def _key(self, window: Window) -> str:
        plan, settings = self.plan, self.client.settings
        return window_key(api=settings.base_url, client_id=settings.client_id or "", report=plan.report.slug,
                          timezone=plan.timezone, format=plan.format, start=window.start, end=window.end)

    def _attach(self, key: str) -> Job | None:
        """The recorded job of this window, if it can still serve: re-attach instead of creating."""
        entry = self.ledger.find(key) if self.ledger is not None and not self.fresh else None
        if entry is None or not entry.reusable(datetime.now(timezone.utc)):
            return None
        try:
            job = self.client.get_job(entry.job_id, self.plan.report.slug)
        except NotFoundError:
            self._note(key, status="deleted")
            return None
        if job.status.is_failure:
            self._note(key, status=job.status.value)
            return None
        log.info("re-attached to job %s (%s) from the ledger", job.id, job.status.value)
        return job

    def _record(self, key: str, request: ReportRequest, job: Job) -> None:
        if self.ledger is None:
            return
        self.ledger.record(Entry(
            key=key, job_id=job.id, report=request.report.slug, timezone=request.timezone,
            format=request.format, start=request.start.isoformat(), end=request.end.isoformat(),
            name=request.name, api=self.client.settings.base_url,
            client_id=self.client.settings.client_id or "",
            created_at=datetime.now(timezone.utc).isoformat(), status=job.status.value,
        ))

    def _note(self, key: str, **changes: Any) -> None:
        if self.ledger is not None:
            self.ledger.update(key, **changes)

    def _explain_interrupt(self, error: BaseException) -> None:
        """After Ctrl-C: which jobs still run on the account, and how to pick them up or cancel them."""
        running = [s for s in self.snapshot() if s.job_id and s.status in ("created", "processing", "uploading")]
        if not running:
            return
        slug = self.plan.report.slug
        where = f"recorded in the ledger at {self.ledger.directory}" if self.ledger else "not recorded (ledger off)"
        note = (
            f"Interrupted: {len(running)} report job(s) still run on the account and hold quota: "
            + ", ".join(s.job_id or "" for s in running) + f". They are {where}. "
            "Run the same call again to pick them up without creating new jobs, or cancel them with "
            f"client.cancel({running[0].job_id!r}, report={slug!r}) (one per job)."
        )
        print(note, file=sys.stderr)
        if hasattr(error, "add_note"):
            error.add_note(note)

    def _download(self, window: Window, job: Job, scratch: str, reused: bool = False) -> WindowResult:
        from explore_pandas.frames.parsing import parse_file

        path = Path(self.client.download(job, dest=scratch))
        try:
            parsed = parse_file(path, report=self.plan.report.slug, format=self.plan.format, tz=self.plan.timezone)
        finally:
            path.unlink(missing_ok=True)  # the frame is built: the file is not needed
        return WindowResult(window, job, parsed.frame, parsed.total, reused)

    def _sleep(self, seconds: float) -> None:
        """The client's sleep in short steps, so that a cancel stops a worker within ~0.25 s."""
        remaining = seconds
        while True:
            if self.cancelled.is_set():
                raise InterruptedError("the pull was cancelled")
            if remaining <= 0:
                return
            step = min(CANCEL_CHECK, remaining)
            self.client.sleep(step)
            remaining -= step


def _progress_bar(plan: Plan, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=len(plan.windows), disable=not enabled, unit="window",
        desc=f"{plan.report.slug} {plan.start:%Y-%m-%d}..{plan.end:%Y-%m-%d} {plan.timezone}",
    )
