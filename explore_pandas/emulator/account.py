"""One account's voice day: the calls of a local day of the account, the agent who handled
each, the rings that reached agents and every agent's status timeline, simulated once and
shared.

``calls``, ``contacts`` and ``explore_calls`` are three views of the same calls (``contacts``
and ``explore_calls`` share the interaction ids; the calls report's ``call_id`` is another id
space, explore-api.md section 8.3); ``ring_attempts`` and ``user_status`` follow from who took
which call and when. Everything is vectorised but the queue, and seeded by ``(seed, day)``:

- **The day** runs from one local midnight of ``account_timezone`` to the next
  (`localday`, 23 or 25 hours on daylight-saving days); a UTC day, or any window, is served
  from the local days that overlap it (`window`), so nothing is cut at UTC midnight. Calls
  still going at local midnight run on into the next day (the night team's quiet hours).
- **One volume**: ``rate`` is the day's mean calls; it drives every voice report, and the
  staff: below the calls report's default rate fewer agents of each team are on duty
  (`_roster`), so that a small account's agents are as busy as a large one's.
- **Arrivals** follow the account's clock (`traffic.hourly_intensity`, per quarter hour).
- **Routing**: a call goes to a team on shift (day teams 08:00-20:00 local, the night team
  00:00-08:00 and 20:00-24:00), and within the team to the agent free longest: an agent
  takes one call at a time (`_assign`, a heap per team and the night's two ends). The
  evening queue starts empty, so the next morning can start from the agents busy on the
  evening's last calls (`_carry`) without simulating earlier days. A caller whose wait
  outruns their patience abandons and never occupies an agent; an outbound call is
  dialled when an agent is free, or dropped after two minutes.
- **Ring attempts**: the accepted ring of each answered inbound call, sometimes after missed,
  ignored or rejected rings, during the wait, to teammates who were Available then; a missed
  call rings an Available agent out.
- **User status**: each agent's shift, one status at a time: "On A Call" from the answer
  (the dial, for outbound calls) to the end of each call, "After Call Work" for its wrap-up,
  "Available" in between, with some breaks ("Away", "Busy", "Offline") that end before the
  next ring.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from explore_pandas.emulator import localday, render, timeline, traffic
from explore_pandas.emulator.catalog import CALLS
from explore_pandas.emulator.traffic import (
    ABANDONED,
    ANSWERED,
    MISSED,
    OUT,
    OUT_MISSED,
    SHORT,
)

VIEWS = frozenset({"calls", "contacts", "explore_calls", "ring_attempts", "user_status"})
_SIM = 5  # the traffic RNG stream of the simulation (+1, +3: rings; +2: statuses)
_DAY_MS = 86_400_000
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
FULL_STAFF = CALLS.default_rate  # calls a day the whole roster is on duty for
EVENING = timeline.EVENING  # the heap of the night team's evening (20:00-24:00)
_RING_SLOT = 15_000  # ms: an unanswered ring times out; earlier rings sit back to back
_EXTRA = np.array([0.75, 0.18, 0.07])  # 0, 1 or 2 unanswered rings before the accepted one
_DIALLER_MS = 120_000  # an outbound call no agent is free for within this is dropped
_NEVER = -(1 << 62)


@dataclass(frozen=True)
class Calls:
    """One local day's calls in arrival order (times in epoch ms, whole seconds)."""

    o: traffic.Outcomes
    start: NDArray[Any]
    end: NDArray[Any]
    ring_start: NDArray[Any]  # the ring of the agent who took the call (or missed it)
    iid: pa.Array  # interaction ids (contacts, ring attempts, explore calls)
    cid: pa.Array  # contact ids
    rings: NDArray[Any]  # (call, agent, start ms) of each unanswered ring before the accepted
    crews: NDArray[Any]  # each agent's team, -1 off duty
    carry: NDArray[Any]  # when each agent is free of the last evening's calls (ms)
    shape: localday.Shape


def _take(o: traffic.Outcomes, idx: NDArray[Any]) -> traffic.Outcomes:
    return traffic.Outcomes(*(getattr(o, f.name)[idx] for f in fields(o)))


def _roster(crew: traffic.Agents, rate: float) -> tuple[NDArray[Any], float]:
    """Each agent's crew (-1: off duty) and the occupancy scale of `traffic.occupancy`.

    The whole roster works at `FULL_STAFF` calls a day and above; below, the first
    ``ceil(size * rate / FULL_STAFF)`` agents of each team (one at least).
    """
    crews = crew.team.copy()
    share = min(1.0, rate / FULL_STAFF)
    for c in np.unique(crews):
        members = np.flatnonzero(crews == c)
        crews[members[max(1, math.ceil(len(members) * share)):]] = -1
    on = int((crews >= 0).sum())
    return crews, min(1.0, share * len(crews) / max(on, 1))


def _assign(crew: NDArray[Any], ready: NDArray[Any], parts: NDArray[Any], budget: NDArray[Any],
            extra: NDArray[Any], until: NDArray[Any], pace: NDArray[Any], crews: NDArray[Any],
            carry: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Who takes each call and when: the crew's longest-idle agent, one call at a time.

    Rows are sorted by ``ready`` (ms: the call starts ringing, or is dialled); ``parts``
    holds ring, talk, hold and wrap-up seconds at pace 1 (an agent's talk and wrap-up scale
    with their ``pace``, as `_paced` rounds them); ``budget`` is the ms the caller still
    waits. A call no agent is free for within its budget gets none (-1) and occupies no
    one. ``extra`` unanswered rings precede the accepted one, one per `_RING_SLOT` before
    ``ready``, to teammates idle then (and before ``until``, the crew's shift end); with
    no such teammate, fewer rings. The night team's morning starts with each agent busy
    until ``carry`` (the last evening's calls). Returns the agent, the start of each call's
    ring (ms) and the ``(row, agent, start)`` of the unanswered rings. This is the one
    sequential step of the model (an M/G/c+M queue per crew), a few microseconds a call.
    """
    heaps: dict[int, list[tuple[int, int]]] = {}
    for agent, (c, busy_until) in enumerate(zip(crews.tolist(), carry.tolist())):
        if c == traffic.NIGHT_TEAM:  # the night team works both ends of the day
            heaps.setdefault(EVENING, []).append((_NEVER, agent))
            heaps.setdefault(c, []).append((busy_until, agent))
        elif c >= 0:
            heaps.setdefault(c, []).append((_NEVER, agent))
    for queue in heaps.values():
        heapq.heapify(queue)
    user = np.full(len(crew), -1, dtype=np.int64)
    start = ready + budget
    rings: list[tuple[int, int, int]] = []
    speed = pace.tolist()
    rows = zip(range(len(crew)), crew.tolist(), ready.tolist(), budget.tolist(), extra.tolist(),
               until.tolist(), *parts.T.tolist())
    for i, c, r, wait, k, end, ring, talk, hold, acw in rows:
        heap = heaps.get(c)
        if not heap:
            continue
        free, agent = heap[0]
        s = max(free, r)
        if s - r > wait:
            continue  # gone before an agent was free: nobody's time is spent on the call
        p = speed[agent]
        busy = ring + (max(5, math.floor(talk * p + 0.5)) if talk else 0) + hold + math.floor(
            acw * p + 0.5)
        heapq.heapreplace(heap, (s + busy * 1000, agent))
        user[i], start[i] = agent, s
        rung = {agent}
        for j in range(k):
            t = r - (k - j) * _RING_SLOT
            idle = [a for f, a in heap if f <= t and a not in rung]
            if idle and t < end:
                pick = idle[(i + j) % len(idle)]
                rung.add(pick)
                rings.append((i, pick, t))
    return user, start, np.array(rings, dtype=np.int64).reshape(-1, 3)


def _paced(secs: NDArray[Any], pace: NDArray[Any], floor: int) -> NDArray[Any]:
    """An agent's talk or wrap-up: the call's at pace 1 times the agent's pace."""
    paced: NDArray[Any] = np.where(secs > 0, np.maximum(floor, np.floor(secs * pace + 0.5)),
                                   0).astype(np.int64)
    return paced


def _hex(rng: np.random.Generator, n: int) -> pa.Array:
    return render.ascii_strings(_HEX[rng.integers(0, 16, (n, 32))])


def _uuid(rng: np.random.Generator, n: int) -> pa.Array:
    mat = np.full((n, 36), ord("-"), dtype=np.uint8)
    mat[:, [i for i in range(36) if i not in (8, 13, 18, 23)]] = _HEX[rng.integers(0, 16, (n, 32))]
    mat[:, 14] = ord("4")
    mat[:, 19] = np.frombuffer(b"89ab", dtype=np.uint8)[rng.integers(0, 4, n)]
    return render.ascii_strings(mat)


def _teams(rng: np.random.Generator, ctx: traffic.Context, crew: traffic.Agents,
           crews: NDArray[Any]) -> NDArray[Any]:
    """The team on shift each call is routed to: by day, the day teams in proportion to
    what their agents on duty can handle, at night the night team."""
    size = np.bincount(crew.team[crews >= 0], minlength=len(traffic.TEAM_TALK)).astype(float)
    night = traffic.NIGHT_TEAM
    capacity = size / (traffic.TEAM_TALK * 1.17 + traffic.TEAM_ACW)
    by_day = np.where(np.arange(len(size)) == night, 0.0, capacity)
    pick = rng.choice(len(size), size=len(ctx.slot), p=by_day / by_day.sum())
    team: NDArray[Any] = np.where(ctx.day_shift & (size[night] > 0), pick, night) if size[
        night] else pick
    return team


def _shift_end(shape: localday.Shape, slot: NDArray[Any]) -> NDArray[Any]:
    """The end (ms) of the shift of each quarter hour (its run of day or night shift)."""
    flags = shape.day_shift
    ends = np.r_[np.flatnonzero(flags[1:] != flags[:-1]) + 1, shape.slots]
    end: NDArray[Any] = shape.start + ends[np.searchsorted(ends, slot, side="right")] * \
        traffic.SLOT_MS
    return end


@dataclass(frozen=True)
class _Draws:
    """A local day's calls before any agent is chosen (`_draws`)."""

    o: traffic.Outcomes  # at pace 1, for a stand-in agent of the team
    t0: NDArray[Any]  # arrival (ms)
    idx: NDArray[Any]  # the calls that want an agent, by ``ready``
    crew: NDArray[Any]  # the team (or `EVENING`) each call is routed to
    ready: NDArray[Any]  # ms: the call starts ringing (inbound) or is dialled
    budget: NDArray[Any]  # ms the caller (the dialler) waits for an agent from ``ready``
    extra: NDArray[Any]  # unanswered rings before the accepted one
    until: NDArray[Any]  # the end of the team's shift (ms)
    iid: pa.Array
    cid: pa.Array


#: Simulated local days kept: a year and its margins, so that a job's row count and its file
#: (written later) use the same simulation rather than running it twice.
_DAYS_KEPT = 400


@lru_cache(maxsize=64)
def _draws(seed: int, lday: int, zone: str, rate: float, user_team: bytes) -> _Draws:
    rng = traffic.day_rng(seed, lday, _SIM)
    crew = traffic.agents(seed, user_team)
    crews, scale = _roster(crew, rate)
    shape = localday.shape(lday, zone)
    cond = localday.conditions(seed, lday, zone, scale)
    n = int(rng.poisson(rate * shape.volume * cond.volume))
    slot = rng.choice(shape.slots, size=n, p=shape.weights)
    t0 = np.sort(shape.start + slot * traffic.SLOT_MS
                 + rng.integers(0, traffic.SLOT_MS // 1000, n) * 1000)
    slot = shape.slot(t0)
    ctx = traffic.Context(slot, shape.day_shift[slot], shape.business(t0), cond.load[slot])
    team = _teams(rng, ctx, crew, crews)
    lead = np.argsort(crew.team, kind="stable")[np.searchsorted(np.sort(crew.team), team)]
    o = traffic.outcomes(rng, ctx, lead, replace(crew, pace=np.ones(len(crew.team))))
    inbound = (o.kind == ANSWERED) | (o.kind == MISSED)  # callers who reach the queue
    ready = t0 + (o.ivr + o.wait) * 1000
    late = (team == traffic.NIGHT_TEAM) & (shape.local_hour[slot] >= 12)
    rr = traffic.day_rng(seed, lday, _SIM + 3)
    extra = np.where(o.kind == ANSWERED, np.minimum(rr.choice(3, size=n, p=_EXTRA),
                                                     o.wait * 1000 // _RING_SLOT), 0)
    idx = np.flatnonzero(inbound | (o.kind == OUT) | (o.kind == OUT_MISSED))
    idx = idx[np.argsort(ready[idx], kind="stable")]
    budget = np.where(inbound, (o.patience - o.wait) * 1000, _DIALLER_MS)
    return _Draws(o, t0, idx, np.where(late, EVENING, team), ready, budget, extra,
                  _shift_end(shape, slot), _hex(rng, n), _uuid(rng, n))


def _busy(o: traffic.Outcomes, pace: NDArray[Any]) -> NDArray[Any]:
    """Seconds an agent of ``pace`` spends on each call (as `_assign` counts them)."""
    busy: NDArray[Any] = o.ring + _paced(o.talk, pace, 5) + o.hold + _paced(o.acw, pace, 0)
    return busy


def _run(d: _Draws, rows: NDArray[Any], crew: traffic.Agents, crews: NDArray[Any],
         carry: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    parts = np.stack([d.o.ring, d.o.talk, d.o.hold, d.o.acw], axis=1)[rows]
    return _assign(d.crew[rows], d.ready[rows], parts, d.budget[rows], d.extra[rows],
                   d.until[rows], crew.pace, crews, carry)


@lru_cache(maxsize=_DAYS_KEPT)
def _carry(seed: int, lday: int, zone: str, rate: float, user_team: bytes) -> NDArray[Any]:
    """When each agent is free of the evening's calls of ``lday`` (ms; `_NEVER`: not busy).

    The evening queue starts empty at 20:00, so this needs no earlier day; the next
    morning starts from it (`simulate`).
    """
    d = _draws(seed, lday, zone, rate, user_team)
    crew = traffic.agents(seed, user_team)
    rows = d.idx[d.crew[d.idx] == EVENING]
    agent, began, _ = _run(d, rows, crew, _roster(crew, rate)[0],
                           np.full(len(crew.team), _NEVER))
    took = agent >= 0
    end = began[took] + _busy(_take(d.o, rows[took]), crew.pace[agent[took]]) * 1000
    free = np.full(len(crew.team), _NEVER, dtype=np.int64)
    np.maximum.at(free, agent[took], end)
    free.setflags(write=False)
    return free


@lru_cache(maxsize=_DAYS_KEPT)
def simulate(seed: int, lday: int, zone: str, rate: float, user_team: bytes) -> Calls:
    """Local day ``lday``'s calls at ``rate`` calls per mean day (see the module docstring)."""
    d = _draws(seed, lday, zone, rate, user_team)
    crew = traffic.agents(seed, user_team)
    crews = _roster(crew, rate)[0]
    carry = _carry(seed, lday - 1, zone, rate, user_team)
    o, idx, n = d.o, d.idx, len(d.t0)
    inbound = (o.kind == ANSWERED) | (o.kind == MISSED)
    outbound = (o.kind == OUT) | (o.kind == OUT_MISSED)
    agent, began, rings = _run(d, idx, crew, crews, carry)
    user, delay = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64)
    user[idx], delay[idx] = agent, began - d.ready[idx]
    staffed = user >= 0
    gave_up = inbound & ~staffed
    unplaced = outbound & ~staffed
    pace = crew.pace[np.maximum(user, 0)]
    zero = np.zeros(n, dtype=np.int64)
    kind = np.where(gave_up, np.where(o.patience < traffic.SHORT_ABANDON, SHORT, ABANDONED),
                    np.where(unplaced, OUT_MISSED, o.kind))
    answered = staffed & ((kind == ANSWERED) | (kind == OUT))
    o = replace(o, kind=kind, user=user,
                wait=np.where(gave_up, o.patience, np.where(inbound, o.wait + delay // 1000, 0)),
                ring=np.where(gave_up, 0, o.ring),
                talk=np.where(answered, _paced(o.talk, pace, 5), zero),
                hold=np.where(answered, o.hold, zero),
                acw=np.where(answered, _paced(o.acw, pace, 0), zero))
    start = d.t0 + np.where(outbound & staffed, delay, 0)  # outbound: dialled when free
    shape = localday.shape(lday, zone)
    o = replace(o, business=shape.business(start))
    ring_start = start + np.where(outbound, 0, (o.ivr + o.wait) * 1000)
    rings[:, 0] = idx[rings[:, 0]]
    return Calls(o, start, start + o.total * 1000, ring_start, d.iid, d.cid, rings, crews,
                 carry, shape)


@lru_cache(maxsize=_DAYS_KEPT)
def view(slug: str, seed: int, lday: int, zone: str, rate: float,
         user_team: bytes) -> tuple[NDArray[Any], dict[str, Any]]:
    """``(events, model columns)`` of one report's rows of local day ``lday``, by event.

    ``model`` is what `traffic.model` returns: ``user``, ``span`` and whole columns by key.
    """
    c = simulate(seed, lday, zone, rate, user_team)
    if slug == "ring_attempts":
        return timeline.ring_attempts(c, traffic.day_rng(seed, lday, _SIM + 1))
    if slug == "user_status":
        return timeline.user_status(c, traffic.day_rng(seed, lday, _SIM + 2))
    order = np.argsort(c.end, kind="stable")
    events = c.end[order]
    o = _take(c.o, order)
    model: dict[str, Any] = {"user": o.user, **traffic.VIEWS[slug](o, events)}
    if slug in ("contacts", "explore_calls"):
        model["interaction_id"] = c.iid.take(order)
    if slug == "contacts":
        model["contact_id"] = c.cid.take(order)
    return events, model


def _cat(parts: list[Any]) -> Any:
    if isinstance(parts[0], tuple):
        return tuple(_cat(list(p)) for p in zip(*parts))
    if isinstance(parts[0], pa.Array):
        return pa.concat_arrays(parts)
    return np.concatenate(parts)


def _pick(value: Any, idx: NDArray[Any]) -> Any:
    if isinstance(value, tuple):
        return tuple(_pick(v, idx) for v in value)
    if isinstance(value, pa.Array):
        return value.take(pa.array(idx, type=pa.int64()))
    return value[idx]


@lru_cache(maxsize=16)
def window(slug: str, seed: int, day: int, zone: str, rate: float,
           user_team: bytes) -> tuple[NDArray[Any], dict[str, Any]]:
    """`view` of UTC day ``day``: the rows of the local days around it whose event is in it.

    A call runs into the next local day at most by hours, so the local day before the
    one holding the UTC day's start is the first that can hold its rows.
    """
    lo, hi = day * _DAY_MS, (day + 1) * _DAY_MS
    days = range(localday.index(lo, zone) - 1, localday.index(hi - 1, zone) + 1)
    parts = [view(slug, seed, lday, zone, rate, user_team) for lday in days]
    events = np.concatenate([p[0] for p in parts])
    keep = np.flatnonzero((events >= lo) & (events < hi))
    keep = keep[np.argsort(events[keep], kind="stable")]
    return events[keep], {key: _pick(_cat([p[1][key] for p in parts]), keep)
                          for key in parts[0][1]}
