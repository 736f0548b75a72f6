"""One account's voice day: the calls of a UTC day, the agent who handled each, the rings
that reached agents and every agent's status timeline, simulated once and shared.

``calls``, ``contacts`` and ``explore_calls`` are three views of the same calls (``contacts``
and ``explore_calls`` share the interaction ids; the calls report's ``call_id`` is another id
space, explore-api.md section 8.3); ``ring_attempts`` and ``user_status`` follow from who took
which call and when. Everything is vectorised and seeded by ``(seed, day)`` (`traffic.day_rng`):

- **Arrivals** follow the account's clock (`traffic.day_shape`, per UTC quarter hour).
- **Routing**: a call goes to a team on shift (day teams 08:00-20:00 local, "Night" the
  rest), and within the team round-robin, so an agent takes one call at a time: a call that
  finds its agent busy waits for them (`_serve`, a per-agent queue solved with a running
  maximum), and an outbound call is dialled when the agent is free. Callers whose wait then
  outruns their patience abandon.
- **Ring attempts**: the accepted ring of each answered inbound call, sometimes after missed,
  ignored or rejected rings to other agents of the team during the wait; missed calls ring
  their agent out.
- **User status**: each agent's shift, one status at a time: "On A Call" from the answer
  (the dial, for outbound calls) to the end of each call, "After Call Work" for its wrap-up,
  "Available" in between, with some breaks ("Away", "Busy", "Offline").

The day is simulated within its UTC day: calls that would run past its end are cut short;
on an overloaded day, calls no agent can take before it ends go without one.
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

from explore_pandas.emulator import render, timeline, traffic
from explore_pandas.emulator.traffic import ABANDONED, ANSWERED, OUT_MISSED, SHORT

VIEWS = frozenset({"calls", "contacts", "explore_calls", "ring_attempts", "user_status"})
_SIM = 5  # the traffic RNG stream of the simulation
_DAY_MS = 86_400_000
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@dataclass(frozen=True)
class Calls:
    """One UTC day's calls in arrival order (times in epoch ms, whole seconds)."""

    o: traffic.Outcomes
    start: NDArray[Any]
    end: NDArray[Any]
    ring_start: NDArray[Any]  # the ring of the agent who took the call (or missed it)
    iid: pa.Array  # interaction ids (contacts, ring attempts, explore calls)
    cid: pa.Array  # contact ids


def _take(o: traffic.Outcomes, idx: NDArray[Any]) -> traffic.Outcomes:
    return traffic.Outcomes(*(getattr(o, f.name)[idx] for f in fields(o)))


def _assign(team: NDArray[Any], ready: NDArray[Any], parts: NDArray[Any], pace: NDArray[Any],
            crew: traffic.Agents) -> tuple[NDArray[Any], NDArray[Any]]:
    """Who takes each call and when: the team's longest-idle agent, one call at a time.

    ``parts`` holds ring, talk, hold and wrap-up seconds at pace 1 (rows sorted by
    ``ready``, the time each call starts ringing or is dialled); an agent's talk and wrap-up
    scale with their pace. Returns the agent and the start of each call's ring (ms). This
    is the one sequential step of the model (an M/G/c queue per team): a heap per team over
    the day's staffed calls, a few microseconds a call.
    """
    heaps: dict[int, list[tuple[int, int]]] = {}
    for agent, t in enumerate(crew.team.tolist()):
        heaps.setdefault(t, []).append((0, agent))
    speed = pace.tolist()
    user = np.empty(len(team), dtype=np.int64)
    start = np.empty(len(team), dtype=np.int64)
    rows = zip(range(len(team)), team.tolist(), ready.tolist(), *parts.T.tolist())
    for i, t, r, ring, talk, hold, acw in rows:
        free, agent = heapq.heappop(heaps[t])
        s = max(free, r)
        p = speed[agent]
        busy = ring + (max(5, math.floor(talk * p + 0.5)) if talk else 0) + hold + math.floor(
            acw * p + 0.5)
        heapq.heappush(heaps[t], (s + busy * 1000, agent))
        user[i], start[i] = agent, s
    return user, start


def _paced(secs: NDArray[Any], pace: NDArray[Any], floor: int) -> NDArray[Any]:
    """``_assign``'s rounding of talk and wrap-up at an agent's pace."""
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


def _teams(rng: np.random.Generator, ctx: traffic.Context, crew: traffic.Agents) -> NDArray[Any]:
    """The team on shift each call is routed to: by day, the day teams in proportion to
    what they can handle (their agents over their handle time), at night the night team."""
    size = np.bincount(crew.team, minlength=len(traffic.TEAM_TALK)).astype(float)
    night = traffic.NIGHT_TEAM
    capacity = size / (traffic.TEAM_TALK * 1.17 + traffic.TEAM_ACW)
    by_day = np.where(np.arange(len(size)) == night, 0.0, capacity)
    pick = rng.choice(len(size), size=len(ctx.slot), p=by_day / by_day.sum())
    team: NDArray[Any] = np.where(ctx.day_shift & (size[night] > 0), pick, night) if size[
        night] else pick
    return team


@lru_cache(maxsize=64)
def simulate(seed: int, day: int, zone: str, rate: float, user_team: bytes) -> Calls:
    """The day's calls at ``rate`` calls per mean day (see the module docstring)."""
    rng = traffic.day_rng(seed, day, _SIM)
    shape, cond = traffic.day_shape(day, zone), traffic.conditions(seed, day, zone)
    n = int(rng.poisson(rate * shape.volume * cond.volume))
    slot = rng.choice(traffic.SLOTS, size=n, p=shape.weights)
    t0 = np.sort(day * _DAY_MS + slot * traffic.SLOT_MS
                 + rng.integers(0, traffic.SLOT_MS // 1000, n) * 1000)
    crew = traffic.agents(seed, user_team)
    ctx = traffic.context(seed, day, zone, t0)
    team = _teams(rng, ctx, crew)
    # Outcomes at pace 1 for a stand-in agent of the team; the agent who takes the call
    # sets its pace below.
    lead = np.argsort(crew.team, kind="stable")[np.searchsorted(np.sort(crew.team), team)]
    o = traffic.outcomes(rng, ctx, lead, replace(crew, pace=np.ones(len(crew.team))))
    inbound = o.kind == ANSWERED
    busy = o.answered | (o.kind == OUT_MISSED)
    ready = t0 + (o.ivr + o.wait) * 1000
    idx = np.flatnonzero(busy)
    idx = idx[np.argsort(ready[idx], kind="stable")]
    parts = np.stack([o.ring, o.talk, o.hold, o.acw], axis=1)[idx]
    agent, began = _assign(team[idx], ready[idx], parts, crew.pace, crew)
    user, delay = o.user.copy(), np.zeros(n, dtype=np.int64)
    user[idx], delay[idx] = agent, began - ready[idx]
    pace = crew.pace[np.maximum(user, 0)]
    o = replace(o, user=np.where(o.user >= 0, user, -1), talk=_paced(o.talk, pace, 5),
                acw=_paced(o.acw, pace, 0))
    length = (o.ring + o.talk + o.hold + o.acw) * 1000
    wait = o.wait + np.where(inbound, delay // 1000, 0)
    gave_up = inbound & (wait > o.patience)
    start = t0 + np.where(busy & ~inbound, delay, 0)  # outbound: dialled when the agent is free
    # The end of the UTC day: calls that would run past it are cut short (or dropped).
    cap = (day + 1) * _DAY_MS - 1000
    s = start + np.where(inbound, (o.ivr + wait) * 1000, 0)
    over = np.maximum(0, s + length - cap) // 1000
    cut = busy & ~gave_up & (over > 0)
    talk = np.where(cut, (cap - s) // 1000 - o.ring, o.talk)
    ring = np.where(cut & (o.kind == OUT_MISSED), (cap - s) // 1000, o.ring)
    # No agent free before the day ends (an overloaded day): the caller gives up, the
    # dialler's call goes unanswered with no agent on it.
    lost = cut & np.where(o.kind == OUT_MISSED, ring < 1, talk < 1)
    gave_up |= lost & inbound
    unplaced = lost & ~inbound
    kind = np.where(gave_up, np.where(o.patience < traffic.SHORT_ABANDON, SHORT, ABANDONED),
                    np.where(unplaced, OUT_MISSED, o.kind))
    staffed = busy & ~gave_up & ~unplaced
    zero = np.zeros(n, dtype=np.int64)
    o = replace(o, kind=kind, user=np.where(staffed | ~busy, o.user, -1),
                wait=np.where(gave_up, o.patience, wait),
                ring=np.where(staffed, ring, np.where(gave_up, 0, o.ring)),
                talk=np.where(staffed, talk, zero), hold=np.where(staffed & ~cut, o.hold, zero),
                acw=np.where(staffed & ~cut, o.acw, zero))
    start = np.where(staffed, start, np.minimum(np.where(unplaced, t0, start),
                                                cap - o.total * 1000))
    slot = np.clip((start - day * _DAY_MS) // traffic.SLOT_MS, 0, traffic.SLOTS - 1)
    o = replace(o, business=traffic.business_hours(
        *traffic.local_clock(start, shape.offset_ms[slot])))
    ring_start = start + np.where((o.kind == OUT_MISSED) | (o.kind == traffic.OUT), 0,
                                  (o.ivr + o.wait) * 1000)
    return Calls(o, start, start + o.total * 1000, ring_start, _hex(rng, n), _uuid(rng, n))


@lru_cache(maxsize=64)
def view(slug: str, seed: int, day: int, zone: str, rate: float,
         user_team: bytes) -> tuple[NDArray[Any], dict[str, Any]]:
    """``(events, model columns)`` of one report's rows of the day, sorted by event.

    ``model`` is what `traffic.model` returns: ``user``, ``span`` and whole columns by key.
    """
    c = simulate(seed, day, zone, rate, user_team)
    if slug == "ring_attempts":
        return timeline.ring_attempts(c, traffic.day_rng(seed, day, _SIM + 1),
                                      traffic.agents(seed, user_team))
    if slug == "user_status":
        return timeline.user_status(c, traffic.day_shape(day, zone), day,
                                    traffic.agents(seed, user_team),
                                    traffic.day_rng(seed, day, _SIM + 2))
    order = np.argsort(c.end, kind="stable")
    events = c.end[order]
    o = _take(c.o, order)
    model: dict[str, Any] = {"user": o.user, **traffic.VIEWS[slug](o, events)}
    if slug in ("contacts", "explore_calls"):
        model["interaction_id"] = c.iid.take(order)
    if slug == "contacts":
        model["contact_id"] = c.cid.take(order)
    return events, model
