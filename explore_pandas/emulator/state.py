"""Everything one emulator knows: options, clock, tokens, jobs, faults, counters."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

from explore_pandas.emulator.clock import Clock
from explore_pandas.emulator.faults import FaultPlan
from explore_pandas.emulator.jobs import ACTIVE, JobStore
from explore_pandas.emulator.options import Options
from explore_pandas.emulator.storage import Signer
from explore_pandas.emulator.tokens import TokenService


class State:
    """The shared state behind the HTTP handlers and the Python control methods."""

    def __init__(self, *, seed: int, account: str, options: Options, clock: Clock, files_dir: Path) -> None:
        self.seed = seed
        self.clock = clock
        self.base_url = ""  # known once the server is bound
        self.storage_url = ""  # the storage host: another port, another origin
        self._initial = options
        self._options = options
        self._lock = threading.Lock()
        self.tokens = TokenService(clock, account=account, audience="https://api.talkdeskapp.com")
        self.jobs = JobStore(clock, lambda: self._options, seed=seed, files_dir=files_dir)
        self.faults = FaultPlan()
        self.signer = Signer()
        self.requests: Counter[str] = Counter()
        self.storage_requests_with_authorization = 0

    @property
    def options(self) -> Options:
        return self._options

    def configure(self, **changes: Any) -> Options:
        with self._lock:
            self._options = self._options.replace(**changes)
            return self._options

    def reset(self) -> None:
        """Forget jobs, tokens, faults and counters; settings back to the constructor's."""
        with self._lock:
            self._options = self._initial
            self.requests.clear()
            self.storage_requests_with_authorization = 0
        self.jobs.reset()
        self.tokens.reset()
        self.faults.clear()

    def count(self, endpoint: str, *, authorization: bool) -> None:
        with self._lock:
            self.requests[endpoint] += 1
            if endpoint == "storage" and authorization:
                self.storage_requests_with_authorization += 1

    def stats(self) -> dict[str, Any]:
        jobs = self.jobs.all()
        statuses = Counter(job.status for job in jobs)
        return {
            "jobs_created": len(jobs),
            "running": sum(statuses[s] for s in ACTIVE),
            "max_running": self.jobs.max_running,
            "statuses": dict(statuses),
            "requests": dict(self.requests),
            "faults_fired": dict(self.faults.fired),
            "tokens_issued": self.tokens.issued,
            "storage_requests_with_authorization": self.storage_requests_with_authorization,
        }
