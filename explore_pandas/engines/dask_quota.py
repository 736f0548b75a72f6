"""The account's quota of 15 simultaneous jobs across the workers of a Dask cluster.

One ``distributed.Semaphore`` of 15 leases per account, shared by every pull of that
account on the cluster, and a second one per account and size for a pull's
``max_concurrency`` below 15 (see :mod:`explore_pandas.engines.dask_engine`).
`LeaseLimit` gives them the interface of the pandas engine's ``AdaptiveLimit``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from explore_pandas.spec import ACCOUNT_QUOTA

if TYPE_CHECKING:
    from explore_pandas.api.client import Client

__all__ = ["LeaseLimit", "semaphore_name", "semaphore_specs"]


_semaphores: dict[tuple[tuple[str, int], str], Any] = {}
_semaphores_lock = threading.Lock()


def semaphore_name(client: Client) -> str:
    """The account's quota semaphore: one name per account (API URL and client id, hashed)."""
    settings = client.settings
    account = hashlib.sha256(f"{settings.base_url.rstrip('/')}\n{settings.client_id}".encode()).hexdigest()[:16]
    return f"explore-quota-{account}"


def semaphore_specs(account: str, leases: int) -> tuple[tuple[str, int], ...]:
    """The semaphores a task takes, in order: the pull's limit (below the quota), then the account's.

    The limit's semaphore is named by the account and its size, because a
    distributed semaphore's size is fixed when it is first created: pulls
    with the same limit share it (each still runs at most that many jobs),
    and the names stay few (at most 14 per account).
    """
    account_quota = (account, ACCOUNT_QUOTA)
    return ((f"{account}-limit-{leases}", leases), account_quota) if leases < ACCOUNT_QUOTA else (account_quota,)


def _semaphore(spec: tuple[str, int]) -> Any:
    """This worker process's handle of the named semaphore (one per process: its leases are refreshed)."""
    from distributed import Semaphore, get_worker

    try:
        owner = get_worker().id  # a handle is bound to its worker's scheduler and loop
    except ValueError:
        owner = "local"
    with _semaphores_lock:
        found = _semaphores.get((spec, owner))
        if found is None:
            found = _semaphores[(spec, owner)] = Semaphore(max_leases=spec[1], name=spec[0])
        return found


class LeaseLimit:
    """The pandas engine's ``AdaptiveLimit`` interface over ``distributed.Semaphore``s.

    ``slot()`` holds one lease of each cluster-wide semaphore, taken in the
    order given (the same order in every task, so two tasks never wait on each
    other); with none given, it holds nothing.
    """

    def __init__(self, specs: tuple[tuple[str, int], ...]) -> None:
        self.specs = specs
        # Looked up now, in the task's thread: a handle made in another thread is not bound
        # to the worker (get_worker() fails there) and cannot be used.
        self.semaphores = [_semaphore(spec) for spec in specs]
        self.maximum = min((leases for _, leases in specs), default=ACCOUNT_QUOTA)
        self.peak = 1
        self.throttled = 0

    @contextmanager
    def slot(self, cancelled: threading.Event | None = None) -> Iterator[None]:
        with ExitStack() as held:
            for semaphore in self.semaphores:
                semaphore.acquire()
                held.callback(semaphore.release)
            yield

    def rate_limited(self) -> None:
        self.throttled += 1  # the create loop backs off; other tools hold part of the quota

    def succeeded(self) -> None:
        pass
