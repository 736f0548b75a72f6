"""The one windows loop: windows in worker threads, splits fed back in, results gathered in the caller's thread.

Every engine runs windows through :func:`run_windows` with a
:class:`~explore_pandas.pulls.fetch.WindowFetcher`: the pandas engine with up to
15 threads, the Parquet writer likewise, a dask task with one thread for its
own window and the halves it may split into.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from explore_pandas.pulls.results import Split, WindowResult
from explore_pandas.pulls.states import WindowState
from explore_pandas.pulls.windows import Window

if TYPE_CHECKING:
    from explore_pandas.pulls.ledger import Ledger
    from explore_pandas.pulls.plan import Plan

__all__ = ["INTERRUPT_ADVICE", "bound_label", "explain_interrupt", "in_notebook", "progress_bar", "run_windows", "show_progress"]

log = logging.getLogger(__name__)

Fetch = Callable[[Window], "WindowResult | Split"]
#: Seconds between two looks at what the windows wait for (``note``).
NOTE_EVERY = 1.0


def run_windows(
    windows: Iterable[Window],
    fetch: Fetch,
    *,
    workers: int,
    cancelled: threading.Event,
    bar: Any,
    on_split: Callable[[Split], None] | None = None,
    on_interrupt: Callable[[BaseException], None] | None = None,
    thread_name: str = "explore-window",
    note: Callable[[], str | None] | None = None,
) -> list[WindowResult]:
    """Fetch every window (and the halves of those that split) on ``workers`` threads.

    ``note()``, asked every second, says what the bar should show meanwhile
    (e.g. that windows wait for the account's quota). Returns the results in
    the order they finished. On any error (a window's,
    or Ctrl-C in the caller's thread) ``cancelled`` is set so that the other
    workers stop waiting and polling, windows not started are dropped, and
    the error is raised here, in the caller's thread.
    """
    results: list[WindowResult] = []
    with ThreadPoolExecutor(workers, thread_name_prefix=thread_name) as pool:
        pending: set[Future[WindowResult | Split]] = {pool.submit(fetch, w) for w in windows}
        try:
            shown = None
            while pending:
                done, pending = wait(pending, timeout=NOTE_EVERY, return_when=FIRST_COMPLETED)
                said = note() if note is not None else None
                if said != shown:  # e.g. "waiting for a quota slot", and its end
                    bar.set_postfix_str(said or "", refresh=True)
                    shown = said
                for future in done:
                    outcome = future.result()  # re-raises a window's error here
                    if isinstance(outcome, Split):
                        log.info("window %s reached the row limit: splitting it", outcome.window)
                        if on_split is not None:
                            on_split(outcome)
                        bar.total += 1  # one window became two
                        bar.refresh()
                        pending |= {pool.submit(fetch, half) for half in outcome.halves}
                        continue
                    results.append(outcome)
                    bar.update(1)
                    bar.set_postfix(rows=f"{sum(r.row_count for r in results):,}", refresh=False)
        except BaseException as error:
            cancelled.set()
            for future in pending:
                future.cancel()
            if isinstance(error, KeyboardInterrupt) and on_interrupt is not None:
                on_interrupt(error)
            raise
    return results


#: Whose advice :func:`explain_interrupt` gives: "python" (a call, ``client.cancel``), or "cli" (commands).
INTERRUPT_ADVICE: ContextVar[str] = ContextVar("explore_pandas_interrupt_advice", default="python")


def explain_interrupt(error: BaseException, running: list[WindowState], report: str, ledger: Ledger | None) -> None:
    """After Ctrl-C: which jobs still run on the account, and how to pick them up or cancel them.

    The advice is said the way the pull was started: Python calls, or (with
    :data:`INTERRUPT_ADVICE` set to ``"cli"``) ``explore-pandas`` commands.
    """
    if not running:
        return
    where = f"recorded in the ledger at {ledger.directory}" if ledger else "not recorded (ledger off)"
    jobs = "1 report job still runs" if len(running) == 1 else f"{len(running)} report jobs still run"
    them = "it" if len(running) == 1 else "them"
    if INTERRUPT_ADVICE.get() == "cli":
        advice = (f"Run `explore-pandas resume` to finish this pull with {them} (no new jobs); "
                  "`explore-pandas jobs` lists the recorded jobs." if ledger else
                  f"Run the same command again to pull anew; {them} end on their own.")
    else:
        advice = (f"Run the same call again to pick {them} up without creating new jobs, or cancel {them} with "
                  f"client.cancel({running[0].job_id!r}, report={report!r}) (one per job).")
    note = (f"Interrupted: {jobs} on the account and hold{'s' if len(running) == 1 else ''} quota: "
            + ", ".join(s.job_id or "" for s in running) + f". {'It is' if len(running) == 1 else 'They are'} "
            f"{where}. {advice}")
    print(note, file=sys.stderr)
    if hasattr(error, "add_note"):
        error.add_note(note)


def progress_bar(plan: Plan, enabled: bool | str) -> Any:
    """A tqdm bar counting windows (a widget in notebooks, text in terminals).

    ``enabled`` is True, False or ``"auto"``: a bar only where someone watches
    it, a terminal on stderr or a notebook, never redraws written into a log.
    """
    from tqdm.auto import tqdm

    return tqdm(
        total=len(plan.windows), disable=not show_progress(enabled), unit="window",
        desc=f"{plan.report.slug} {bound_label(plan.start)}..{bound_label(plan.end)} {plan.timezone}",
    )


def show_progress(progress: bool | str) -> bool:
    """``progress`` resolved: ``"auto"`` is on in a terminal (stderr) and in a notebook kernel."""
    if progress != "auto":
        return bool(progress)
    return in_notebook() or _is_terminal(sys.stderr)


def in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython shell with a kernel), where tqdm draws a widget."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return getattr(shell, "kernel", None) is not None


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # replaced by an object without it, or closed
        return False


def bound_label(moment: Any) -> str:
    """A bound as short as it can be said: the date at midnight, else date and time."""
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return f"{moment:%Y-%m-%d}"
    return f"{moment:%Y-%m-%d %H:%M}" if moment.second == 0 else f"{moment:%Y-%m-%d %H:%M:%S}"
