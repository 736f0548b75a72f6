"""The pandas engine: a pull's windows in worker threads of this process, concatenated in time order.

:class:`Pull` runs the windows of a :class:`~explore_pandas.pulls.plan.Plan`
through the one windows loop (:func:`~explore_pandas.pulls.runner.run_windows`)
under an adaptive share of the account's 15-job quota
(:class:`~explore_pandas.pulls.quota.AdaptiveLimit`): each window's job holds a
slot from its creation until it is done, then is downloaded to a scratch file
and parsed outside the slot. Every change of a window's state goes to an
optional listener (the form's live job table), and :meth:`Pull.cancel` stops
the polling and cancels the jobs.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from explore_pandas.api.polling import DEFAULT_POLL_POLICY, PollPolicy
from explore_pandas.exceptions import ExploreError
from explore_pandas.files import scratch_folder
from explore_pandas.frames.shaping import present
from explore_pandas.pulls.assemble import assemble
from explore_pandas.pulls.cache_use import CacheBook
from explore_pandas.pulls.fetch import WindowFetcher
from explore_pandas.pulls.options import PullOptions
from explore_pandas.pulls.quota import AdaptiveLimit
from explore_pandas.pulls.runner import explain_interrupt, progress_bar, run_windows
from explore_pandas.pulls.states import Listener, WindowState, WindowStates

if TYPE_CHECKING:
    import pandas as pd

    from explore_pandas.api.client import Client
    from explore_pandas.pulls.ledger import Ledger
    from explore_pandas.pulls.plan import Plan
    from explore_pandas.pulls.results import WindowResult
    from explore_pandas.pulls.windows import Window

__all__ = ["Pull", "WindowState"]

log = logging.getLogger(__name__)


class Pull:
    """One pull in flight: windows run in worker threads, gathered in the caller's thread.

    :func:`read_report` builds one and runs it to the end. A widget runs
    :meth:`run` in a background thread, follows ``listener`` events (a copy of
    a :class:`WindowState` at every change) and may call :meth:`cancel`.

    Parameters
    ----------
    plan : Plan
        From :func:`plan_pull`.
    client, on_row_limit, max_concurrency, poll, progress, ledger, fresh
        As for :func:`read_report` (checked by :meth:`PullOptions.resolve`).
    listener : callable, optional
        Called from worker threads with each window's new state; keep it quick.
    """

    def __init__(
        self,
        plan: Plan,
        *,
        client: Client | None = None,
        on_row_limit: str | None = None,
        max_concurrency: int | None = None,
        poll: PollPolicy = DEFAULT_POLL_POLICY,
        progress: bool | str = "auto",
        listener: Listener | None = None,
        ledger: Ledger | bool | None = None,
        fresh: bool = False,
    ) -> None:
        options = PullOptions.resolve(client=client, on_row_limit=on_row_limit, max_concurrency=max_concurrency,
                                      poll=poll, progress=progress, ledger=ledger, fresh=fresh)
        self._start(plan, options, listener)

    @classmethod
    def with_options(cls, plan: Plan, options: PullOptions, listener: Listener | None = None) -> Pull:
        """A pull of ``plan`` with options already resolved."""
        pull = cls.__new__(cls)
        cls._start(pull, plan, options, listener)
        return pull

    def _start(self, plan: Plan, options: PullOptions, listener: Listener | None) -> None:
        self.plan, self.options = plan, options
        self.limit = AdaptiveLimit(options.max_concurrency)
        self.cancelled = threading.Event()
        self.states = WindowStates(plan.windows, listener)
        self.cached = CacheBook(plan, options)
        self.fetcher = WindowFetcher(plan, options, slots=self.limit, states=self.states, cancelled=self.cancelled,
                                     store=self.cached.keep, lookup=self.cached.lookup)

    @property
    def client(self) -> Client:
        return self.options.client

    def run(self) -> pd.DataFrame:
        """Run every window; the assembled DataFrame (see :func:`read_report`)."""
        hits = self.cached.lookup_all(self.plan.windows)
        for hit in hits:  # read from the cache: no request, not even for a token
            self.states.update(hit.window, status="cached", rows=len(hit.frame))
        todo = [w for w in self.plan.windows if w not in {hit.window for hit in hits}]
        results = self._fetch(todo, len(hits)) if todo else []
        frame = assemble(self.plan, hits + results, self.options.on_row_limit)
        frame.attrs["explore"].update(peak_concurrency=self.limit.peak, rate_limited=self.limit.throttled,
                                      **self.options.shape_record())
        return present(frame, self.options.dtype_backend, self.options.dtype)

    def _fetch(self, todo: list[Window], done: int) -> list[WindowResult]:
        """The windows not in the cache, through the one windows loop (``done`` already counted)."""
        bar = progress_bar(self.plan, self.options.progress)
        bar.update(done)
        try:
            with scratch_folder("explore-pull-") as scratch:
                results = run_windows(
                    todo, lambda window: self.fetcher.fetch(window, scratch),
                    workers=self.limit.maximum, cancelled=self.cancelled, bar=bar,
                    note=self.states.note,
                    on_interrupt=lambda error: explain_interrupt(
                        error, self.states.running(), self.plan.report.slug, self.options.ledger),
                )
        finally:
            bar.close()
        return results

    def cancel(self) -> list[str]:
        """Stop polling and cancel every job not yet done; the ids of the jobs canceled.

        Best effort: cancelling is an unofficial endpoint of the Explore API
        (it may answer 404 in production); a job that finished meanwhile is left.
        """
        self.cancelled.set()
        canceled = []
        for state in self.states.running():
            assert state.job_id is not None
            try:
                self.client.cancel(state.job_id, self.plan.report.slug)
            except ExploreError as error:
                log.info("could not cancel job %s: %s", state.job_id, error)
                continue
            canceled.append(state.job_id)
            self.states.update(state.window, status="canceled")
        return canceled

    def snapshot(self) -> list[WindowState]:
        """Copies of every window's state, in time order."""
        return self.states.snapshot()

    def __repr__(self) -> str:
        plan = self.plan
        return (f"Pull({plan.report.slug}, {plan.start.isoformat()}..{plan.end.isoformat()} {plan.timezone}, "
                f"{len(plan.windows)} window{'' if len(plan.windows) == 1 else 's'})")


