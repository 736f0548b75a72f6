"""Where each window of a pull stands, for live views (the form's job table) and for Ctrl-C."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timezone
from typing import Any

from explore_pandas.api.models import JobStatus
from explore_pandas.pulls.windows import Window

__all__ = ["Listener", "WindowState", "WindowStates"]


@dataclass
class WindowState:
    """Where one window of a pull stands.

    ``status`` is ``waiting`` (for one of this pull's slots), ``quota`` (the
    account's quota is full: the API answers 429 and the create is tried again),
    a job status (``created``, ``processing``, ``uploading``, ``done``), then
    ``downloading``, ``parsed``, or ``split``, ``failed``, ``canceled``.
    """

    window: Window
    status: str = "waiting"
    job_id: str | None = None
    rows: int | None = None
    started: float | None = None
    finished: float | None = None
    error: str | None = None


Listener = Callable[[WindowState], None]


class WindowStates:
    """Every window's state, changed from worker threads; each change goes to ``listener``."""

    def __init__(self, windows: Iterable[Window], listener: Listener | None = None) -> None:
        self.listener = listener
        self._lock = threading.Lock()
        self._states = {w: WindowState(w) for w in windows}

    def update(self, window: Window, **changes: Any) -> None:
        with self._lock:
            state = self._states.setdefault(window, WindowState(window))
            if state.status in ("canceled", "split") and "status" in changes:
                changes.pop("status")  # final for this window
            for key, value in changes.items():
                setattr(state, key, value)
            copy = replace(state)
        if self.listener is not None:
            self.listener(copy)

    def snapshot(self) -> list[WindowState]:
        """Copies of every window's state, in time order."""
        with self._lock:
            states = [replace(s) for s in self._states.values()]
        return sorted(states, key=lambda s: s.window.start.astimezone(timezone.utc))

    def note(self) -> str | None:
        """What a progress bar should say while windows wait for the account's quota (else None)."""
        states = self.snapshot()
        waiting = sum(s.status == "quota" for s in states)
        if not waiting:
            return None
        ours = sum(1 for s in states if s.job_id and is_active(s.status))
        return (f"waiting for a free job slot: the account's quota of simultaneous jobs is in use "
                f"({ours} of them this pull's); {waiting} window{'' if waiting == 1 else 's'} waiting")

    def running(self) -> list[WindowState]:
        """The windows whose job still runs on the account."""
        return [s for s in self.snapshot() if s.job_id and is_active(s.status)]


def is_active(status: str) -> bool:
    """A window status that is a job status in which the job still runs on the account."""
    found = JobStatus.from_value(status)
    return found is not None and found.is_active
