"""A pull's options, checked once, in one frozen object.

Every engine (threads and concatenation, Parquet folders, dask partitions)
and the form take their options through :meth:`PullOptions.resolve`, so each
option has one rule, one error message and one default: the kernel's client
and the default ledger are filled in here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explore_pandas.api.client import get_client
from explore_pandas.api.config import in_process_emulator_ledger
from explore_pandas.api.polling import DEFAULT_POLL_POLICY, PollPolicy
from explore_pandas.api.retry import DEFAULT_QUOTA_WAIT, QuotaWait
from explore_pandas.exceptions import ValidationError
from explore_pandas.pulls.ledger import Ledger
from explore_pandas.spec import ACCOUNT_QUOTA

if TYPE_CHECKING:
    from explore_pandas.api.client import Client

__all__ = ["ENGINES", "ON_ROW_LIMIT", "PullOptions", "check_concurrency", "check_progress"]

ON_ROW_LIMIT = ("warn", "split", "raise")
#: engine -> (its on_row_limit default, the choices it accepts)
ENGINES = {"pandas": ("warn", ON_ROW_LIMIT), "dask": ("split", ("split", "raise"))}


@dataclass(frozen=True)
class PullOptions:
    """How a pull runs, whatever the engine. Build it with :meth:`resolve`.

    Attributes
    ----------
    client : Client
        The account (the kernel's default client unless one is given).
    on_row_limit : {"warn", "split", "raise"}
        What a window at the 1,000,000-row limit does.
    max_concurrency : int
        Jobs at once, 1..15 (the account's quota).
    poll : PollPolicy
        Poll intervals and the per-job timeout.
    progress : bool or "auto"
        Show a progress bar: True, False, or "auto" (the default: on in a
        terminal and in a notebook, off when stderr goes to a log).
    ledger : Ledger or None
        Where jobs are recorded; None records nothing.
    fresh : bool
        Create new jobs even where the ledger holds reusable ones.
    quota_wait : QuotaWait
        How long creates refused with 429 are retried.
    """

    client: Client
    on_row_limit: str = "warn"
    max_concurrency: int = ACCOUNT_QUOTA
    poll: PollPolicy = DEFAULT_POLL_POLICY
    progress: bool | str = "auto"
    ledger: Ledger | None = None
    fresh: bool = False
    quota_wait: QuotaWait = DEFAULT_QUOTA_WAIT

    @classmethod
    def resolve(
        cls,
        *,
        engine: str = "pandas",
        client: Client | None = None,
        on_row_limit: str | None = None,
        max_concurrency: int | None = None,
        poll: PollPolicy = DEFAULT_POLL_POLICY,
        progress: bool | str = "auto",
        ledger: Ledger | bool | None = None,
        fresh: bool = False,
        quota_wait: QuotaWait = DEFAULT_QUOTA_WAIT,
    ) -> PullOptions:
        """Check every option (errors name the option and the fix) and fill in the defaults.

        Raises
        ------
        ValidationError
            For an unknown ``engine``, an ``on_row_limit`` the engine does not
            take, a ``max_concurrency`` outside 1..15, or a ``progress`` other
            than True, False or "auto".
        """
        checked = check_on_row_limit(on_row_limit, engine)
        check_progress(progress)
        at_once = check_concurrency(max_concurrency)
        # the client last: connecting from EXPLORE_* is the one default that may fail
        account = client if client is not None else get_client()
        return cls(
            client=account, on_row_limit=checked, max_concurrency=at_once, poll=poll, progress=progress,
            ledger=resolve_ledger(ledger, account), fresh=fresh, quota_wait=quota_wait,
        )


def check_on_row_limit(on_row_limit: str | None, engine: str) -> str:
    """``on_row_limit`` for ``engine``; None is the engine's default."""
    if engine not in ENGINES:
        raise ValidationError(
            f"engine={engine!r}: use 'pandas' or 'dask'.",
            fields=[{"name": "engine", "description": "must be pandas or dask"}],
        )
    default, choices = ENGINES[engine]
    if on_row_limit is None:  # "" and the like stay invalid
        return default
    if on_row_limit == "warn" and engine == "dask":
        raise ValidationError(
            "on_row_limit='warn' with engine='dask': the RowLimitWarning would be raised on a worker "
            "and never reach you, so missing rows would go unnoticed. Use 'split' (the dask "
            "default: windows at the limit are fetched in halves) or 'raise'.",
            fields=[{"name": "on_row_limit", "description": "must be split or raise with engine='dask'"}],
        )
    if on_row_limit not in choices:
        raise ValidationError(
            f"on_row_limit={on_row_limit!r}: use 'warn', 'split' or 'raise'.",
            fields=[{"name": "on_row_limit", "description": "must be warn, split or raise"}],
        )
    return on_row_limit


def check_progress(progress: object) -> bool | str:
    """``progress``: True, False or ``"auto"`` (on in terminals and notebooks)."""
    if progress is True or progress is False or progress == "auto":
        return progress
    raise ValidationError(
        f"progress={progress!r}: use True, False or 'auto' (the default: a bar in terminals and "
        "notebooks, none when stderr goes to a log).",
        fields=[{"name": "progress", "description": "must be True, False or 'auto'"}],
    )


def check_concurrency(max_concurrency: int | None) -> int:
    """Jobs at once: 1..15, the account's quota by default."""
    if max_concurrency is None:
        return ACCOUNT_QUOTA
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) \
            or not 1 <= max_concurrency <= ACCOUNT_QUOTA:
        raise ValidationError(
            f"max_concurrency={max_concurrency!r}: use a whole number from 1 to {ACCOUNT_QUOTA} "
            "(the account's quota of simultaneous jobs).",
            fields=[{"name": "max_concurrency", "description": f"must be 1..{ACCOUNT_QUOTA}"}],
        )
    return max_concurrency


def resolve_ledger(ledger: Any, client: Client | None = None) -> Ledger | None:
    """``None``/``True``: the default ledger; ``False``: none; a :class:`Ledger`: itself.

    The default ledger of a client of an emulator serving in this process is a
    folder deleted with the emulator: its jobs never pile up in the user's.
    """
    if ledger is None or ledger is True:
        settings = getattr(client, "settings", None)
        return Ledger(in_process_emulator_ledger(settings.base_url) if settings is not None else None)
    return ledger or None
