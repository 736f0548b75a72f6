"""The contact-centre model behind the emulator's synthetic data: when contacts arrive, who
takes them, how long they wait, talk and hold, and which of them are abandoned.

Vectorised over one day's rows and seeded (`data.py`); the voice reports' day is local (`account`):

- **Arrivals** follow the account's local clock (``account_timezone``, Europe/Lisbon by
  default): a business day from 08:00 to 20:00 with a late-morning peak, far fewer at night,
  and weekends at a third to a half of a weekday. `day_shape` (`localday.shape`) turns that
  into weights of the quarter hours of a UTC (local) day, daylight-saving days included.
- **Day conditions** (`conditions`) are drawn per ``(seed, day)``, shared by every report: a
  little day-to-day noise, and now and then a surge in volume or a short-staffed day. They
  set the occupancy ``load`` of each hour: busier hours and bad days load agents more.
- **Agents** belong to teams (`values.Pools`); day teams work 08:00-20:00 local, the
  "Night" team the rest. Each team has its own talk, hold and wrap-up times (lognormal, with
  a few long outliers) and each agent their own pace.
- **Calls** (`outcomes`): the wait grows with the hour's load (a queue: the chance of waiting
  and the mean wait both rise steeply as occupancy nears 1); callers give up when their
  patience runs out before the wait does, so abandonment rises with the wait; long waits are
  offered voicemail. ``calls``, ``contacts`` and ``explore_calls`` are three views of the
  same model, so their service level, abandonment and talk times agree.

`model` returns, for one report and day, the per-row agent and the columns the model owns
(by JSON key); `values.day_columns` draws every other column as before.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from explore_pandas.emulator.values import Pools

DEFAULT_ZONE = "Europe/Lisbon"

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_HOUR_MS = 3_600_000
SLOTS, SLOT_MS = 96, 900_000  # the day's clock works in UTC quarter hours
_QUARTER = timedelta(minutes=15)
_DAY_BIAS = 1 << 20  # as in data.py: SeedSequence entropy must be non-negative
_CONDITIONS, _AGENTS = 3, 4  # RNG streams of their own, keyed by seed and day only

#: Relative arrivals per local hour: business hours 08-20, a late-morning peak, a lunch dip.
_HOURLY_RAW = np.array([0.06, 0.04, 0.03, 0.03, 0.03, 0.05, 0.15, 0.5,
                        1.4, 2.3, 2.9, 3.1, 2.6, 2.5, 2.8, 2.6,
                        2.3, 1.9, 1.4, 0.9, 0.5, 0.3, 0.18, 0.1])
_HOURLY = _HOURLY_RAW / _HOURLY_RAW.sum()
_BUSY = _HOURLY_RAW / _HOURLY_RAW.max()  # 1 at the peak hour
#: Monday..Sunday arrivals, mean 1, so that ``rate`` stays the mean rows per day.
_WEEKDAY_RAW = np.array([1.15, 1.1, 1.05, 1.05, 1.0, 0.45, 0.3])
_WEEKDAY = _WEEKDAY_RAW / _WEEKDAY_RAW.mean()
#: Monday..Sunday occupancy: staffing follows the weekly forecast, Mondays least well.
_WEEKDAY_LOAD = np.array([1.04, 1.01, 1.0, 0.99, 0.99, 0.97, 0.96])
DAY_START, DAY_END = 8, 20  # the day teams' shift, local hours; "Night" covers the rest
_OPEN = {False: (8, 20), True: (9, 18)}  # business hours (weekend?) for the *_business_hours flags

#: Per team, in `values._TEAMS` order: median talk (s), share of calls with a hold, median
#: wrap-up (s). Support is quick, retention and VIP calls are long.
TEAM_TALK = np.array([200.0, 330.0, 260.0, 430.0, 520.0, 170.0])
_TEAM_HOLD = np.array([0.25, 0.12, 0.35, 0.3, 0.2, 0.2])
TEAM_ACW = np.array([40.0, 25.0, 60.0, 45.0, 50.0, 30.0])
NIGHT_TEAM = 5

_BASE_LOAD = 0.87  # occupancy of an ordinary day's peak hour, before noise
_ABSORB = 0.5
_MAX_LOAD = 0.95
_PATIENCE = 75.0  # mean seconds a caller waits before giving up
SHORT_ABANDON = 10  # seconds: abandons quicker than this are "short_abandoned"
_VOICEMAIL_AFTER = 90  # seconds of waiting after which voicemail is offered


# --- the clock --------------------------------------------------------------------------


@dataclass(frozen=True)
class DayShape:
    """The local clock over the 96 quarter hours (UTC) of one UTC day.

    Quarter hours, not hours: zones such as Asia/Kolkata (+05:30) or Pacific/Chatham
    (+12:45) start their local hours inside a UTC hour, but every zone's offset is a whole
    number of quarter hours, so each UTC quarter hour lies within one local hour.
    """

    weights: NDArray[Any]  # P(an event of the day falls in each UTC quarter hour)
    volume: float  # expected rows of the day, relative to the mean day
    local_hour: NDArray[Any]
    day_shift: NDArray[Any]  # bool: the day teams' shift (else the night team's)
    business: NDArray[Any]  # bool: inside business hours
    busy: NDArray[Any]  # arrivals of the local hour relative to the peak hour
    offset_ms: NDArray[Any]  # the zone's UTC offset in each quarter hour


def local_clock(events: NDArray[Any], offset_ms: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """Local hour and weekday (Monday 0) of each event, given the offset of its quarter."""
    local = events + offset_ms
    return (local // _HOUR_MS) % 24, (local // 86_400_000 + 3) % 7  # 1970-01-01: a Thursday


def business_hours(hour: NDArray[Any], weekday: NDArray[Any]) -> NDArray[Any]:
    weekend = weekday >= 5
    opens = np.where(weekend, _OPEN[True][0], _OPEN[False][0])
    closes = np.where(weekend, _OPEN[True][1], _OPEN[False][1])
    flags: NDArray[Any] = (hour >= opens) & (hour < closes)
    return flags


def hourly_intensity(hour: NDArray[Any], weekday: NDArray[Any]) -> NDArray[Any]:
    """Expected arrivals per quarter hour at these local hours and weekdays (mean day: 1)."""
    intensity: NDArray[Any] = _HOURLY[hour] * _WEEKDAY[weekday] / 4
    return intensity


def busy_of(hour: NDArray[Any], weekday: NDArray[Any]) -> NDArray[Any]:
    busy: NDArray[Any] = _BUSY[hour] * _WEEKDAY_LOAD[weekday]
    return busy


@lru_cache(maxsize=8192)
def day_shape(day: int, zone: str) -> DayShape:
    """The local hour, weekday and arrival weight of each UTC quarter of ``day`` (DST-aware)."""
    tz = ZoneInfo(zone)
    base = _EPOCH + timedelta(days=day)
    try:
        offsets = [(base + k * _QUARTER).astimezone(tz).utcoffset() for k in range(SLOTS)]
        offset_ms = np.array([o // timedelta(milliseconds=1) for o in offsets if o is not None])
        if len(offset_ms) != SLOTS:
            raise OverflowError
    except OverflowError:  # the first or last day Python can represent: no zone shift there
        offset_ms = np.zeros(SLOTS, dtype=np.int64)
    slot_ms = day * 86_400_000 + np.arange(SLOTS) * SLOT_MS
    hours, weekdays = local_clock(slot_ms, offset_ms)
    intensity = hourly_intensity(hours, weekdays)
    shape = DayShape(
        intensity / intensity.sum(), float(intensity.sum()), hours,
        (hours >= DAY_START) & (hours < DAY_END), business_hours(hours, weekdays),
        busy_of(hours, weekdays), offset_ms,
    )
    for arr in (shape.weights, shape.local_hour, shape.day_shift, shape.business, shape.busy,
                shape.offset_ms):
        arr.setflags(write=False)  # shared through the cache
    return shape


def day_rng(seed: int, day: int, stream: int) -> np.random.Generator:
    entropy = [int(seed), zlib.crc32(b"traffic"), day + _DAY_BIAS, stream]
    return np.random.default_rng(np.random.SeedSequence(entropy))


@dataclass(frozen=True)
class Conditions:
    """What kind of day it was, the same for every report of a seed."""

    volume: float  # arrivals relative to an ordinary day
    load: NDArray[Any]  # occupancy of agents in each UTC quarter hour, 0..1


@lru_cache(maxsize=8192)
def conditions(seed: int, day: int, zone: str) -> Conditions:
    """Day-to-day noise, surges (more calls than planned) and short-staffed days."""
    volume, staffing, hourly = day_draws(seed, day)
    load = occupancy(volume / staffing, day_shape(day, zone).busy, hourly.repeat(4), 1.0)
    return Conditions(volume, load)


def day_draws(seed: int, day: int) -> tuple[float, float, NDArray[Any]]:
    """``(volume, staffing, hourly noise)`` of a day: surges, short-staffed days, noise."""
    rng = day_rng(seed, day, _CONDITIONS)
    surge, short, noise, staff, hourly = rng.random(), rng.random(), rng.lognormal(
        0.0, 0.06), rng.lognormal(0.0, 0.03), rng.lognormal(0.0, 0.025, 24)
    volume = noise * (rng.uniform(1.2, 1.45) if surge < 0.06 else 1.0)
    staffing = staff * (rng.uniform(0.78, 0.9) if short < 0.06 else 1.0)
    return float(volume), float(staffing), hourly


def occupancy(ratio: float, busy: NDArray[Any], hourly: NDArray[Any],
              scale: float) -> NDArray[Any]:
    """Agents' occupancy per slot; ``scale`` (<= 1) lowers it when few calls meet the staff.

    Real-time management absorbs part of a bad day: occupancy moves less than the ratio.
    """
    load = _BASE_LOAD * scale * ratio ** _ABSORB * (0.7 + 0.3 * busy) * hourly
    capped: NDArray[Any] = np.minimum(load, _MAX_LOAD)
    capped.setflags(write=False)
    return capped


@dataclass(frozen=True)
class Context:
    """Per-row facts of one day's events: what the clock and the day say about each row."""

    slot: NDArray[Any]  # UTC quarter hour of the day, 0..95
    day_shift: NDArray[Any]
    business: NDArray[Any]  # from the row's own local time, not its quarter's or hour's
    load: NDArray[Any]


def context(seed: int, day: int, zone: str, events: NDArray[Any]) -> Context:
    shape, cond = day_shape(day, zone), conditions(seed, day, zone)
    slot = np.clip((events - day * 86_400_000) // SLOT_MS, 0, SLOTS - 1)
    hour, weekday = local_clock(events, shape.offset_ms[slot])
    return Context(slot, shape.day_shift[slot], business_hours(hour, weekday), cond.load[slot])


# --- agents -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Agents:
    team: NDArray[Any]  # team index per agent
    pace: NDArray[Any]  # multiplies the agent's talk and wrap-up times
    day: NDArray[Any]  # agent indexes on the day shift
    night: NDArray[Any]  # agent indexes on the night shift


@lru_cache(maxsize=256)
def agents(seed: int, user_team: bytes) -> Agents:
    team = np.frombuffer(user_team, dtype=np.int64)
    pace = day_rng(seed, 0, _AGENTS).lognormal(0.0, 0.2, len(team))
    return Agents(team, pace, np.flatnonzero(team != NIGHT_TEAM),
                  np.flatnonzero(team == NIGHT_TEAM))


def _agents(seed: int, pools: Pools) -> Agents:
    return agents(seed, np.ascontiguousarray(pools.user_team, dtype=np.int64).tobytes())


def on_duty(rng: np.random.Generator, ctx: Context, crew: Agents) -> NDArray[Any]:
    """An agent on shift at each row's time: a day team's by day, the night team's at night."""
    u = rng.random(len(ctx.slot))
    night = crew.night if len(crew.night) else crew.day
    return np.where(ctx.day_shift, crew.day[(u * len(crew.day)).astype(np.int64)],
                    night[(u * len(night)).astype(np.int64)])


# --- calls ------------------------------------------------------------------------------

ANSWERED, OUT, ABANDONED, SHORT, MISSED, OUT_MISSED, VOICEMAIL = range(7)
_CALL_TYPES = pa.array(["inbound", "outbound", "abandoned", "short_abandoned", "missed",
                        "outbound_missed", "voicemail"])
_CONTACT_TYPES = pa.array(["Answered", "Answered", "Abandoned", "Short Abandoned", "Missed",
                           "Missed", "Voicemail"])
_EXPLORE_TYPES = pa.array(["inbound", "outbound", "abandoned", "abandoned", "missed",
                           "missed", "voicemail"])


@dataclass(frozen=True)
class Outcomes:
    """One day's calls: what happened to each, and how long each part took (seconds)."""

    kind: NDArray[Any]  # ANSWERED, OUT, ...
    user: NDArray[Any]  # agent index, -1 when no agent took or rang the call
    ivr: NDArray[Any]
    wait: NDArray[Any]
    ring: NDArray[Any]
    talk: NDArray[Any]
    hold: NDArray[Any]
    acw: NDArray[Any]
    business: NDArray[Any]
    patience: NDArray[Any]  # seconds the caller would wait

    @property
    def total(self) -> NDArray[Any]:
        parts = self.ivr + self.wait + self.ring + self.talk + self.hold
        total: NDArray[Any] = np.maximum(1, parts)
        return total

    @property
    def answered(self) -> NDArray[Any]:
        answered: NDArray[Any] = (self.kind == ANSWERED) | (self.kind == OUT)
        return answered


def _wait(rng: np.random.Generator, load: NDArray[Any]) -> NDArray[Any]:
    """Queue waits: the share that waits at all and the mean wait both grow with the load."""
    waits = rng.random(len(load)) < load ** 6
    mean = 6.0 * load / (1.0 - load)
    return np.where(waits, rng.exponential(1.0, len(load)) * mean, 0.0)


def outcomes(rng: np.random.Generator, ctx: Context, user: NDArray[Any], crew: Agents,
             inbound_share: float = 0.72) -> Outcomes:
    """The fate and timings of a day's calls; ``user`` holds the agent on duty per row."""
    n = len(ctx.slot)
    inbound = rng.random(n) < inbound_share
    wait = _wait(rng, ctx.load)
    patience = rng.exponential(_PATIENCE, n)
    gave_up = inbound & (wait > patience)
    # Voicemail: offered after a long wait, and chosen by some callers out of hours.
    u = rng.random(n)
    voicemail = inbound & ~gave_up & (((wait > _VOICEMAIL_AFTER) & (u < 0.3))
                                      | (~ctx.business & (u > 0.8)))
    missed = inbound & ~gave_up & ~voicemail & (rng.random(n) < 0.02)
    out_missed = ~inbound & (rng.random(n) < 0.18)
    kind = np.select(
        [gave_up & (patience < SHORT_ABANDON), gave_up, voicemail, missed, inbound, out_missed],
        [SHORT, ABANDONED, VOICEMAIL, MISSED, ANSWERED, OUT_MISSED], OUT)
    # Abandoned calls waited as long as their patience, voicemail callers until the offer.
    wait = np.where(gave_up, patience, np.where(voicemail, np.minimum(wait, _VOICEMAIL_AFTER),
                                                 wait))
    wait = np.where(inbound, wait, 0.0)
    answered = (kind == ANSWERED) | (kind == OUT)
    team = crew.team[user]
    # Talk: the team's median, the agent's pace, a lognormal spread and 1% long outliers.
    talk = TEAM_TALK[team] * crew.pace[user] * rng.lognormal(0.0, 0.55, n)
    talk *= np.where(rng.random(n) < 0.01, rng.uniform(4.0, 10.0, n), 1.0)
    hold = np.where(rng.random(n) < _TEAM_HOLD[team], 5 + rng.exponential(50.0, n), 0.0)
    acw = TEAM_ACW[team] * crew.pace[user] * rng.lognormal(0.0, 0.5, n)
    ring = np.select([kind == ANSWERED, kind == MISSED, kind == OUT, kind == OUT_MISSED],
                     [2 + rng.exponential(5.0, n), rng.uniform(20, 30, n),
                      rng.uniform(5, 25, n), rng.uniform(25, 45, n)], 0.0)
    ivr = np.where(inbound, rng.uniform(5, 30, n), 0.0)
    has_agent = answered | (kind == MISSED) | (kind == OUT_MISSED)

    def secs(x: NDArray[Any], keep: NDArray[Any] | None = None) -> NDArray[Any]:
        x = np.rint(x).astype(np.int64)
        return x if keep is None else np.where(keep, x, 0)

    return Outcomes(kind, np.where(has_agent, user, -1), secs(ivr), secs(wait), secs(ring),
                    secs(np.maximum(talk, 5), answered), secs(hold, answered),
                    secs(acw, answered), ctx.business, secs(patience))


# --- per report -------------------------------------------------------------------------


def _calls(o: Outcomes, ms: NDArray[Any]) -> dict[str, Any]:
    return {
        "span": o.total, "type": _CALL_TYPES.take(o.kind), "talk_time": o.talk,
        "wait_time": o.wait, "hold_time": o.hold,
        "abandon_time": np.where((o.kind == ABANDONED) | (o.kind == SHORT), o.wait, 0),
        "total_ringing_time": o.ring, "is_in_business_hours": o.business,
    }


def _explore_calls(o: Outcomes, ms: NDArray[Any]) -> dict[str, Any]:
    return {
        "span": o.total, "call_type": _EXPLORE_TYPES.take(o.kind), "talk_time": o.talk,
        "waiting_time": o.wait, "agent_speed_to_answer": np.where(o.answered, o.ring, 0),
        "holding_time": o.hold, "in_business_hours?": np.where(o.business, "TRUE", "FALSE"),
    }


def _contacts(o: Outcomes, ms: NDArray[Any]) -> dict[str, Any]:
    """The contacts view of the calls: one row per contact, wrap-up included."""
    answered = o.answered
    start = ms - o.total * 1000
    answered_at = start + (o.ivr + o.wait + o.ring) * 1000
    connect = np.where(answered, 1 + (o.ring % 3), 0)
    inbound = (o.kind != OUT) & (o.kind != OUT_MISSED)
    soft = o.hold // 3
    yes_no = np.array(["No", "Yes"])
    return {
        "span": o.total, "direction": np.where(inbound, "IN", "OUT"),
        "contact_type": _CONTACT_TYPES.take(o.kind), "wait_time": o.wait,
        "time_to_missed": np.where(o.kind == MISSED, o.ring, 0),
        "abandon_time": np.where(o.kind == ABANDONED, o.wait, 0),
        "short_abandon_time": np.where(o.kind == SHORT, o.wait, 0),
        "time_to_voicemail": np.where(o.kind == VOICEMAIL, o.wait, 0),
        "ring_time": o.ring, "connect_time": connect,
        "answered_at": (answered_at, ~answered), "connected_at": (answered_at + connect * 1000,
                                                                  ~answered),
        "talk_time": o.talk, "hard_hold_time": o.hold - soft, "soft_hold_time": soft,
        "hold_time": o.hold, "after_call_work_time": o.acw, "handle_time": o.talk + o.hold + o.acw,
        "inside_business_hours": yes_no[o.business.astype(np.int64)],
        # Counted for the service level: inbound contacts but the short abandons.
        "inside_service_level": yes_no[(inbound & (o.kind != SHORT)).astype(np.int64)],
        "within_service_level_threshold": yes_no[
            ((o.kind == ANSWERED) & (o.wait <= 20)).astype(np.int64)],
    }


VIEWS = {"calls": _calls, "contacts": _contacts, "explore_calls": _explore_calls}

def model(slug: str, rng: np.random.Generator, seed: int, day: int, zone: str,
          events: NDArray[Any], pools: Pools) -> dict[str, Any]:
    """The columns the model owns for one report and day, by key, plus ``user``.

    ``user`` is the agent of each row (-1: none); ``span`` (when present) the length in
    seconds of what the row describes. Other values are arrays (durations in seconds) or
    ``(values, missing)`` pairs.
    """
    ctx = context(seed, day, zone, events)
    crew = _agents(seed, pools)
    user = on_duty(rng, ctx, crew)
    view = VIEWS.get(slug)
    if view is None:
        return {"user": user}
    o = outcomes(rng, ctx, user, crew)
    return {"user": o.user, **view(o, events)}
