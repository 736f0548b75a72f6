"""The account's local days: the voice day (`account.simulate`) runs from one local midnight
of ``account_timezone`` to the next, so that nothing is cut at UTC midnight, which can fall
inside business hours (16:00 in Los Angeles). Local midnight is quiet (the night team's
shift), and a daylight-saving day has 23 or 25 hours.

A local day is numbered like a UTC day: the days since 1970-01-01 of the local calendar.
Its clock works in the UTC quarter hours from its first instant (every zone's offset, and
every change of it, is a whole number of quarter hours).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from explore_pandas.emulator import traffic

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DAY_MS = 86_400_000
_MS = timedelta(milliseconds=1)


@lru_cache(maxsize=8192)
def midnight(lday: int, zone: str) -> int:
    """The first instant (epoch ms) of local day ``lday``; a skipped midnight is 01:00."""
    try:
        d = date(1970, 1, 1) + timedelta(days=lday)
        local = datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(zone))
        return int((local - _EPOCH) // _MS)
    except OverflowError:  # the first or last day Python can represent: take UTC's
        return lday * _DAY_MS


def index(ms: int, zone: str) -> int:
    """The local day holding the instant ``ms``."""
    guess = ms // _DAY_MS
    for lday in (guess - 1, guess, guess + 1):
        if midnight(lday, zone) <= ms < midnight(lday + 1, zone):
            return lday
    return guess


@dataclass(frozen=True)
class Shape:
    """The clock of one local day over its UTC quarter hours (92, 96 or 100 of them)."""

    start: int  # epoch ms of local midnight
    end: int  # epoch ms of the next local midnight
    weights: NDArray[Any]  # P(a call of the day arrives in each quarter hour)
    volume: float  # calls of the day relative to the mean day
    local_hour: NDArray[Any]
    day_shift: NDArray[Any]  # bool: the day teams' shift (else the night team's)
    busy: NDArray[Any]  # arrivals of the local hour relative to the peak hour
    offset_ms: NDArray[Any]  # the zone's UTC offset in each quarter hour

    @property
    def slots(self) -> int:
        return len(self.weights)

    def slot(self, ms: NDArray[Any]) -> NDArray[Any]:
        """The quarter hour of each instant (clipped to the day)."""
        slot: NDArray[Any] = np.clip((ms - self.start) // traffic.SLOT_MS, 0, self.slots - 1)
        return slot

    def business(self, ms: NDArray[Any]) -> NDArray[Any]:
        """Whether each instant is in business hours, by its own local time."""
        return traffic.business_hours(*traffic.local_clock(ms, self.offset_ms[self.slot(ms)]))


@lru_cache(maxsize=4096)
def shape(lday: int, zone: str) -> Shape:
    start, end = midnight(lday, zone), midnight(lday + 1, zone)
    slot_ms = start + np.arange(max(1, (end - start) // traffic.SLOT_MS)) * traffic.SLOT_MS
    tz = ZoneInfo(zone)
    try:
        offsets = [datetime.fromtimestamp(int(t) // 1000, tz).utcoffset() for t in slot_ms]
        offset_ms = np.array([o // _MS if o is not None else 0 for o in offsets], dtype=np.int64)
    except (OverflowError, ValueError, OSError):
        offset_ms = np.zeros(len(slot_ms), dtype=np.int64)
    hours, weekdays = traffic.local_clock(slot_ms, offset_ms)
    intensity = traffic.hourly_intensity(hours, weekdays)
    day_shift = (hours >= traffic.DAY_START) & (hours < traffic.DAY_END)
    out = Shape(start, end, intensity / intensity.sum(), float(intensity.sum()), hours,
                day_shift, traffic.busy_of(hours, weekdays), offset_ms)
    for arr in (out.weights, out.local_hour, out.day_shift, out.busy, out.offset_ms):
        arr.setflags(write=False)  # shared through the cache
    return out


@lru_cache(maxsize=4096)
def conditions(seed: int, lday: int, zone: str, scale: float) -> traffic.Conditions:
    """The day's conditions (`traffic.day_draws`, the same draws as the UTC day of the same
    number) over the local day's quarter hours; ``scale`` as in `traffic.occupancy`."""
    volume, staffing, hourly = traffic.day_draws(seed, lday)
    s = shape(lday, zone)
    return traffic.Conditions(volume, traffic.occupancy(volume / staffing, s.busy,
                                                        hourly[s.local_hour], scale))
