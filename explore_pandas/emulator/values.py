"""Vectorised draws of one day's column values for the emulator's synthetic reports.

`data.py` owns the seeding and the time axis, `traffic.py` the contact-centre model (who
takes a call, how long it waits and lasts); this module turns a day's sorted event times
and its RNG into every column of a `catalog.ReportSpec`, with no per-row Python: ids and
phone numbers are built as ASCII byte matrices, enums with Arrow ``take``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from explore_pandas.emulator import render
from explore_pandas.emulator.catalog import Column, ReportSpec

_DAY_MS = 86_400_000
_SPAN_SIGMA = 0.8  # lognormal spread of call/status/step lengths
_WEEK_S = 7 * 86_400

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
_TEXT = ("Customer asked for a refund", 'Said "thanks", closed', "Callback requested\nvia IVR",
         "Nota: cliente satisfeito", "")
_GROUPS = ('["agents"]', '["agents", "billing"]', '["nunes", "queuetest"]', "[]")
_FIRST = ("Ana", "João", "Hérmes", "Maria", "Wei", "Fatima", "Liam", "Zoë", "Olu", "Priya")
# Commas, quotes and accents on purpose: they exercise CSV quoting, JSON escaping and UTF-8.
_LAST = ("Gonçalves", "Nunes", "Smith, Jr.", "O'Brien", "Chen", "Silva", '"Tex" Ritter',
         "Kowalski")
_TEAMS = ("Support EMEA", "Sales, North America", "Billing", "Retenção", 'VIP "Gold"', "Night")
_N_USERS = 40
#: Agents per team, in `_TEAMS` order (40 in all): the night team is the smallest.
_TEAM_SIZES = (12, 8, 6, 5, 5, 4)


@dataclass(frozen=True)
class Pools:
    """Agents and teams of one (seed, report); per-row columns index into these."""

    user_id: pa.Array
    user_name: pa.Array
    user_email: pa.Array
    team_id: pa.Array
    team_name: pa.Array
    user_team: NDArray[Any]


def _email(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join("".join(ch for ch in part if ch.isalnum()) for part in plain.split()).lower()


def make_pools(rng: np.random.Generator) -> Pools:
    """Draw the agent and team pools (a few dozen entries, so plain Python is fine)."""
    first = rng.choice(_FIRST, _N_USERS)
    last = rng.choice(_LAST, _N_USERS)
    names = [f"{f} {s}" for f, s in zip(first, last)]  # a 40-entry pool, not per row
    emails = [f"{_email(n)}{i}@example.com" for i, n in enumerate(names)]
    # Half the ids are purely numeric with leading zeros, to catch clients that cast ids.
    hex_ids = render.ascii_strings(_HEX[rng.integers(0, 16, (_N_USERS, 24))]).to_pylist()
    ids = [f"{i:010d}" if i % 2 else h for i, h in enumerate(hex_ids)]
    team_ids = [f"00{1001 + i}" for i in range(len(_TEAMS))]
    team = rng.permutation(np.repeat(np.arange(len(_TEAMS), dtype=np.int64), _TEAM_SIZES))
    return Pools(pa.array(ids), pa.array(names), pa.array(emails), pa.array(team_ids),
                 pa.array(_TEAMS), team)


@dataclass
class Day:
    """The draws shared by the columns of one day's rows."""

    rng: np.random.Generator
    events: NDArray[Any]  # epoch ms, sorted
    span: NDArray[Any]  # seconds: the length of the call/status/step a row describes
    user: NDArray[Any]  # index into the agent pool (-1: no agent, when the model says so)
    user_u: NDArray[Any]  # one uniform per row so a row's user/team columns are null together
    pools: Pools
    done: dict[str, pa.Array]
    model: Mapping[str, Any] = field(default_factory=dict)  # columns `traffic.model` owns
    decided: bool = False  # the model says which rows have no agent (user == -1)


def _uuid(rng: np.random.Generator, n: int) -> pa.Array:
    mat = np.full((n, 36), ord("-"), dtype=np.uint8)
    hex_cols = [i for i in range(36) if i not in (8, 13, 18, 23)]
    mat[:, hex_cols] = _HEX[rng.integers(0, 16, (n, 32))]
    mat[:, 14] = ord("4")  # version 4, RFC 4122 variant: looks like uuid.uuid4()
    mat[:, 19] = np.frombuffer(b"89ab", dtype=np.uint8)[rng.integers(0, 4, n)]
    return render.ascii_strings(mat)


def _phone(rng: np.random.Generator, n: int) -> pa.Array:
    mat = _DIGITS[rng.integers(0, 10, (n, 12))]
    mat[:, 0], mat[:, 1] = ord("+"), ord("1")
    mat[:, 2] = _DIGITS[rng.integers(2, 10, n)]  # E.164 NANP: area codes never start 0/1
    return render.ascii_strings(mat)


def _ips(rng: np.random.Generator, n: int) -> pa.Array:
    counts = rng.integers(1, 4, n)
    octets = rng.integers(1, 255, (int(counts.sum()), 4))
    parts = [pa.array(octets[:, i]).cast(pa.string()) for i in range(4)]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), pc.binary_join_element_wise(*parts, "."))


def _pick(rng: np.random.Generator, col: Column, n: int, values: tuple[Any, ...] = ()) -> pa.Array:
    values = values or col.choices
    if len(values) == 1:
        return pa.array(list(values)).take(np.zeros(n, dtype=np.int64))
    p = np.array(col.weights or [1.0] * len(values), dtype=float)
    return pa.array(list(values)).take(rng.choice(len(values), size=n, p=p / p.sum()))


def _url(col: Column, d: Day) -> pa.Array:
    prefix, suffix = col.choices[0].split("{}")
    return pc.binary_join_element_wise(prefix, d.done[col.ref], suffix, "")


def _datetime_ms(col: Column, d: Day) -> NDArray[Any]:
    """Datetimes derive from the event so that start <= within <= event and so on."""
    ev, span_ms = d.events, d.span * 1000
    # None for the other gens: only the lambdas of these three read u.
    u = cast(NDArray[Any], d.rng.random(len(ev)) if col.gen in ("within", "before", "after") else None)
    by_gen: dict[str, Callable[[], NDArray[Any]]] = {
        "event": lambda: ev,
        "start": lambda: ev - span_ms,
        "end": lambda: ev + span_ms,
        "within": lambda: ev - np.floor(d.span * u).astype(np.int64) * 1000,
        "before": lambda: ev - span_ms - np.floor(u * _WEEK_S).astype(np.int64) * 1000,
        "after": lambda: ev + np.floor(u * 3600).astype(np.int64) * 1000,
        "day": lambda: ev - ev % _DAY_MS,
    }
    return by_gen[col.gen]()


def _duration(col: Column, d: Day) -> pa.Array:
    if col.gen == "span":
        secs = d.span
    elif col.gen == "part":
        secs = np.floor(d.span * d.rng.random(len(d.span))).astype(np.int64)
    else:
        secs = np.floor(d.rng.exponential(col.scale, len(d.span))).astype(np.int64)
    return _encode(col, secs)


def _encode(col: Column, secs: NDArray[Any]) -> pa.Array:
    """Integer seconds in the column's wire encoding."""
    if col.kind == "days":
        # Rounded to 12 decimals so the shortest float text round-trips exactly.
        return pa.array(np.round(secs / 86_400, 12))
    if col.kind == "minutes":
        return pa.array(secs // 60)
    if col.kind == "dhms":
        parts = [secs // 86_400, secs // 3600 % 24, secs // 60 % 60, secs % 60]
        text = [pa.array(p).cast(pa.string()) for p in parts]
        return pc.binary_join_element_wise(
            text[0], "d ", text[1], "h ", text[2], "m ", text[3], "s", "")
    return pa.array(secs)


def _values(col: Column, d: Day) -> pa.Array:
    """One column's values for the day, before nulls are applied."""
    rng, n, pools = d.rng, len(d.events), d.pools
    if col.key in d.model:
        return _from_model(col, d.model[col.key])
    if col.kind == "datetime":
        return pa.array(_datetime_ms(col, d), pa.timestamp("ms", tz="UTC"))
    if col.kind in ("seconds", "minutes", "days", "dhms"):
        return _duration(col, d)
    user = np.maximum(d.user, 0)  # rows without an agent are nulled by _with_nulls
    team = pools.user_team[user]
    by_gen = {
        "choice": lambda: _pick(rng, col, n),
        "const": lambda: _pick(rng, col, n),
        "text": lambda: _pick(rng, col, n, _TEXT),
        "groups": lambda: _pick(rng, col, n, _GROUPS),
        "uuid": lambda: _uuid(rng, n),
        "hex": lambda: render.ascii_strings(_HEX[rng.integers(0, 16, (n, 32))]),
        "digits": lambda: render.ascii_strings(_DIGITS[rng.integers(0, 10, (n, int(col.scale)))]),
        "phone": lambda: _phone(rng, n),
        "ips": lambda: _ips(rng, n),
        "url": lambda: _url(col, d),
        "user.id": lambda: pools.user_id.take(user),
        "user.name": lambda: pools.user_name.take(user),
        "user.email": lambda: pools.user_email.take(user),
        "team.id": lambda: pools.team_id.take(team),
        "team.name": lambda: pools.team_name.take(team),
    }
    return by_gen[col.gen]()


def _from_model(col: Column, value: Any) -> pa.Array:
    """A column the traffic model computed: an array, or ``(values, missing)``."""
    values, missing = value if isinstance(value, tuple) else (value, None)
    if isinstance(values, pa.Array):
        return values
    if col.kind == "datetime":
        return pa.array(values, pa.timestamp("ms", tz="UTC"), mask=missing)
    if col.kind in ("seconds", "minutes", "days", "dhms"):
        return _encode(col, np.asarray(values, dtype=np.int64))
    return pa.array(values, mask=missing)


def _with_nulls(col: Column, values: pa.Array, d: Day) -> pa.Array:
    if col.key in d.model or not col.null:
        return values
    if col.gen.startswith(("user.", "team.")) and d.decided:
        # The model decides who took a call: no agent for abandoned calls, and no other gaps.
        missing = d.user < 0
    elif col.gen.startswith(("user.", "team.")):
        missing = d.user_u < col.null
    else:
        missing = d.rng.random(len(d.events)) < col.null
    return pc.if_else(pa.array(missing), pa.scalar(None, values.type), values)


def day_columns(
    spec: ReportSpec, rng: np.random.Generator, events: NDArray[Any], pools: Pools,
    model: Mapping[str, Any] | None = None,
) -> dict[str, pa.Array]:
    """All columns of one day's rows (``events`` sorted epoch ms), in column order.

    ``model`` (from `traffic.model`) supplies the agent of each row (``user``), optionally
    the ``span`` of each row, and whole columns by key; everything else is drawn here.
    Draw order is part of the determinism contract: columns draw from ``rng`` in catalogue
    order, so adding a column changes the values of the columns after it, never counts.
    """
    n = len(events)
    model = model or {}
    if "span" in model:
        span = np.asarray(model["span"], dtype=np.int64)
    else:
        span = np.maximum(1, np.rint(spec.span_median * rng.lognormal(0.0, _SPAN_SIGMA, n)))
    user = model["user"] if "user" in model else rng.integers(0, _N_USERS, n)
    d = Day(rng, events, span.astype(np.int64), user, rng.random(n), pools, {},
            {k: v for k, v in model.items() if k not in ("span", "user")}, "span" in model)
    for col in spec.columns:
        d.done[col.key] = _with_nulls(col, _values(col, d), d)
    return d.done
