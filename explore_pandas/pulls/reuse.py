"""A pull's side of the ledger: find a window's recorded job, record new ones, note their progress."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from filelock import Timeout

from explore_pandas.exceptions import ExploreError, ExploreWarning, NotFoundError
from explore_pandas.pulls.ledger import Entry, Ledger, complete_by, window_key
from explore_pandas.spec import FORMATS

if TYPE_CHECKING:
    from explore_pandas.api.client import Client
    from explore_pandas.api.models import Job, ReportRequest
    from explore_pandas.pulls.plan import Plan
    from explore_pandas.pulls.windows import Window

__all__ = ["JobBook"]

log = logging.getLogger(__name__)


class JobBook:
    """The ledger as one pull uses it; every method does nothing when the ledger is off.

    Parameters
    ----------
    plan : Plan
        What the pull asks for (report, zone, format).
    client : Client
        Its account (API URL and client id) is part of every key.
    ledger : Ledger or None
        None: nothing is recorded or reused.
    fresh : bool
        Never re-attach (new jobs are still recorded).
    max_age : timedelta, optional
        Never re-attach to a job created longer ago than this (its rows are too old).
    """

    def __init__(self, plan: Plan, client: Client, ledger: Ledger | None, *, fresh: bool = False,
                 max_age: timedelta | None = None) -> None:
        self.plan, self.client, self.ledger, self.fresh = plan, client, ledger, fresh
        self.max_age = max_age

    def key(self, window: Window) -> str:
        plan, settings = self.plan, self.client.settings
        return window_key(api=settings.base_url, client_id=settings.client_id or "", report=plan.report.slug,
                          timezone=plan.timezone, format=plan.format, start=window.start, end=window.end)

    @contextmanager
    def claim(self, key: str) -> Iterator[None]:
        """Hold the window's entry while its job is looked up and created: another process
        running the same pull waits, then finds the job and attaches to it."""
        if self.ledger is None:
            yield
            return
        lock = self.ledger.lock(key)
        try:
            lock.acquire(timeout=0)
        except Timeout:  # another process is creating this window's job: wait for it, then attach
            log.info("another process is creating the job of %s: waiting for it", key)
            try:
                lock.acquire()
            except OSError as error:
                raise ExploreError(f"cannot lock the ledger entry {key} in {self.ledger.directory}: {error}. "
                                   "Check that folder's permissions, or pass ledger=False.") from None
        except OSError as error:
            raise ExploreError(f"cannot lock the ledger entry {key} in {self.ledger.directory}: {error}. "
                               "Check that folder's permissions, or pass ledger=False.") from None
        try:
            yield
        finally:
            lock.release()

    def attach(self, key: str, request: ReportRequest) -> Job | None:
        """The recorded job of this window, if it can still serve: re-attach instead of creating.

        The job's own timespan, zone, format and report (from the API) must be the
        window's: an entry that points at another job (an edited or swapped file)
        is ignored, never trusted.
        """
        entry = self.ledger.find(key) if self.ledger is not None and not self.fresh else None
        now = datetime.now(timezone.utc)
        if entry is None or not entry.reusable(now):
            return None
        if self.max_age is not None and now - datetime.fromisoformat(entry.created_at) > self.max_age:
            return None
        try:
            job = self.client.get_job(entry.job_id, self.plan.report.slug)
        except NotFoundError:
            self.note(key, status="deleted")
            return None
        if job.status.is_failure:
            self.note(key, status=job.status.value)
            return None
        differs = mismatch(job, request)
        if differs:
            warnings.warn(f"ignored the ledger's job {job.id} for {request.report.slug} "
                          f"{request.start.isoformat()} .. {request.end.isoformat()}: the job is for another "
                          f"request ({differs}); a new job is created", ExploreWarning, stacklevel=2)
            return None
        created = job.created_time  # the server's word: the ledger's time may come from a clock that is off
        if created is not None and not complete_by(request.end, created):
            log.info("the ledger's job %s was created within the data latency: a new job is created", job.id)
            return None
        log.info("re-attached to job %s (%s) from the ledger", job.id, job.status.value)
        return job

    def known_split(self, window: Window) -> bool:
        """Whether a recorded job of this window had a file at the row limit, in any format (the
        limit counts rows, not bytes): its halves are fetched instead, without asking for a file
        again. Never with ``fresh``."""
        if self.ledger is None or self.fresh:
            return False
        plan, settings = self.plan, self.client.settings
        for format in FORMATS:
            entry = self.ledger.find(window_key(api=settings.base_url, client_id=settings.client_id or "",
                                                report=plan.report.slug, timezone=plan.timezone, format=format,
                                                start=window.start, end=window.end))
            if entry is not None and entry.truncated and not entry.failed:
                return True
        return False

    def record(self, key: str, request: ReportRequest, job: Job) -> None:
        if self.ledger is None:
            return
        settings = self.client.settings
        try:
            self._record(key, request, job, settings)
        except (OSError, ExploreError) as error:  # the job exists now: say so, and go on with it
            warnings.warn(f"job {job.id} could not be recorded in the ledger ({error}): a run interrupted "
                          "now would create it again", ExploreWarning, stacklevel=2)

    def _record(self, key: str, request: ReportRequest, job: Job, settings: Any) -> None:
        assert self.ledger is not None
        self.ledger.record(Entry(
            key=key, job_id=job.id, report=request.report.slug, timezone=request.timezone,
            format=request.format, start=request.start.isoformat(), end=request.end.isoformat(),
            name=request.name, api=settings.base_url, client_id=settings.client_id or "",
            created_at=datetime.now(timezone.utc).isoformat(), status=job.status.value,
        ))

    def note(self, key: str, **changes: Any) -> None:
        if self.ledger is not None:
            self.ledger.update(key, **changes)


def mismatch(job: Job, request: ReportRequest) -> str:
    """What differs between the job the API describes and the request (empty when nothing does).

    A field the API left out cannot differ.
    """
    body = request.to_body()
    wanted = {"report": request.report.slug, "timespan.from": body["timespan"]["from"],
              "timespan.to": body["timespan"]["to"], "timezone": request.timezone, "format": request.format}
    seen = {"report": job.report, "timespan.from": job.timespan_from, "timespan.to": job.timespan_to,
            "timezone": job.timezone, "format": job.format}
    return ", ".join(f"{k}={seen[k]!r}, not {v!r}" for k, v in wanted.items()
                     if seen[k] is not None and not _same(k, seen[k], v))


def _same(field: str, seen: Any, wanted: Any) -> bool:
    """Equal values; for the timespan, the same instant however the API writes it (its echo's
    format is unknown, explore-api.md section 4.6: ``...:00Z``, ``...:00.000Z``, ``+00:00``)."""
    if seen == wanted:
        return True
    if not field.startswith("timespan.") or not isinstance(seen, str) or not isinstance(wanted, str):
        return False
    try:
        instants = [datetime.fromisoformat(text.strip().replace("Z", "+00:00")) for text in (seen, wanted)]
    except ValueError:
        return False
    if any(instant.tzinfo is None for instant in instants):
        return False  # a time without its zone is not the same instant, whatever it reads
    return instants[0] == instants[1]
