"""A pull's options, checked once, in one frozen object.

Every engine (threads and concatenation, Parquet folders, dask partitions)
and the form take their options through :meth:`PullOptions.resolve`, so each
option has one rule, one error message and one default: the kernel's client
and the default ledger are filled in here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from explore_pandas.api.client import Client, get_client
from explore_pandas.api.polling import DEFAULT_POLL_POLICY, PollPolicy
from explore_pandas.api.retry import DEFAULT_QUOTA_WAIT, QuotaWait
from explore_pandas.exceptions import ValidationError
from explore_pandas.frames.limits import ON_ROW_LIMIT
from explore_pandas.frames.options import check_columns, check_dtype, check_dtype_backend
from explore_pandas.frames.checks import ENCODING_ERRORS
from explore_pandas.pulls.cache import DEFAULT_MAX_AGE, WindowCache
from explore_pandas.pulls.ledger import Ledger
from explore_pandas.served import ledger_folder
from explore_pandas.spec import ACCOUNT_QUOTA

__all__ = ["ENGINES", "ON_ROW_LIMIT", "PullOptions", "check_concurrency", "check_progress"]

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
        Create new jobs even where the ledger holds reusable ones, and read no window from the cache.
    quota_wait : QuotaWait
        How long creates refused with 429 are retried.
    encoding_errors : {"strict", "replace", "ignore"}
        What bytes that are not UTF-8 in a file do, as in ``pandas.read_csv``.
    cache : WindowCache or None
        The cache of parsed windows (None: off, ``EXPLORE_CACHE_MAX_BYTES=0``).
    max_age : timedelta
        Cached rows older than this are fetched again.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        The frame's dtypes, as in pandas' readers.
    columns : tuple of str or None
        Only these columns (None: all).
    dtype : dict or None
        ``{column: dtype}`` overrides.
    """

    client: Client
    on_row_limit: str = "warn"
    max_concurrency: int = ACCOUNT_QUOTA
    poll: PollPolicy = DEFAULT_POLL_POLICY
    progress: bool | str = "auto"
    ledger: Ledger | None = None
    fresh: bool = False
    quota_wait: QuotaWait = DEFAULT_QUOTA_WAIT
    encoding_errors: str = "strict"
    cache: WindowCache | None = None
    max_age: timedelta = DEFAULT_MAX_AGE
    dtype_backend: str = "numpy_nullable"
    columns: tuple[str, ...] | None = None
    dtype: dict[str, Any] | None = None

    def shape_record(self) -> dict[str, Any]:
        """How the frame was shaped, for its provenance (``df.explore.refresh()`` and ``extend()``
        ask for the same): ``dtype_backend``, ``columns`` and ``dtype`` (each dtype by its name)."""
        return {"dtype_backend": self.dtype_backend,
                "columns": list(self.columns) if self.columns is not None else None,
                "dtype": {key: str(value) for key, value in self.dtype.items()} if self.dtype else None}

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
        quota_timeout: float | None = DEFAULT_QUOTA_WAIT.timeout,
        encoding_errors: str = "strict",
        report: str | None = None,
        max_age: timedelta | None = None,
        dtype_backend: str = "numpy_nullable",
        columns: Any = None,
        dtype: Any = None,
    ) -> PullOptions:
        """Check every option (errors name the option and the fix) and fill in the defaults.

        Raises
        ------
        ValidationError
            For an unknown ``engine``, an ``on_row_limit`` the engine does not
            take, a ``max_concurrency`` outside 1..15, a ``progress`` other than True,
            False or "auto", a ``quota_timeout`` that is not a positive number of
            seconds or None, or an unknown ``encoding_errors``; a ``max_age`` that is
            not a positive timedelta, an unknown ``dtype_backend``, ``columns`` or
            ``dtype`` naming no column of ``report`` (with the closest ones).
        ConfigurationError
            When ``EXPLORE_CACHE_MAX_BYTES`` is not a whole number of bytes.
        """
        checked = check_on_row_limit(on_row_limit, engine)
        check_progress(progress)
        at_once = check_concurrency(max_concurrency)
        check_types(client=client, poll=poll, fresh=fresh, ledger=ledger)
        quota_wait = replace(DEFAULT_QUOTA_WAIT, timeout=check_quota_timeout(quota_timeout))
        if encoding_errors not in ENCODING_ERRORS:
            raise ValidationError(
                f"encoding_errors={encoding_errors!r}: use 'strict' (a file that is not UTF-8 is an error), "
                "'replace' or 'ignore', as in pandas.read_csv.",
                fields=[{"name": "encoding_errors", "description": "must be strict, replace or ignore"}])
        shape = check_shape(report, dtype_backend=dtype_backend, columns=columns, dtype=dtype)
        oldest = check_max_age(max_age)
        # the client last: connecting from EXPLORE_* is the one default that may fail
        account = client if client is not None else get_client()
        served = ledger_folder(account.settings.base_url)  # an emulator of this process keeps its own
        cache = WindowCache(served / "frames" if served is not None else None)
        return cls(
            client=account, on_row_limit=checked, max_concurrency=at_once, poll=poll, progress=progress,
            ledger=resolve_ledger(ledger, account), fresh=fresh, quota_wait=quota_wait,
            encoding_errors=encoding_errors, cache=cache if cache.enabled else None, max_age=oldest, **shape,
        )


def check_types(*, client: Any, poll: Any, fresh: Any, ledger: Any) -> None:
    """The options that are objects or flags: the right kind, or a ValidationError naming it."""
    checks = {
        "client": (client is None or isinstance(client, Client), "a Client (or None: the kernel's default)"),
        "poll": (isinstance(poll, PollPolicy), "a PollPolicy"),
        "fresh": (isinstance(fresh, bool), "True or False"),
        "ledger": (ledger is None or isinstance(ledger, (bool, Ledger)),
                   "a Ledger, True (the default one) or False (none)"),
    }
    values = {"client": client, "poll": poll, "fresh": fresh, "ledger": ledger}
    for name, (good, wanted) in checks.items():
        if not good:
            raise ValidationError(f"{name}={values[name]!r}: use {wanted}.",
                                  fields=[{"name": name, "description": f"must be {wanted}"}])


def check_max_age(max_age: Any) -> timedelta:
    """How old cached rows may be: a positive timedelta; None is the job-reuse rule's 29 days."""
    if max_age is None:
        return DEFAULT_MAX_AGE
    if not isinstance(max_age, timedelta) or max_age <= timedelta(0):
        raise ValidationError(
            f"max_age={max_age!r}: give a positive datetime.timedelta (e.g. timedelta(hours=12)): cached "
            "windows older than that are fetched again. None keeps the default (29 days); fresh=True reads "
            "no window from the cache.", fields=[{"name": "max_age", "description": "must be a positive timedelta"}])
    return max_age


def check_shape(report: str | None, *, dtype_backend: Any, columns: Any, dtype: Any) -> dict[str, Any]:
    """``dtype_backend``, ``columns`` and ``dtype``, checked against the report's registry."""
    backend = check_dtype_backend(dtype_backend)
    wanted = check_columns(columns, report or "")
    overrides = check_dtype(dtype, report or "", wanted)
    return {"dtype_backend": backend, "columns": wanted, "dtype": overrides}


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


def check_quota_timeout(seconds: float | None) -> float | None:
    """Seconds to wait for a quota slot before giving up: a positive number, or None for no limit."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < float("inf"):
        raise ValidationError(
            f"quota_timeout={seconds!r}: give the seconds to wait for a free job slot of the account "
            f"(default {DEFAULT_QUOTA_WAIT.timeout:.0f}), or None to wait as long as it takes.",
            fields=[{"name": "quota_timeout", "description": "must be a positive number of seconds or None"}])
    return float(seconds)


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
    folder deleted with the emulator: its jobs never pile up in the user's. The
    ledger is checked writable now, before any job: a job recorded nowhere would
    be orphaned.
    """
    if ledger is None or ledger is True:
        settings = getattr(client, "settings", None)
        found: Ledger | None = Ledger(ledger_folder(settings.base_url) if settings is not None else None)
    else:
        found = ledger or None
    if found is not None:
        found.check_writable()
    return found
