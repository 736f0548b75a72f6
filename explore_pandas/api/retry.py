"""Every retry rule of the library, named, each with a cap: the one place to read or change them.

* :class:`RetryPolicy`: one HTTP request (429, 503, connection errors), in
  :mod:`explore_pandas.api.transport`.
* :class:`TokenRenewal`: a request answered 401 is sent again with a new token.
* :class:`CreateRecovery`: a create whose answer was lost is looked up in the
  job history before it is sent again, in :mod:`explore_pandas.api.client`.
* :class:`DownloadRetry`: storage downloads (expired signature, short body),
  in :mod:`explore_pandas.api.download`.
* :class:`QuotaWait`: a pull whose creates are still refused with 429 after
  the transport's retries waits for a quota slot, in :mod:`explore_pandas.pulls.fetch`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

__all__ = [
    "DEFAULT_CREATE_RECOVERY",
    "DEFAULT_DOWNLOAD_RETRY",
    "DEFAULT_QUOTA_WAIT",
    "DEFAULT_RETRY_POLICY",
    "DEFAULT_TOKEN_RENEWAL",
    "CreateRecovery",
    "DownloadRetry",
    "QuotaWait",
    "RetryPolicy",
    "TokenRenewal",
]


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of one HTTP request: how many, and the backoff between them (seconds).

    The n-th pause is ``min(maximum, initial * multiplier**n)`` scaled by a random
    factor in [0.5, 1) ("equal jitter", so concurrent clients spread out), and
    never less than the server's ``Retry-After``. A ``Retry-After`` longer than
    ``max_retry_after`` is not waited for: the error is raised at once.
    """

    max_retries: int = 5
    initial: float = 0.5
    multiplier: float = 2.0
    maximum: float = 8.0
    max_retry_after: float = 120.0

    def delay(self, attempt: int, retry_after: float | None, rng: Callable[[], float]) -> float:
        base = min(self.maximum, self.initial * self.multiplier**attempt)
        jittered = base * (0.5 + rng() / 2)
        return max(jittered, retry_after or 0.0)


DEFAULT_RETRY_POLICY = RetryPolicy()


@dataclass(frozen=True)
class TokenRenewal:
    """An API request answered 401 (the token was revoked or expired early): fetch a new
    token and send the request again, at most ``renewals`` times."""

    renewals: int = 1


DEFAULT_TOKEN_RENEWAL = TokenRenewal()


@dataclass(frozen=True)
class CreateRecovery:
    """A create whose answer was lost (the request may have reached the server).

    The job history (newest first, at most ``lookup_pages`` pages) is searched
    for the job before the create is sent again, at most ``attempts`` sends in
    all. ``clock_skew`` is how far behind ours the server's clock may be when
    matching ``created_at``.
    """

    attempts: int = 3
    lookup_pages: int = 5
    clock_skew: timedelta = timedelta(minutes=10)


DEFAULT_CREATE_RECOVERY = CreateRecovery()


@dataclass(frozen=True)
class DownloadRetry:
    """Storage downloads of one file: at most ``attempts`` (a fresh signed URL after a 403)."""

    attempts: int = 3


DEFAULT_DOWNLOAD_RETRY = DownloadRetry()


@dataclass(frozen=True)
class QuotaWait:
    """Waiting for a quota slot when creates are refused with 429 after the transport's retries.

    Pauses start at ``first`` seconds and double up to ``maximum``; after
    ``timeout`` seconds of refusals in a row (``None``: no limit) the pull ends
    with :class:`~explore_pandas.exceptions.RateLimitError`.
    """

    first: float = 5.0
    maximum: float = 60.0
    timeout: float | None = 1800.0

    def pauses(self) -> Callable[[], float]:
        """A fresh sequence of pauses: each call gives the next one (seconds)."""
        state = {"next": self.first}

        def following() -> float:
            pause = state["next"]
            state["next"] = min(pause * 2, self.maximum)
            return pause

        return following


DEFAULT_QUOTA_WAIT = QuotaWait()
