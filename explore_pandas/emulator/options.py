"""The emulator's knobs: how jobs progress, which response variants it sends, its limits."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from explore_pandas.emulator.layouts import LAYOUTS, spec_for

STAGES = ("created", "processing", "uploading")
#: The real API's rows per report file: what clients detect a full file by.
API_ROW_LIMIT = 1_000_000


@dataclass(frozen=True)
class Options:
    """Settings of an emulator; change them with ``Emulator.configure(**changes)``.

    Defaults follow ``explore-api.md`` section 11 (the documented behaviour
    where there is one, the proposed default where the real API is unknown).
    """

    #: how a job reaches ``done``: "immediate", {"polls": N} (done at the N-th
    #: status read) or {"seconds": T} (done T seconds after creation)
    progression: Any = field(default_factory=lambda: {"seconds": 2.0})
    #: make jobs fail when they would leave this stage ("created", "processing", "uploading")
    fail_at: str | None = None
    #: status of the job -> files redirect (the docs disagree: 300 or 303)
    job_redirect_status: int = 303
    #: status of the files -> storage redirect (302 in the legacy docs, 303 in the reference)
    files_redirect_status: int = 302
    #: the job -> files ``Location``: "relative" (the reference default) or "absolute"
    location: str = "relative"
    #: job bodies: "enveloped" ({"job": ..., "_links": ...}, what real clients read) or "flat"
    envelope: str = "enveloped"
    row_limit: int = API_ROW_LIMIT
    #: past the row limit: "auto" (the default) truncates where a client can tell, at the API's own
    #: 1,000,000 rows or in json with total="matching", and refuses the create (400) where the cut
    #: would be silent: a smaller row_limit with csv, json_bulk or json total="rows". "truncate"
    #: always cuts (the file holds the first rows, job done), seen or not; "fail" fails the job.
    on_row_limit: str = "auto"
    #: simultaneous jobs (created + processing + uploading) per account
    quota: int = 15
    #: seconds sent as ``Retry-After`` with a quota 429 (None: no header, as documented)
    quota_retry_after: float | None = None
    #: lifetime of a signed storage URL, seconds
    storage_ttl: float = 300.0
    #: lifetime of an access token, seconds
    token_ttl: int = 600
    #: rows newer than this many seconds before the job's creation are not in the file
    latency_seconds: float = 300.0
    retention_days: float = 30.0
    #: mean rows per day, by report slug (the catalog's default otherwise); one rate drives
    #: every voice report, the calls' or the first voice report's given (`data.voice_rate`)
    rates: dict[str, float] = field(default_factory=dict)
    #: datetimes in files: "utc" (as documented) or "job" (the job's timezone)
    render_tz: str = "utc"
    #: the json ``total``: "rows" (entries in the file) or "matching" (rows before the cap)
    total: str = "rows"
    #: reports served in another published layout, by slug: {"calls": "pre2026"} (the
    #: payload before 11 May 2026), {"user_status": "reporting"}; see `layouts.LAYOUTS`
    layouts: dict[str, str] = field(default_factory=dict)
    #: the account's IANA zone: the synthetic data's business hours, weekdays and shifts
    #: follow its wall clock (files still carry UTC, see ``render_tz``)
    account_timezone: str = "Europe/Lisbon"

    def replace(self, **changes: Any) -> Options:
        """A copy with ``changes`` applied, after checking each name and value."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ValueError(f"unknown emulator setting(s) {unknown}; known: {sorted(names)}")
        updated = dataclasses.replace(self, **changes)
        updated.check()
        return updated

    def check(self) -> None:
        _progression_kind(self.progression)
        _one_of("fail_at", self.fail_at, (None, *STAGES))
        _one_of("job_redirect_status", self.job_redirect_status, (300, 302, 303))
        _one_of("files_redirect_status", self.files_redirect_status, (302, 303))
        _one_of("location", self.location, ("relative", "absolute"))
        _one_of("envelope", self.envelope, ("enveloped", "flat"))
        _one_of("on_row_limit", self.on_row_limit, ("auto", "truncate", "fail"))
        _one_of("render_tz", self.render_tz, ("utc", "job"))
        _one_of("total", self.total, ("rows", "matching"))
        for name in ("row_limit", "quota", "token_ttl"):
            if not is_integer(getattr(self, name)) or getattr(self, name) < 1:
                raise ValueError(f"emulator setting {name!r} must be a positive integer")
        for name in ("storage_ttl", "latency_seconds", "retention_days"):
            if not is_number(getattr(self, name)) or getattr(self, name) < 0:
                raise ValueError(f"emulator setting {name!r} must be a number >= 0")
        _check_zone(self.account_timezone)
        if self.quota_retry_after is not None and not (is_number(self.quota_retry_after) and self.quota_retry_after >= 0):
            raise ValueError("emulator setting 'quota_retry_after' must be None or a number >= 0")
        if not isinstance(self.layouts, dict) or not all(
            isinstance(slug, str) and isinstance(layout, str) and spec_for(slug, layout) is not None
            for slug, layout in self.layouts.items()
        ):
            known = {slug: sorted(names) for slug, names in LAYOUTS.items()}
            raise ValueError(f"emulator setting 'layouts' must be a dict {{slug: layout}} of {known}")
        if not isinstance(self.rates, dict) or not all(
            isinstance(slug, str) and is_number(rate) and rate >= 0 for slug, rate in self.rates.items()
        ):
            raise ValueError("emulator setting 'rates' must be a dict {slug: rows per day >= 0}")

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def is_number(value: Any) -> bool:
    """An int or float, but not a bool (JSON true is no number of seconds)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def progression_of(options: Options) -> tuple[str, float]:
    """("immediate", 0), ("polls", N) or ("seconds", T) from ``options.progression``."""
    return _progression_kind(options.progression)


def _progression_kind(value: Any) -> tuple[str, float]:
    if value == "immediate":
        return "immediate", 0.0
    if isinstance(value, dict) and len(value) == 1:
        ((kind, amount),) = value.items()
        if kind == "polls" and is_integer(amount) and amount >= 1:
            return "polls", float(amount)
        if kind == "seconds" and is_number(amount) and amount >= 0:
            return "seconds", float(amount)
    raise ValueError(
        "emulator setting 'progression' must be 'immediate', {'polls': N} with N >= 1 "
        f"or {{'seconds': T}} with T >= 0, not {value!r}"
    )


def _check_zone(value: Any) -> None:
    try:
        ZoneInfo(value)
    except (TypeError, ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(
            f"emulator setting 'account_timezone' must be an IANA zone name, not {value!r}"
        ) from None


def _one_of(name: str, value: Any, allowed: tuple[Any, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"emulator setting {name!r} must be one of {allowed}, not {value!r}")
