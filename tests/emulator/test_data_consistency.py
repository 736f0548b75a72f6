"""One account across the voice reports on a seeded month (issue 18, item 1; break-it 18c).

Agents take one call at a time, their status timelines follow their calls, ring attempts
belong to the contacts they rang for, and business-hours flags follow each call's own local
time, in zones with fractional offsets too.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from explore_pandas.emulator import data

LISBON = "Europe/Lisbon"
SEED = 0
START = datetime(2026, 5, 1, tzinfo=ZoneInfo(LISBON))
END = datetime(2026, 6, 1, tzinfo=ZoneInfo(LISBON))
STAFFED = ["inbound", "outbound", "outbound_missed"]  # calls an agent is on


@pytest.fixture(scope="module")
def month() -> dict[str, pd.DataFrame]:
    return {slug: data.generate(slug, START, END, seed=SEED)
            for slug in ("calls", "user_status", "contacts", "ring_attempts")}


def handling(calls: pd.DataFrame) -> pd.DataFrame:
    """Each staffed call's agent and the span the agent is on it: from the ring it answered
    (inbound; the caller's IVR and queue time are not the agent's) or the dial (outbound)."""
    staffed = calls[calls["type"].isin(STAFFED) & calls["user_id"].notna()]
    inbound = staffed["type"].eq("inbound")
    agent_part = staffed["total_ringing_time"] + staffed["talk_time"] + staffed["hold_time"]
    begin = staffed["end_at"] - pd.to_timedelta(agent_part, unit="s")
    return pd.DataFrame({"user_id": staffed["user_id"], "end": staffed["end_at"],
                         "begin": begin.where(inbound, staffed["start_at"])})


def overlaps(frame: pd.DataFrame, begin: str, end: str) -> int:
    rows = frame.sort_values(["user_id", begin])
    previous_end = rows.groupby("user_id")[end].shift()
    return int((rows[begin] < previous_end).sum())


def test_an_agent_takes_one_call_at_a_time(month: dict[str, pd.DataFrame]) -> None:
    calls = handling(month["calls"])
    assert len(calls) > 20_000
    assert overlaps(calls, "begin", "end") == 0
    hours = (calls["end"] - calls["begin"]).dt.total_seconds().groupby(
        [calls["user_id"], calls["begin"].dt.tz_convert(LISBON).dt.date]).sum() / 3600
    assert hours.max() < 12  # an agent's calls fit their 12-hour shift


def test_user_status_is_one_timeline_per_agent(month: dict[str, pd.DataFrame]) -> None:
    status = month["user_status"]
    assert overlaps(status, "status_start_at", "status_end_at") == 0
    span = (status["status_end_at"] - status["status_start_at"]).dt.total_seconds()
    assert (span == status["status_time"]).all()
    day = status["status_start_at"].dt.tz_convert(LISBON).dt.date
    per_day = status.groupby(["user_id", day])["status_time"].sum() / 3600
    assert per_day.max() <= 24
    assert 8 <= per_day.median() <= 13  # a shift, not a whole day
    # Shifts follow the local clock: day teams from 08:00, the night team from 20:00.
    begin = status["status_start_at"].dt.tz_convert(LISBON).dt.hour
    day_team = status["team_name"].ne("Night")
    assert begin[day_team].between(8, 20).mean() > 0.99


def test_on_a_call_time_is_the_agents_calls(month: dict[str, pd.DataFrame]) -> None:
    status, calls = month["user_status"], month["calls"]
    on_call = status[status["status_label"].eq("On A Call")].groupby("user_id")["status_time"]
    inbound = calls[calls["type"].eq("inbound")]
    outbound = calls[calls["type"].isin(["outbound", "outbound_missed"])]
    expected = (inbound["talk_time"] + inbound["hold_time"]).groupby(inbound["user_id"]).sum()
    expected = expected.add(outbound.groupby("user_id")["total_time"].sum(), fill_value=0)
    ratio = on_call.sum() / expected
    assert len(ratio) == 40
    assert ratio.between(0.98, 1.02).all(), ratio.describe()
    # Interval by interval: each "On A Call" is one of the agent's calls.
    spans = handling(calls)
    inside = pd.merge_asof(
        status[status["status_label"].eq("On A Call")].sort_values("status_end_at"),
        spans.sort_values("end"), left_on="status_end_at", right_on="end", by="user_id",
        direction="nearest")
    assert (inside["status_end_at"] == inside["end"]).mean() > 0.99


def test_ring_attempts_belong_to_the_contacts(month: dict[str, pd.DataFrame]) -> None:
    rings, contacts = month["ring_attempts"], month["contacts"]
    answered = contacts[contacts["contact_type"].eq("Answered") & contacts["direction"].eq("IN")]
    accepted = rings[rings["attempt_type"].eq("Accepted")]
    assert abs(len(accepted) - len(answered)) <= 0.01 * len(answered)
    assert accepted["interaction_id"].is_unique
    assert accepted["interaction_id"].isin(answered["interaction_id"]).mean() > 0.99
    assert rings["interaction_id"].isin(contacts["interaction_id"]).mean() > 0.99
    # Some rings reach other agents first; they share the call's interaction and contact.
    before = rings[~rings["attempt_type"].eq("Accepted")]
    assert 0.05 < len(before) / len(accepted) < 0.6
    pairs = rings[["interaction_id", "contact_id"]].drop_duplicates()
    assert pairs["interaction_id"].is_unique
    merged = accepted.merge(answered, on="interaction_id", suffixes=("", "_c"))
    assert (merged["user_email"].notna()).all()
    assert (merged["contact_id"] == merged["contact_id_c"]).all()
    # The calls report's call_id is another id space (explore-api.md 8.3): kept distinct.
    assert not month["calls"]["call_id"].isin(contacts["interaction_id"]).any()


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Pacific/Chatham", LISBON])
def test_business_hours_follow_each_calls_local_time(zone: str) -> None:
    start = datetime(2026, 5, 4, tzinfo=ZoneInfo(zone))
    calls = data.generate("calls", start, start.replace(day=18), seed=SEED,
                          account_timezone=zone)
    local = calls["start_at"].dt.tz_convert(zone)
    hour, weekday = local.dt.hour, local.dt.day_of_week < 5
    expected = np.where(weekday, hour.between(8, 19), hour.between(9, 17))
    assert (calls["is_in_business_hours"] == expected).all()
    assert hour.between(8, 19).mean() > 0.85  # the profile is the local clock's
    assert 10 <= hour.value_counts().idxmax() <= 14
