"""A pull's side of the cache of parsed windows: look each window up before any request, keep complete ones.

:class:`CacheBook` is to the cache (:mod:`explore_pandas.pulls.cache`) what
:class:`~explore_pandas.pulls.reuse.JobBook` is to the ledger: the keys of one plan's
windows for one account, and the rule for what is kept: a done job's rows, complete by
:func:`~explore_pandas.pulls.ledger.complete_by` and not at the row limit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from explore_pandas.api.models import Job, JobStatus
from explore_pandas.pulls.ledger import complete_by
from explore_pandas.pulls.results import WindowResult

if TYPE_CHECKING:
    from explore_pandas.pulls.cache import WindowCache
    from explore_pandas.pulls.options import PullOptions
    from explore_pandas.pulls.plan import Plan
    from explore_pandas.pulls.windows import Window

__all__ = ["CacheBook", "created_at"]

log = logging.getLogger(__name__)

_READERS = 4  # windows read from the cache at once


def created_at(job: Job) -> datetime:
    """When the API created the job (UTC); now when it did not say, which never makes rows look older."""
    text = job.created_at
    if text:
        try:
            stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)


class CacheBook:
    """The cache as one pull uses it; does nothing when the cache is off."""

    def __init__(self, plan: Plan, options: PullOptions) -> None:
        self.plan, self.options = plan, options
        self.cache: WindowCache | None = options.cache

    def key(self, window: Window) -> str:
        settings = self.options.client.settings
        assert self.cache is not None
        return self.cache.key(api=settings.base_url, account=settings.account or settings.client_id or "",
                              report=self.plan.report.slug, timezone=self.plan.timezone,
                              start=window.start, end=window.end)

    def lookup(self, window: Window) -> WindowResult | None:
        """The window's rows from the cache (no request at all), or None (``fresh``, missing, too old)."""
        if self.cache is None or self.options.fresh:
            return None
        hit = self.cache.load(self.key(window), columns=self.options.columns, max_age=self.options.max_age)
        if hit is None:
            return None
        job = Job(id=hit.job_id or "", report=self.plan.report.slug, status=JobStatus.DONE,
                  created_at=hit.created_at.isoformat())
        log.info("window %s .. %s read from the cache", window.start, window.end)
        return WindowResult(window, job, hit.frame, hit.total, False, hit.layout, cached=True)

    def lookup_all(self, windows: Sequence[Window]) -> list[WindowResult]:
        """The windows found in the cache, read in parallel (Arrow's Parquet reader releases the GIL)."""
        if self.cache is None or self.options.fresh or not windows:
            return []
        with ThreadPoolExecutor(min(len(windows), _READERS), thread_name_prefix="explore-cache") as pool:
            return [hit for hit in pool.map(self.lookup, windows) if hit is not None]

    def keep(self, result: WindowResult) -> WindowResult:
        """Store a fetched window's frame when its rows are complete; the result, unchanged."""
        if self.cache is None or result.truncated or result.cached or self.options.encoding_errors != "strict":
            return result  # rows read with bytes replaced or dropped are no answer for a strict read
        created = created_at(result.job)
        if not complete_by(result.window.end, created):
            return result
        about = {"report": self.plan.report.slug, "timezone": self.plan.timezone, "format": self.plan.format,
                 "start": result.window.start.isoformat(), "end": result.window.end.isoformat(),
                 "api": self.options.client.settings.base_url}
        try:
            self.cache.store(self.key(result.window), result.frame, created_at=created, job_id=result.job.id,
                             total=result.total, layout=result.layout, columns=self.options.columns, about=about)
        except OSError as error:  # a full disk or a read-only folder: the pull still has its rows
            log.warning("could not keep window %s in the cache (%s)", result.window, error)
        return result
