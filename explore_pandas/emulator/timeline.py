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

EVENING = traffic.NIGHT_TEAM + 1  # `account`'s heap of the night team's evening
_SPAN = 4 * 86_400_000  # ms of (agent, time) keys: a local day, the day before, overtime

_DAY_MS = 86_400_000
_ATTEMPTS = pa.array(["Accepted", "Missed", "Ignored", "Rejected"])
_RING_SLOT = 15  # seconds: a ring that times out; earlier rings sit back to back
_STATUSES = pa.array(["On A Call", "After Call Work", "Available", "Away", "Busy", "Offline"])
_ON_CALL, _WRAP_UP, _AVAILABLE = 0, 1, 2
_BREAK_AFTER = 600  # seconds idle before an agent may take a break
_BREAK_SHARE = 0.35  # of such idle spells that hold a break
_BREAKS = np.array([0.5, 0.35, 0.15])  # Away, Busy, Offline


def ring_attempts(c: Calls, rng: np.random.Generator) -> tuple[NDArray[Any], dict[str, Any]]:
    """One accepted ring per answered inbound call, after the unanswered rings that the
    queue sent to Available teammates during the wait (`account._assign`); one missed ring
    per missed call."""
    o = c.o
    taken = np.flatnonzero((o.kind == ANSWERED) & (o.user >= 0))
    missed = np.flatnonzero((o.kind == MISSED) & (o.user >= 0))
    call, other, begin = c.rings.T
    kind = rng.choice(3, size=len(call), p=[0.45, 0.35, 0.2]) + 1  # Missed, Ignored, Rejected
    secs = np.where(kind == 3, rng.integers(2, 9, len(call)), rng.integers(12, _RING_SLOT + 1,
                                                                            len(call)))
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


def _shifts(c: Calls) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """``(agent, start, end)`` of the shifts of the agents on duty, by agent and time: day
    teams work the day shift; the night team the night before 08:00 and after 20:00."""
    shape = c.shape
    flags = shape.day_shift
    bounds = np.r_[0, np.flatnonzero(flags[1:] != flags[:-1]) + 1, shape.slots]
    lo = shape.start + bounds[:-1] * traffic.SLOT_MS
    hi = np.minimum(shape.start + bounds[1:] * traffic.SLOT_MS, shape.end)
    on_day = flags[bounds[:-1]]
    night = c.crews == traffic.NIGHT_TEAM
    works = np.where(on_day[None, :], ((c.crews >= 0) & ~night)[:, None], night[:, None])
    agent, window = np.nonzero(works)  # agent x window: the agent works it
    # The morning starts once the last evening's calls are wrapped up.
    begin = np.where(window == 0, np.maximum(lo[window], c.carry[agent]), lo[window])
    return agent, begin, np.maximum(hi[window], begin)


def _key(agent: NDArray[Any], ms: NDArray[Any], c: Calls) -> NDArray[Any]:
    """One sortable number per (agent, time) of the local day and its overtime."""
    key: NDArray[Any] = agent * _SPAN + (ms - c.shape.start + _DAY_MS)
    return key


def _first_rings(c: Calls, gap_user: NDArray[Any], gap_from: NDArray[Any],
                 gap_ring: NDArray[Any]) -> NDArray[Any]:
    """``gap_ring`` moved back to the first ring that is not a staffed call's (an unanswered
    ring, a missed call's) inside each idle spell: a break ends before the phone rings."""
    o = c.o
    missed = np.flatnonzero((o.kind == MISSED) & (o.user >= 0))
    who = np.concatenate([o.user[missed], c.rings[:, 1]])
    when = np.concatenate([c.ring_start[missed], c.rings[:, 2]])
    keys = _key(gap_user, gap_from, c)
    order = np.argsort(keys, kind="stable")
    spell = order[np.maximum(np.searchsorted(keys[order], _key(who, when, c), "right") - 1, 0)]
    inside = (gap_user[spell] == who) & (gap_from[spell] <= when) & (when < gap_ring[spell])
    capped = gap_ring.copy()
    np.minimum.at(capped, spell[inside], when[inside])
    return capped


def user_status(c: Calls, rng: np.random.Generator) -> tuple[NDArray[Any], dict[str, Any]]:
    """Every agent's shifts as one status at a time (see `account`)."""
    o = c.o
    staffed = np.flatnonzero((o.answered | (o.kind == OUT_MISSED)) & (o.user >= 0))
    agent, lo, hi = _shifts(c)
    # The shift of each call: its agent's last shift starting before the ring.
    key = _key(agent, lo, c)
    call_key = _key(o.user[staffed], c.ring_start[staffed], c)
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
    # ... or when the last call that rang the agent out stops ringing.
    rang = np.flatnonzero((o.kind == MISSED) & (o.user >= 0))
    at = np.maximum(np.searchsorted(key, _key(o.user[rang], c.ring_start[rang], c), "right") - 1, 0)
    mine = agent[at] == o.user[rang]
    np.maximum.at(hi, at[mine], (c.ring_start[rang] + o.ring[rang] * 1000)[mine])
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
    gap_ring = _first_rings(c, gap_user, gap_from, gap_ring)
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
