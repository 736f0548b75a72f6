"""A controllable clock: real time plus an offset that tests move forward."""

from __future__ import annotations

import threading
from datetime import datetime, timezone


class Clock:
    """The emulator's notion of now (aware UTC).

    It follows the real clock, shifted by an offset that :meth:`advance` and
    :meth:`set` change, so that token expiry, job progression by time, signed
    URL expiry and the 30-day file retention can be tested without waiting.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        with self._lock:
            offset = self._offset
        return datetime.fromtimestamp(_real_time() + offset, tz=timezone.utc)

    def timestamp(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` and return the new now."""
        with self._lock:
            self._offset = _checked(self._offset + float(seconds))
        return self.now()

    def set(self, when: datetime) -> datetime:
        """Make now equal ``when`` (aware), then keep ticking from there."""
        if when.tzinfo is None:
            raise ValueError("Clock.set needs an aware datetime, e.g. datetime(..., tzinfo=timezone.utc)")
        with self._lock:
            self._offset = _checked(when.timestamp() - _real_time())
        return self.now()


def _checked(offset: float) -> float:
    """``offset`` if now stays a representable date (years 1 to 9999), else ValueError."""
    try:
        datetime.fromtimestamp(_real_time() + offset, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValueError("the emulator's clock cannot be moved outside the years 1 to 9999") from None
    return offset


def _real_time() -> float:
    import time

    return time.time()
