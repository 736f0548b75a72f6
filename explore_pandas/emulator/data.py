"""Seeded synthetic report rows for the emulator, and the report file writers.

The contract the emulator's state machine relies on:

- **Determinism.** Rows are generated per UTC day from RNGs seeded with
  ``(seed, crc32(slug), day, stream)``; never ``hash()``, which changes per process. The
  same seed gives byte-identical files.
- **Additivity.** A day's rows are always generated whole and then cut to the window, so
  windows that tile a range hold exactly the rows of the whole range: no duplicates, no gaps.
- **Cheap counts.** Event times (the report's timespan field) come from their own RNG
  stream, so `count_rows` draws only timestamps.
- **One account.** Every report of a seed shares the account's local clock
  (``account_timezone``), its day conditions and its agents and teams (`traffic.py`), so
  that calls, contacts, user status, ring attempts and messaging tell the same story.

Values are the wire values, typed: datetimes are ``datetime64[ns, UTC]``, durations are the
numbers or strings the file carries (integer seconds or minutes, float fractions of a day,
``"0d 0h 0m 42s"`` strings; see `catalog.KINDS`), flags are the file's strings or booleans.
"""

from __future__ import annotations

import json
import math
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from functools import lru_cache, partial
from os import PathLike
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from explore_pandas.emulator import account, render, traffic, values
from explore_pandas.emulator.catalog import CALLS, MILLIS, REPORTS, ReportSpec
from explore_pandas.emulator.layouts import spec_for

FORMATS = ("csv", "json", "json_bulk")
_T = TypeVar("_T")
_R = TypeVar("_R")

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DAY_MS = 86_400_000
_HOUR_MS = 3_600_000
# SeedSequence entropy must be non-negative; the bias keeps days before 1970 valid.
_DAY_BIAS = 1 << 20
_EVENTS, _VALUES, _POOLS = 0, 1, 2  # independent RNG streams
_AGENTS = "agents"  # the pools are the account's, shared by every report of a seed
DEFAULT_ZONE = traffic.DEFAULT_ZONE


def _spec(slug: str, layout: str | None = None) -> ReportSpec:
    if layout is not None:  # another published layout of the report (layouts.py)
        spec = spec_for(slug, layout)
        if spec is None:
            raise KeyError(f"unknown layout {layout!r} of report type {slug!r}")
        return spec
    try:
        return REPORTS[slug]
    except KeyError:
        raise KeyError(f"unknown report type {slug!r}") from None


def _rng(seed: int, slug: str, day: int, stream: int) -> np.random.Generator:
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    entropy = [int(seed), zlib.crc32(slug.encode()), day + _DAY_BIAS, stream]
    return np.random.default_rng(np.random.SeedSequence(entropy))


def _ms(t: datetime) -> int:
    """Epoch milliseconds, rounded up so that ``event >= _ms(t)`` means ``event >= t``."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware: {t!r}")
    return -((_EPOCH - t) // timedelta(milliseconds=1))


def _rate(spec: ReportSpec, rate: float | None) -> float:
    rate = spec.default_rate if rate is None else float(rate)
    if not rate >= 0 or math.isinf(rate):
        raise ValueError(f"rate must be a finite number >= 0, got {rate!r}")
    return rate


def voice_rate(rates: Mapping[str, float], slug: str) -> float | None:
    """The rate to generate report ``slug`` at, given the emulator's ``rates`` by report.

    The voice reports (`account.VIEWS`) are views of one simulated day, so one volume
    drives them all: the ``calls`` rate if given, else the first voice report's in
    ``rates``, at the ratio of the default rates: ``{"calls": 3000}`` is 3000 calls and
    contacts a day, about twice the default user status and ring attempts rows (those
    follow the agents and calls). Other reports take their own rate (None: the default).
    """
    if slug not in account.VIEWS:
        return rates.get(slug)
    given = [s for s in rates if s in account.VIEWS]
    driver = "calls" if "calls" in given else (given[0] if given else None)
    if driver is None:
        return None
    return float(rates[driver]) * REPORTS[slug].default_rate / REPORTS[driver].default_rate


def _days(lo: int, hi: int) -> range:
    return range(lo // _DAY_MS, (hi - 1) // _DAY_MS + 1) if hi > lo else range(0)


def _zone(zone: str) -> str:
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, TypeError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"account_timezone must be an IANA zone name, got {zone!r}") from exc
    return zone


def _voice(spec: ReportSpec, seed: int, day: int, rate: float, zone: str) -> tuple[
        NDArray[Any], dict[str, Any]]:
    """A voice report's day (`account.view`): ``rate`` scales the account's calls."""
    calls = rate * CALLS.default_rate / spec.default_rate
    team = np.ascontiguousarray(_pools(seed).user_team, dtype=np.int64).tobytes()
    return account.window(spec.model_view or spec.slug, seed, day, zone, calls, team)


def _event_ms(spec: ReportSpec, seed: int, day: int, rate: float, zone: str) -> NDArray[Any]:
    """Sorted event times (epoch ms) of one UTC day: the only draw `count_rows` needs.

    The day's volume and its spread over the hours follow the account's local clock and
    the day's conditions (`traffic.py`); only the Poisson draw and the times are per report.
    The voice reports (calls, contacts, ring attempts, user status) are views of one
    simulated day of the account (`account.py`), drawn once and cached.
    """
    if (spec.model_view or spec.slug) in account.VIEWS:
        return _voice(spec, seed, day, rate, zone)[0]
    rng = _rng(seed, spec.slug, day, _EVENTS)
    shape = traffic.day_shape(day, zone)
    n = rng.poisson(rate * shape.volume * traffic.conditions(seed, day, zone).volume)
    slots = rng.choice(traffic.SLOTS, size=n, p=shape.weights)
    ms = day * _DAY_MS + slots * traffic.SLOT_MS + rng.integers(0, traffic.SLOT_MS, size=n)
    if spec.datetime_format != MILLIS:
        ms -= ms % 1000  # the file shows whole seconds; keep the ground truth equal to it
    # Rows with equal timestamps keep their draw order, so ties break the same way each run.
    return np.sort(ms, kind="stable")


def count_rows(
    slug: str, start: datetime, end: datetime, *, seed: int, rate: float | None = None,
    account_timezone: str = DEFAULT_ZONE,
) -> int:
    """Count the rows of a report whose timespan field ``t`` has ``start <= t < end``.

    Parameters
    ----------
    slug : str
        Report type, a key of `catalog.REPORTS`.
    start, end : datetime
        Timezone-aware bounds (any zone); ``end`` is exclusive.
    seed : int
        Non-negative data seed.
    rate : float, optional
        Mean rows per day; defaults to the report's ``default_rate``.
    account_timezone : str, default "Europe/Lisbon"
        The account's zone, whose business hours and weekdays shape the volume.

    Returns
    -------
    int
        The row count, additive over any split of ``[start, end)``.
    """
    spec, zone = _spec(slug), _zone(account_timezone)
    lo, hi, rate = _ms(start), _ms(end), _rate(spec, rate)
    total = 0
    for day in _days(lo, hi):
        events = _event_ms(spec, seed, day, rate, zone)
        total += int(np.searchsorted(events, hi) - np.searchsorted(events, lo))
    return total


@lru_cache(maxsize=256)
def _pools(seed: int) -> values.Pools:
    return values.make_pools(_rng(seed, _AGENTS, 0, _POOLS))


def _day_arrays(
    spec: ReportSpec, seed: int, zone: str, day: int, events: NDArray[Any], rate: float,
) -> dict[str, pa.Array]:
    """All columns of one UTC day's rows, typed Arrow arrays in column order."""
    rng = _rng(seed, spec.slug, day, _VALUES)
    pools = _pools(seed)
    view = spec.model_view or spec.slug
    model: dict[str, Any]
    if view in account.VIEWS and len(events):
        model = _voice(spec, seed, day, rate, zone)[1]
    elif view in account.VIEWS:
        model = {"user": np.zeros(0, dtype=np.int64)}
    else:
        model = traffic.model(view, rng, seed, day, zone, events, pools)
    return values.day_columns(spec, rng, events, pools, model)


def _plan(
    spec: ReportSpec, start: datetime, end: datetime, seed: int, rate: float | None,
    limit: int | None, zone: str,
) -> Iterator[tuple[int, NDArray[Any], int, int, float]]:
    """``(day, events, i0, i1, rate)`` per UTC day with rows in the window, ``limit`` rows at most.

    Only timestamps are drawn here; rows ``i0:i1`` of the day are the window's.
    """
    lo, hi, rate = _ms(start), _ms(end), _rate(spec, rate)
    left = math.inf if limit is None else limit
    for day in _days(lo, hi):
        if left <= 0:
            return
        events = _event_ms(spec, seed, day, rate, zone)
        i0, i1 = int(np.searchsorted(events, lo)), int(np.searchsorted(events, hi))
        i1 = int(min(i1, i0 + left))
        if i1 > i0:
            yield day, events, i0, i1, rate
            left -= i1 - i0


_Item = tuple[int, NDArray[Any], int, int, float]  # (day, events, i0, i1, rate), see _plan


def _slice(spec: ReportSpec, seed: int, zone: str, item: _Item) -> dict[str, pa.Array]:
    """The window's rows of one day: the whole day is generated, then cut (additivity)."""
    day, events, i0, i1, rate = item
    arrays = _day_arrays(spec, seed, zone, day, events, rate)
    return {key: arr.slice(i0, i1 - i0) for key, arr in arrays.items()}


def _in_order(fn: Callable[[_T], _R], items: Iterable[_T], workers: int = 2) -> Iterator[_R]:
    """``map(fn, items)`` on a small thread pool, in order, few results in flight.

    Arrow and numpy release the GIL, so rendering the next day overlaps writing this one;
    at most ``workers + 1`` days are held, which keeps memory bounded.
    """
    with ThreadPoolExecutor(workers) as pool:
        pending: deque[Future[_R]] = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _empty_arrays(spec: ReportSpec, seed: int, zone: str) -> dict[str, pa.Array]:
    return _day_arrays(spec, seed, zone, 0, np.zeros(0, dtype=np.int64), 0.0)


def _to_pandas(spec: ReportSpec, table: pa.Table) -> pd.DataFrame:
    """Typed frame: UTC datetimes in ns, nullable ints/bools where a column has nulls."""
    for i, col in enumerate(spec.columns):
        if col.kind == "datetime":
            table = table.set_column(i, col.key, table[col.key].cast(pa.timestamp("ns", tz="UTC")))
    frame: pd.DataFrame = table.to_pandas()
    for col in spec.columns:
        if col.kind == "list":
            frame[col.key] = pd.Series(table[col.key].to_pylist(), dtype=object)
        elif col.null and col.kind in ("int", "seconds", "minutes"):
            frame[col.key] = frame[col.key].astype("Int64")
        elif col.null and col.kind == "bool":
            frame[col.key] = frame[col.key].astype("boolean")
    return frame


def generate(
    slug: str, start: datetime, end: datetime, *, seed: int, rate: float | None = None,
    limit: int | None = None, layout: str | None = None, account_timezone: str = DEFAULT_ZONE,
) -> pd.DataFrame:
    """Generate the typed ground-truth rows of a report for ``[start, end)``.

    Parameters
    ----------
    slug : str
        Report type, a key of `catalog.REPORTS`.
    start, end : datetime
        Timezone-aware bounds (any zone); ``end`` is exclusive.
    seed : int
        Non-negative data seed.
    rate : float, optional
        Mean rows per day; defaults to the report's ``default_rate``.
    limit : int, optional
        Keep only the first ``limit`` rows in time order (the row cap).
    layout : str, optional
        Another published layout of the report (`layouts.LAYOUTS`), e.g. ``"pre2026"``.
    account_timezone : str, default "Europe/Lisbon"
        The account's zone: business hours, weekdays and shifts follow its wall clock.

    Returns
    -------
    pandas.DataFrame
        One column per JSON key, ordered by the timespan field. Datetimes are
        ``datetime64[ns, UTC]`` (NaT when missing); other columns hold the wire values
        (durations as integer seconds/minutes, day fractions or "0d 0h 0m 42s" strings).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> day = datetime(2026, 3, 2, tzinfo=timezone.utc)
    >>> df = generate("calls", day, day.replace(hour=1), seed=7)
    >>> str(df["end_at"].dtype)
    'datetime64[ns, UTC]'
    """
    spec, zone = _spec(slug, layout), _zone(account_timezone)
    plan = _plan(spec, start, end, seed, rate, limit, zone)
    tables = [pa.table(_slice(spec, seed, zone, item)) for item in plan]
    if not tables:
        tables = [pa.table(_empty_arrays(spec, seed, zone))]
    return _to_pandas(spec, pa.concat_tables(tables))


def _wire(spec: ReportSpec, arrays: dict[str, pa.Array], tz: str) -> list[pa.Array]:
    """The day's columns as wire values: datetimes rendered, everything else as is."""
    return [
        render.render_datetimes(arrays[c.key], spec.datetime_format, c.empty, tz)
        if c.kind == "datetime" else arrays[c.key]
        for c in spec.columns
    ]


def _render_day(
    spec: ReportSpec, seed: int, zone: str, fmt: str, tz: str, item: _Item
) -> pa.Array:
    """One day's rows as file text, one string per row."""
    wire = _wire(spec, _slice(spec, seed, zone, item), tz)
    if fmt == "csv":
        return render.csv_rows(wire)
    if fmt == "json":
        return render.json_rows(wire, spec.keys, ",", "")  # the file's first row drops the ","
    return render.json_rows(wire, spec.keys, "", "\n")


def _preamble(spec: ReportSpec, fmt: str) -> bytes:
    if fmt == "csv":
        return render.csv_header(spec.columns)
    if fmt == "json":
        head = "".join(f"{json.dumps(k)}: {json.dumps(v)}, " for k, v in spec.json_header.items())
        return ("{" + head + '"entries": [').encode()
    return b""


def write_report(
    path: str | PathLike[str], slug: str, fmt: str, start: datetime, end: datetime, *,
    seed: int, rate: float | None = None, limit: int | None = None, total: int | None = None,
    render_tz: str = "UTC", layout: str | None = None, account_timezone: str = DEFAULT_ZONE,
) -> int:
    """Write a report file for ``[start, end)``, one UTC day at a time.

    Parameters
    ----------
    path : str or PathLike
        File to create or overwrite.
    slug : str
        Report type, a key of `catalog.REPORTS`.
    fmt : {"csv", "json", "json_bulk"}
        ``json`` is ``{<json_header>, "entries": [...], "total": N}``; ``json_bulk`` is NDJSON;
        ``csv`` is UTF-8 without BOM, CRLF, a header of display labels, RFC 4180 quoting
        (only where needed), nulls as empty cells and booleans as ``true``/``false``.
    start, end : datetime
        Timezone-aware bounds (any zone); ``end`` is exclusive.
    seed : int
        Non-negative data seed; the same arguments give byte-identical files.
    rate : float, optional
        Mean rows per day; defaults to the report's ``default_rate``.
    limit : int, optional
        Keep only the first ``limit`` rows in time order (the row cap).
    total : int, optional
        The ``total`` written in ``json`` (default: the rows written).
    render_tz : str, default "UTC"
        IANA zone whose wall time datetimes are rendered in (then without a ``Z``).
    layout : str, optional
        Another published layout of the report (`layouts.LAYOUTS`), e.g. ``"pre2026"``.
    account_timezone : str, default "Europe/Lisbon"
        The account's zone, as in `generate` (it shapes the data, not how it is rendered).

    Returns
    -------
    int
        The number of rows written.
    """
    spec, zone = _spec(slug, layout), _zone(account_timezone)
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    ZoneInfo(render_tz)  # fail before creating the file on a bad zone
    written = 0
    with open(path, "wb") as out:
        out.write(_preamble(spec, fmt))
        plan = _plan(spec, start, end, seed, rate, limit, zone)
        for rows in _in_order(partial(_render_day, spec, seed, zone, fmt, render_tz), plan):
            render.write_text(out, rows, skip=int(fmt == "json" and written == 0))
            written += len(rows)
        if fmt == "json":
            out.write(f'], "total": {written if total is None else int(total)}}}\n'.encode())
    return written
