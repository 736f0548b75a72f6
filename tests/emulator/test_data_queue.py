"""The voice day as one queue (issue 18, item 1; break-it pass 18e).

Callers who abandon never occupy an agent, so an overloaded day keeps its agents busy;
every ring reaches an agent who is Available; one rate drives every voice report and the
staff; and the day is the account's local day, so nothing happens at UTC midnight.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from explore_pandas.emulator import Emulator, data, localday

LISBON, LA = "Europe/Lisbon", "America/Los_Angeles"
SEED = 0
CALLS = data.REPORTS["calls"].default_rate
OVERLOAD = 13  # times the default volume: far more calls than the 40 agents can take
OFFERED = ["inbound", "abandoned", "short_abandoned", "missed", "voicemail"]


def week(zone: str) -> tuple[datetime, datetime]:
    start = datetime(2026, 5, 4, tzinfo=ZoneInfo(zone))  # Monday to Monday
    return start, start + timedelta(days=7)


def voice(slug: str, zone: str = LISBON, factor: float = 1.0) -> pd.DataFrame:
    """A week of a voice report at ``factor`` times the default calls."""
    rate = data.voice_rate({"calls": CALLS * factor}, slug)
    return data.generate(slug, *week(zone), seed=SEED, rate=rate, account_timezone=zone)


def open_hours(times: pd.Series, zone: str = LISBON) -> pd.Series:
    local = times.dt.tz_convert(zone)
    return local.dt.hour.between(9, 18) & (local.dt.day_of_week < 5)


def busy_share(status: pd.DataFrame) -> float:
    """Share of agents' time in business hours spent on calls and their wrap-up."""
    day = status[open_hours(status["status_end_at"])]
    on = day["status_label"].isin(["On A Call", "After Call Work"])
    return float(day["status_time"][on].sum() / day["status_time"].sum())


@pytest.fixture(scope="module")
def overloaded() -> dict[str, pd.DataFrame]:
    return {slug: voice(slug, factor=OVERLOAD) for slug in ("calls", "user_status")}


def test_an_overloaded_day_keeps_every_agent_busy(overloaded: dict[str, pd.DataFrame]) -> None:
    calls, status = overloaded["calls"], overloaded["user_status"]
    normal_calls, normal_status = voice("calls"), voice("user_status")
    offered = calls[calls["type"].isin(OFFERED) & open_hours(calls["start_at"])]
    abandoned = offered["type"].isin(["abandoned", "short_abandoned"]).mean()
    assert abandoned > 0.6  # far more callers than agents ...
    assert busy_share(status) > 0.9  # ... and the agents are all on them
    assert busy_share(normal_status) < 0.6
    # No abandoning caller took an agent's time: the agents' time goes to answered calls,
    # so they answer far more than on an ordinary day, up to what their shifts hold.
    answered = calls["type"].isin(["inbound", "outbound"])
    normal = normal_calls["type"].isin(["inbound", "outbound"])
    assert answered.sum() > 1.8 * normal.sum()
    worked = status["status_time"].where(
        status["status_label"].isin(["On A Call", "After Call Work"]), 0).sum()
    staffed = calls["user_id"].notna()
    handled = (calls["talk_time"] + calls["hold_time"] + calls["total_ringing_time"])[staffed]
    assert handled.sum() <= worked * 1.01
    abandoned_calls = calls[calls["type"].isin(["abandoned", "short_abandoned"])]
    assert abandoned_calls["user_id"].isna().all()
    assert (abandoned_calls["talk_time"] == 0).all()


def test_a_small_account_has_a_small_staff_and_short_waits() -> None:
    calls, status = voice("calls", factor=5 / CALLS), voice("user_status", factor=5 / CALLS)
    inbound = calls[calls["type"].eq("inbound")]
    assert len(calls) < 100 and len(inbound) > 5
    assert inbound["wait_time"].quantile(0.9) <= 20
    assert status["user_id"].nunique() <= 8  # one or two agents of each team on duty
    assert busy_share(status) < 0.2


def status_at_each_ring(zone: str, factor: float) -> pd.DataFrame:
    """Each ring attempt with its agent's status at the moment the ring started."""
    rings = voice("ring_attempts", zone, factor).sort_values("ring_started_at_time")
    status = voice("user_status", zone, factor).sort_values("status_start_at")
    return pd.merge_asof(
        rings, status[["user_email", "status_start_at", "status_end_at", "status_label"]],
        left_on="ring_started_at_time", right_on="status_start_at", by="user_email",
        direction="backward")


@pytest.mark.parametrize(("zone", "factor"), [(LISBON, 1.0), (LA, 1.0), (LISBON, OVERLOAD)])
def test_every_ring_reaches_an_available_agent(zone: str, factor: float) -> None:
    rings = status_at_each_ring(zone, factor)
    available = (rings["status_label"].eq("Available")
                 & (rings["ring_started_at_time"] < rings["status_end_at"]))
    unanswered = ~rings["attempt_type"].eq("Accepted")
    assert unanswered.sum() > 100  # missed, ignored and rejected rings
    assert available[unanswered].all(), rings[unanswered & ~available].head()
    assert available.all(), rings[~available].head()


def test_one_rate_drives_every_voice_report() -> None:
    day = (datetime(2026, 5, 5, tzinfo=ZoneInfo(LISBON)),
           datetime(2026, 5, 6, tzinfo=ZoneInfo(LISBON)))
    by_calls = Emulator(seed=SEED, rates={"calls": 20 * CALLS})
    by_contacts = Emulator(seed=SEED, rates={"contacts": 20 * CALLS, "messaging_traffic": 5.0})
    default = Emulator(seed=SEED)
    try:
        calls = by_calls.truth("calls", *day)
        contacts = by_calls.truth("contacts", *day)
        assert len(calls) > 15 * CALLS
        assert len(contacts) == len(calls)  # one simulated day: the same calls
        inbound = calls["type"].isin(OFFERED).sum()
        assert contacts["direction"].eq("IN").sum() == inbound
        assert by_calls.count_rows("ring_attempts", *day) > 2 * default.count_rows(
            "ring_attempts", *day)
        pd.testing.assert_frame_equal(by_contacts.truth("calls", *day), calls)
        status = by_calls.truth("user_status", *day)
        assert not status.equals(default.truth("user_status", *day))
        # A report outside the voice day keeps its own rate.
        assert data.voice_rate({"calls": 9.0, "messaging_traffic": 5.0}, "messaging_traffic") == 5.0
        assert data.voice_rate({"messaging_traffic": 5.0}, "calls") is None
        assert data.voice_rate({"user_status": 8600.0}, "calls") == 2 * CALLS
    finally:
        for emu in (by_calls, by_contacts, default):
            emu.close()


def test_nothing_happens_at_utc_midnight_in_los_angeles() -> None:
    start = datetime(2026, 5, 1, tzinfo=ZoneInfo(LA))
    calls = data.generate("calls", start, start + timedelta(days=28), seed=SEED,
                          account_timezone=LA)
    end = calls["end_at"]
    assert ((end.dt.hour == 23) & (end.dt.minute == 59) & (end.dt.second == 59)).sum() <= 3
    midnight = end.dt.normalize()
    spans = calls["start_at"] < midnight  # calls that run across 00:00 UTC (16:00-17:00 LA)
    assert spans.sum() > 28
    # An overloaded afternoon: the queue goes on across 00:00 UTC instead of starting empty.
    calls = voice("calls", LA, OVERLOAD)
    offered = calls[calls["type"].isin(OFFERED)]
    utc = offered["start_at"]
    minutes = utc.dt.hour * 60 + utc.dt.minute
    weekday = utc.dt.tz_convert(LA).dt.day_of_week < 5
    gave_up = offered["type"].isin(["abandoned", "short_abandoned"])
    before = gave_up[weekday & minutes.between(23 * 60 + 40, 24 * 60)].mean()
    after = gave_up[weekday & minutes.between(0, 19)].mean()
    assert before > 0.5 and abs(before - after) < 0.1
    waits = offered["wait_time"][offered["type"].eq("inbound") & weekday]
    wait_after = waits[minutes.between(0, 19)].median()
    assert wait_after > 0.5 * waits[minutes.between(23 * 60 + 40, 24 * 60)].median()


def test_overloaded_evenings_run_into_the_next_morning_without_overlap() -> None:
    status = voice("user_status", LA, OVERLOAD).sort_values(["user_id", "status_start_at"])
    previous_end = status.groupby("user_id")["status_end_at"].shift()
    assert not (status["status_start_at"] < previous_end).any()
    night = status[status["team_name"].eq("Night")]
    local = night["status_start_at"].dt.tz_convert(LA)
    assert (local.dt.hour < 1).sum() > 7  # the night team works across local midnight


@pytest.mark.parametrize(("zone", "day", "quarters"), [
    (LISBON, "2026-03-29", 92), (LISBON, "2026-10-25", 100), (LISBON, "2026-05-05", 96),
    ("Australia/Lord_Howe", "2026-04-05", 98), (LA, "2026-03-08", 92),
])
def test_the_simulated_day_is_the_local_day(zone: str, day: str, quarters: int) -> None:
    lday = (pd.Timestamp(day) - pd.Timestamp("1970-01-01")).days
    shape = localday.shape(lday, zone)
    assert shape.slots == quarters
    start = pd.Timestamp(shape.start, unit="ms", tz="UTC").tz_convert(zone)
    assert (start.hour, start.minute, str(start.date())) == (0, 0, day)
    assert localday.index(shape.start, zone) == lday == localday.index(shape.end - 1, zone)
