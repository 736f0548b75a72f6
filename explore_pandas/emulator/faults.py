"""Faults a test asks the emulator to inject into its next answers."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from explore_pandas.emulator.options import is_integer, is_number

KINDS = ("status", "drop", "drop_after", "truncate", "slow")
ENDPOINTS = ("any", "token", "create", "status", "files", "storage", "list", "cancel", "delete")


@dataclass(frozen=True)
class Fault:
    """One injected fault, used for the next ``count`` matching requests.

    - ``status``: answer ``status`` (e.g. 429, 503) with an error body instead of handling.
    - ``drop``: close the connection without answering, before handling.
    - ``drop_after``: handle the request (a job is created), then close without answering.
    - ``truncate``: storage only: announce the full length, send half the body, close.
    - ``slow``: sleep ``delay`` seconds, then answer normally.
    """

    kind: str
    endpoint: str = "any"
    count: int = 1
    status: int | None = None
    retry_after: float | None = None
    delay: float | None = None

    def check(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault must be one of {KINDS}, not {self.kind!r}")
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {ENDPOINTS}, not {self.endpoint!r}")
        if not is_integer(self.count) or self.count < 1:
            raise ValueError("count must be a whole number >= 1")
        for name in ("status", "retry_after", "delay"):
            value = getattr(self, name)
            if value is not None and (not is_number(value) or value < 0):
                raise ValueError(f"{name} must be a number >= 0")
        if self.kind == "status" and (self.status is None or not 400 <= self.status <= 599):
            raise ValueError("a 'status' fault needs status=4xx or 5xx, e.g. status=503")
        if self.kind == "slow" and (self.delay is None or self.delay < 0):
            raise ValueError("a 'slow' fault needs delay=seconds")
        if self.kind == "truncate" and self.endpoint not in ("storage", "any"):
            raise ValueError("'truncate' applies to the storage download only")


class FaultPlan:
    """The queue of injected faults; thread-safe, first match wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.fired: dict[str, int] = {}

    def add(self, fault: Fault) -> None:
        fault.check()
        with self._lock:
            self._faults.append(fault)

    def take(self, endpoint: str) -> Fault | None:
        """The fault to apply to a request on ``endpoint``, consuming one use of it."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.endpoint not in ("any", endpoint):
                    continue
                if fault.kind == "truncate" and endpoint != "storage":
                    continue
                if fault.count == 1:
                    del self._faults[index]
                else:
                    self._faults[index] = replace(fault, count=fault.count - 1)
                self.fired[fault.kind] = self.fired.get(fault.kind, 0) + 1
                return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.fired.clear()

