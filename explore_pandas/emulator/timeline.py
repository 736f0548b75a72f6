"""What the agents did with a day's calls (`account.simulate`): the ring attempts that
reached them and their status timelines, as ``(events, model columns)`` of the
``ring_attempts`` and ``user_status`` reports (see `account.view`). Vectorised per day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from explore_pandas.emulator import traffic
from explore_pandas.emulator.traffic import ANSWERED, MISSED, OUT, OUT_MISSED

if TYPE_CHECKING:
    from explore_pandas.emulator.account import Calls

_DAY_MS = 86_400_000
_ATTEMPTS = pa.array(["Accepted", "Missed", "Ignored", "Rejected"])
_RING_SLOT = 15  # seconds: a ring that times out; earlier rings sit back to back
_STATUSES = pa.array(["On A Call", "After Call Work", "Available", "Away", "Busy", "Offline"])
_ON_CALL, _WRAP_UP, _AVAILABLE = 0, 1, 2
_BREAK_AFTER = 600  # seconds idle before an agent may take a break
_BREAK_SHARE = 0.35  # of such idle spells that hold a break
_BREAKS = np.array([0.5, 0.35, 0.15])  # Away, Busy, Offline


def _teammates(crew: traffic.Agents) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any],
                                                 NDArray[Any]]:
    """Agents sorted by team, each team's first index and size, each agent's place in it."""
    members = np.argsort(crew.team, kind="stable")
    size = np.bincount(crew.team)
    first = np.cumsum(size) - size
    place = np.empty(len(members), dtype=np.int64)
    place[members] = np.arange(len(members)) - first[crew.team[members]]
    return members, first, size, place


def ring_attempts(c: Calls, rng: np.random.Generator,
                  crew: traffic.Agents) -> tuple[NDArray[Any], dict[str, Any]]:
    """One accepted ring per answered inbound call, after 0-2 unanswered rings to teammates
    during the wait; one missed ring per missed call."""
    o = c.o
    taken = np.flatnonzero(o.kind == ANSWERED)
    missed = np.flatnonzero(o.kind == MISSED)
    # Earlier rings to other agents of the team, as many as the wait had room for.
    extra = np.minimum(rng.choice(3, size=len(taken), p=[0.75, 0.18, 0.07]),
                       o.wait[taken] // _RING_SLOT)
    call = np.repeat(taken, extra)
    j = np.arange(len(call)) - np.repeat(np.cumsum(extra) - extra, extra)
    kind = rng.choice(3, size=len(call), p=[0.45, 0.35, 0.2]) + 1  # Missed, Ignored, Rejected
    secs = np.where(kind == 3, rng.integers(2, 9, len(call)), rng.integers(12, _RING_SLOT + 1,
                                                                            len(call)))
    begin = c.ring_start[call] - (j + 1) * _RING_SLOT * 1000
    members, first, size, place = _teammates(crew)
    agent = o.user[call]
    team = crew.team[agent]
    other = members[first[team] + (place[agent] + j + 1) % size[team]]
    rows = np.concatenate([taken, missed, call])
    starts = np.concatenate([c.ring_start[taken], c.ring_start[missed], begin])
    spans = np.concatenate([o.ring[taken], o.ring[missed], secs])
    users = np.concatenate([o.user[taken], o.user[missed], other])
    kinds = np.concatenate([np.zeros(len(taken), np.int64), np.ones(len(missed), np.int64),
                            kind])
    ends = starts + spans * 1000
    order = np.lexsort((users, ends))
    rows = rows[order]
    return ends[order], {
        "user": users[order], "span": spans[order], "attempt_type": _ATTEMPTS.take(kinds[order]),
        "interaction_id": c.iid.take(rows), "contact_id": c.cid.take(rows),
    }


def _shifts(shape: traffic.DayShape, day: int, crew: traffic.Agents) -> tuple[
        NDArray[Any], NDArray[Any], NDArray[Any]]:
    """``(agent, start, end)`` of every agent's shifts within the UTC day, by agent and time."""
    flags = shape.day_shift
    bounds = np.r_[0, np.flatnonzero(flags[1:] != flags[:-1]) + 1, traffic.SLOTS]
    lo = day * _DAY_MS + bounds[:-1] * traffic.SLOT_MS
    hi = np.minimum(day * _DAY_MS + bounds[1:] * traffic.SLOT_MS, (day + 1) * _DAY_MS - 1000)
    on_day = flags[bounds[:-1]]
    night = crew.team == traffic.NIGHT_TEAM
    if not night.any():
        night = np.zeros(len(crew.team), dtype=bool)
    fits = (on_day[None, :] != night[:, None])  # agent x window: the agent works it
    agent, window = np.nonzero(fits)
    return agent, lo[window], hi[window]


def user_status(c: Calls, shape: traffic.DayShape, day: int, crew: traffic.Agents,
                rng: np.random.Generator) -> tuple[NDArray[Any], dict[str, Any]]:
    """Every agent's shifts as one status at a time (see `account`)."""
    o = c.o
    staffed = np.flatnonzero((o.answered | (o.kind == OUT_MISSED)) & (o.user >= 0))
    agent, lo, hi = _shifts(shape, day, crew)
    # The shift of each call: its agent's last shift starting before the ring.
    key = agent * 2 * _DAY_MS + (lo - day * _DAY_MS)
    call_key = o.user[staffed] * 2 * _DAY_MS + (c.ring_start[staffed] - day * _DAY_MS)
    shift = np.maximum(np.searchsorted(key, call_key, side="right") - 1, 0)
    fits = agent[shift] == o.user[staffed]
    staffed, shift = staffed[fits], shift[fits]
    order = np.lexsort((c.ring_start[staffed], shift))
    staffed, shift = staffed[order], shift[order]
    outbound = (o.kind[staffed] == OUT) | (o.kind[staffed] == OUT_MISSED)
    on_from = np.where(outbound, c.start[staffed], c.ring_start[staffed] + o.ring[staffed] * 1000)
    on_to = c.end[staffed]
    free = on_to + o.acw[staffed] * 1000
    hi = hi.copy()
    np.maximum.at(hi, shift, free)  # overtime: a shift ends when its last call is wrapped up
    # Idle spells: from the shift's start or the last wrap-up to the next ring or shift end.
    first = np.r_[True, shift[1:] != shift[:-1]] if len(shift) else np.zeros(0, bool)
    gap_from = np.concatenate([np.where(first, lo[shift], np.r_[0, free[:-1]]), lo])
    gap_ring = np.concatenate([c.ring_start[staffed], hi])
    gap_to = np.concatenate([on_from, hi])
    last_free = lo.copy()
    if len(shift):
        last_free[shift] = free  # rows sorted by time within a shift: the last one wins
    gap_from[len(staffed):] = last_free
    gap_user = np.concatenate([o.user[staffed], agent])
    idle = (gap_ring - gap_from) // 1000
    u = rng.random((3, len(idle)))
    takes = (idle > _BREAK_AFTER) & (u[0] < _BREAK_SHARE)
    x = np.where(takes, np.floor(idle * 0.5 * u[1]), 0).astype(np.int64) * 1000
    y = np.where(takes, np.floor((idle - x / 1000) * (0.3 + 0.6 * u[2])), 0).astype(
        np.int64) * 1000
    label = rng.choice(3, size=len(idle), p=_BREAKS) + 3
    segments = [
        (o.user[staffed], on_from, on_to, np.full(len(staffed), _ON_CALL)),
        (o.user[staffed], on_to, free, np.full(len(staffed), _WRAP_UP)),
        (gap_user, gap_from, gap_from + x, np.full(len(idle), _AVAILABLE)),
        (gap_user, gap_from + x, gap_from + x + y, label),
        (gap_user, gap_from + x + y, gap_to, np.full(len(idle), _AVAILABLE)),
    ]
    users, starts, ends, labels = (np.concatenate(part) for part in zip(*segments))
    real = ends > starts
    users, starts, ends, labels = users[real], starts[real], ends[real], labels[real]
    order = np.lexsort((users, ends))
    return ends[order], {
        "user": users[order], "span": (ends[order] - starts[order]) // 1000,
        "status_label": _STATUSES.take(labels[order]),
    }
