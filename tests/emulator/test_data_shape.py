"""The shape of the emulator's synthetic data on a seeded month (issue 18, item 1).

Each measure is a small function of a frame, so that `test_the_checks_reject_flat_data`
can show the same checks failing on flat data (what the emulator generated before): times
spread over the whole day, one talk-time distribution for every team, waits unrelated to
the load.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from explore_pandas.emulator import data

LISBON = "Europe/Lisbon"  # the emulator's default account zone
SEED = 18
# March 2026 in local days: 31 days, Lisbon's spring DST change (29 March) included.
START = datetime(2026, 3, 1, tzinfo=ZoneInfo(LISBON))
END = datetime(2026, 4, 1, tzinfo=ZoneInfo(LISBON))
OFFERED = ["inbound", "abandoned", "missed", "voicemail"]  # notebook 04's definition


@pytest.fixture(scope="module")
def calls() -> pd.DataFrame:
    return data.generate("calls", START, END, seed=SEED)


@pytest.fixture(scope="module")
def user_status() -> pd.DataFrame:
    return data.generate("user_status", START, END, seed=SEED)


@pytest.fixture(scope="module")
def contacts() -> pd.DataFrame:
    return data.generate("contacts", START, END, seed=SEED)


# --- measures ----------------------------------------------------------------------------


def local(times: pd.Series, zone: str = LISBON) -> pd.Series:
    return times.dt.tz_convert(zone)


def business_share(times: pd.Series, zone: str = LISBON) -> float:
    """Share of rows between 08:00 and 20:00 local time."""
    return float(local(times, zone).dt.hour.between(8, 19).mean())


def peak_hour(times: pd.Series, zone: str = LISBON) -> int:
    return int(local(times, zone).dt.hour.value_counts().idxmax())


def per_day(times: pd.Series, zone: str = LISBON) -> pd.Series:
    """Rows per local day, indexed by the local midnight."""
    return local(times, zone).dt.normalize().value_counts().sort_index()


def weekend_ratio(times: pd.Series) -> float:
    """Mean rows of a Saturday or Sunday over the mean rows of a weekday."""
    days = per_day(times)
    weekend = days.index.day_of_week >= 5
    return float(days[weekend].mean() / days[~weekend].mean())


def team_talk_medians(calls: pd.DataFrame) -> pd.Series:
    answered = calls[calls["type"].isin(["inbound", "outbound"])]
    return answered.groupby("team_name", observed=True)["talk_time"].median()


def daily_service_level(calls: pd.DataFrame, threshold: int = 20) -> pd.Series:
    """Notebook 04: inbound answered within ``threshold`` s over offered calls, per local day."""
    offered = calls[calls["type"].isin(OFFERED)]
    day = local(offered["start_at"]).dt.normalize()
    in_time = offered["type"].eq("inbound") & offered["wait_time"].le(threshold)
    return in_time.groupby(day).sum() / offered.groupby(day).size()


def abandon_rate_by_wait(calls: pd.DataFrame) -> pd.Series:
    """Abandon rate per local day-hour cell, grouped by that cell's mean wait (quartiles)."""
    offered = calls[calls["type"].isin(OFFERED)]
    cell = local(offered["start_at"]).dt.floor("h")
    cells = pd.DataFrame({
        "wait": offered["wait_time"].groupby(cell).mean(),
        "abandoned": offered["type"].eq("abandoned").groupby(cell).mean(),
        "n": offered.groupby(cell).size(),
    })
    cells = cells[cells["n"] >= 20]
    quartile = pd.qcut(cells["wait"], 4, labels=False, duplicates="drop")
    return cells.groupby(quartile)["abandoned"].mean()


# --- shape of a month of calls -----------------------------------------------------------


def test_calls_follow_business_hours_with_a_midday_peak(calls: pd.DataFrame) -> None:
    assert business_share(calls["start_at"]) >= 0.85
    assert 10 <= peak_hour(calls["start_at"]) <= 14
    hours = local(calls["start_at"]).dt.hour.value_counts().reindex(range(24), fill_value=0)
    assert hours[range(6)].max() < hours.max() / 20  # the small hours are nearly empty
    # The same calls by UTC hour: the profile is the account's clock, not UTC's.
    assert 9 <= peak_hour(calls["start_at"], "UTC") <= 13


def test_weekends_are_far_quieter_than_weekdays(calls: pd.DataFrame) -> None:
    assert len(per_day(calls["start_at"])) == 31
    assert weekend_ratio(calls["start_at"]) < 0.6
    days = per_day(calls["start_at"])
    weekday = days[days.index.day_of_week < 5]
    assert weekday.min() > days[days.index.day_of_week >= 5].max()


def test_the_account_zone_moves_the_business_day() -> None:
    ny = data.generate("calls", START, END, seed=SEED, account_timezone="America/New_York")
    assert business_share(ny["start_at"], "America/New_York") >= 0.85
    assert 10 <= peak_hour(ny["start_at"], "America/New_York") <= 14
    assert peak_hour(ny["start_at"], LISBON) >= 14  # New York's day is Lisbon's afternoon
    assert local(ny["start_at"], LISBON).dt.hour.between(8, 11).mean() < 0.05
    # The mean day stays ``rate``: the zone moves the calls, it does not add any.
    assert 0.9 < len(ny) / (31 * data.REPORTS["calls"].default_rate) < 1.1


def test_the_emulator_takes_the_account_zone() -> None:
    from explore_pandas.emulator import Emulator

    day = (START.replace(day=2), START.replace(day=3))
    assert Emulator().options.account_timezone == LISBON
    emu = Emulator(seed=SEED, account_timezone="Asia/Tokyo")
    try:
        expected = data.generate("calls", *day, seed=SEED, account_timezone="Asia/Tokyo")
        pd.testing.assert_frame_equal(emu.truth("calls", *day), expected)
        assert emu.count_rows("calls", *day) == len(expected)
        emu.reset()  # the constructor's zone stays
        assert emu.options.account_timezone == "Asia/Tokyo"
    finally:
        emu.close()
    with pytest.raises(ValueError, match="account_timezone"):
        Emulator(account_timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="account_timezone"):
        data.count_rows("calls", *day, seed=SEED, account_timezone="Mars/Olympus")


def test_teams_and_agents_differ_in_talk_time(calls: pd.DataFrame) -> None:
    medians = team_talk_medians(calls)
    assert len(medians) == 6
    assert medians.max() - medians.min() >= 150  # seconds; flat data: within a few seconds
    assert medians.max() / medians.min() >= 1.8
    answered = calls[calls["type"].isin(["inbound", "outbound"])]
    talk = answered["talk_time"]
    # Lognormal: skewed, with a few long outliers.
    assert talk.mean() > talk.median() * 1.1
    assert talk.quantile(0.99) > 4 * talk.median()
    assert talk.max() > 20 * talk.median()
    # Agents of one team differ too (the largest team: the most agents to compare).
    largest = answered.groupby("team_name", observed=True)["user_id"].nunique().idxmax()
    by_agent = answered[answered["team_name"] == largest].groupby("user_id")["talk_time"].median()
    assert len(by_agent) >= 10
    assert by_agent.max() / by_agent.min() > 1.2


def test_daily_service_level_is_mostly_70_to_90_percent_with_bad_days(
    calls: pd.DataFrame,
) -> None:
    level = daily_service_level(calls)
    assert len(level) == 31
    assert 0.70 <= level.median() <= 0.90
    assert level.between(0.65, 0.95).mean() >= 0.7
    assert (level < 0.70).sum() >= 1  # some bad days
    assert level.min() > 0.2  # bad, not broken
    assert level.std() > 0.03


def test_waits_grow_with_the_load_within_the_day(calls: pd.DataFrame) -> None:
    inbound = calls[calls["type"].eq("inbound")]
    hour = local(inbound["start_at"]).dt.hour
    over_20 = inbound["wait_time"].gt(20).groupby(hour).mean()
    volume = local(calls["start_at"]).dt.hour.value_counts()
    busy = volume.nlargest(4).index  # the busiest hours
    quiet_day = [8, 19]  # open, but quiet
    assert over_20[busy].mean() > 1.5 * over_20[quiet_day].mean()
    assert over_20[busy].mean() > 0.05


def test_abandonment_rises_with_the_wait(calls: pd.DataFrame) -> None:
    rates = abandon_rate_by_wait(calls)
    assert len(rates) == 4
    assert rates.is_monotonic_increasing
    assert rates.iloc[-1] > 3 * rates.iloc[0]
    abandoned = calls[calls["type"].eq("abandoned")]
    assert (abandoned["abandon_time"] == abandoned["wait_time"]).all()
    assert abandoned["user_id"].isna().all() and abandoned["talk_time"].eq(0).all()
    assert calls["type"].eq("abandoned").mean() < 0.12


def test_call_columns_add_up(calls: pd.DataFrame) -> None:
    total = (calls["end_at"] - calls["start_at"]).dt.total_seconds()
    assert (total == calls["total_time"]).all()
    parts = calls[["wait_time", "total_ringing_time", "talk_time", "hold_time"]].sum(axis=1)
    assert (parts <= calls["total_time"]).all()
    answered = calls["type"].isin(["inbound", "outbound"])
    assert calls.loc[answered, "user_id"].notna().all()
    assert calls.loc[answered, "talk_time"].gt(0).all()
    assert calls.loc[~calls["type"].isin(OFFERED + ["short_abandoned"]), "wait_time"].eq(0).all()
    begin = local(calls["start_at"])  # the flag goes with the call's own local start
    hour = begin.dt.hour
    assert calls.loc[hour.between(10, 16) & (begin.dt.day_of_week < 5),
                     "is_in_business_hours"].all()
    assert not calls.loc[hour.between(0, 5), "is_in_business_hours"].any()


# --- one account across reports ------------------------------------------------------------


def test_reports_share_the_agents_and_their_teams(
    calls: pd.DataFrame, user_status: pd.DataFrame, contacts: pd.DataFrame,
) -> None:
    def teams(frame: pd.DataFrame, user: str, team: str) -> pd.Series:
        pairs = frame[[user, team]].dropna().drop_duplicates()
        assert pairs[user].is_unique, f"an agent in two teams: {pairs[pairs[user].duplicated()]}"
        return pairs.set_index(user)[team].sort_index()

    in_calls = teams(calls, "user_id", "team_id")
    in_status = teams(user_status, "user_id", "team_id")
    in_contacts = teams(contacts, "user_id", "team_id")
    assert len(in_status) == 40
    assert set(in_calls.index) == set(in_status.index) == set(in_contacts.index)
    pd.testing.assert_series_equal(in_calls, in_status.loc[in_calls.index])
    pd.testing.assert_series_equal(in_contacts, in_status.loc[in_contacts.index])
    ring = data.generate("ring_attempts", START, START.replace(day=8), seed=SEED)
    emails = teams(calls, "user_email", "team_name")
    ring_teams = teams(ring, "user_email", "team_name")
    pd.testing.assert_series_equal(ring_teams, emails.loc[ring_teams.index])
    messaging = data.generate("messaging_contacts", START, START.replace(day=8), seed=SEED)
    assert set(messaging["user_id"].dropna()) <= set(in_status.index)


def test_the_night_team_works_the_night(calls: pd.DataFrame, user_status: pd.DataFrame) -> None:
    for frame, time in ((calls, "start_at"), (user_status, "status_end_at")):
        hour = local(frame[time]).dt.hour
        night = frame["team_name"].eq("Night")
        assert night[hour.between(8, 19) & frame["team_name"].notna()].mean() < 0.05
        assert night[(hour < 7) & frame["team_name"].notna()].mean() > 0.9


def test_agents_are_busier_in_busy_hours(user_status: pd.DataFrame) -> None:
    hour = local(user_status["status_end_at"]).dt.hour
    on_call = user_status["status_label"].eq("On A Call").groupby(hour).mean()
    assert on_call[[10, 11, 14]].mean() > on_call[[0, 1, 2, 3, 4, 22, 23]].mean() + 0.05
    shares = user_status["status_label"].value_counts(normalize=True)
    assert set(shares.index) == {"On A Call", "After Call Work", "Available", "Away", "Busy",
                                 "Offline"}
    # One "On A Call" row per call, one "Available" row per idle spell between calls.
    assert set(shares.nlargest(2).index) == {"On A Call", "Available"}


def test_reports_move_with_the_same_volumes(
    calls: pd.DataFrame, user_status: pd.DataFrame, contacts: pd.DataFrame,
) -> None:
    for frame, time in ((user_status, "status_end_at"), (contacts, "finished_at")):
        assert business_share(frame[time]) >= 0.85
        assert weekend_ratio(frame[time]) < 0.6
        assert per_day(frame[time]).corr(per_day(calls["start_at"])) > 0.9
    ring = data.generate("ring_attempts", START, END, seed=SEED)
    assert per_day(ring["ring_finished_at_time"]).corr(per_day(calls["start_at"])) > 0.9


def test_contacts_tell_the_calls_story(calls: pd.DataFrame, contacts: pd.DataFrame) -> None:
    inbound = contacts[contacts["direction"].eq("IN")]
    counted = inbound[inbound["inside_service_level"].eq("Yes")]
    day = local(counted["finished_at"]).dt.normalize()
    level = counted["within_service_level_threshold"].eq("Yes").groupby(day).mean()
    calls_level = daily_service_level(calls)
    assert 0.70 <= level.median() <= 0.90
    assert level.corr(calls_level) > 0.6  # the same good and bad days
    answered = contacts["contact_type"].eq("Answered")
    assert contacts.loc[answered, "answered_at"].notna().all()
    assert contacts.loc[~answered, "answered_at"].isna().all()
    assert (contacts.loc[answered, "answered_at"] >= contacts.loc[answered, "started_at"]).all()
    assert (contacts.loc[answered, "connected_at"] >= contacts.loc[answered, "answered_at"]).all()
    assert (contacts["handle_time"] == contacts["talk_time"] + contacts["hold_time"]
            + contacts["after_call_work_time"]).all()
    assert (contacts["hold_time"] == contacts["hard_hold_time"] + contacts["soft_hold_time"]).all()
    in_time = counted["within_service_level_threshold"].eq("Yes")
    assert counted.loc[in_time, "wait_time"].le(20).all()


def test_explore_calls_are_the_same_model_in_the_older_layout() -> None:
    explore = data.generate("explore_calls", START, START.replace(day=15), seed=SEED)
    assert business_share(explore["end_time"]) >= 0.85
    answered = explore["call_type"].isin(["inbound", "outbound"])
    assert explore.loc[answered, "agent_name"].notna().all()
    no_agent = explore["call_type"].isin(["abandoned", "voicemail"])
    assert explore.loc[no_agent, "agent_name"].isna().all()
    wait = (explore["waiting_time"] * 86_400).round()
    offered = explore[explore["call_type"].isin(OFFERED)]
    in_time = offered["call_type"].eq("inbound") & wait[offered.index].le(20)
    assert 0.65 <= in_time.mean() <= 0.92
    assert set(explore["in_business_hours?"]) == {"TRUE", "FALSE"}
    hour = local(explore["end_time"]).dt.hour
    assert explore.loc[hour.between(0, 5), "in_business_hours?"].eq("FALSE").all()


# --- the checks above can fail ---------------------------------------------------------------


def test_the_checks_reject_flat_data(calls: pd.DataFrame) -> None:
    """Flat data (times uniform over the day, teams alike, waits random) fail every check."""
    rng = np.random.default_rng(0)
    flat = calls.copy()
    day = local(flat["start_at"]).dt.normalize()
    offset = pd.to_timedelta(rng.integers(0, 86_400, len(flat)), unit="s")
    flat["start_at"] = (day + offset).dt.tz_convert("UTC")
    flat["team_name"] = rng.permutation(flat["team_name"].to_numpy())
    flat["wait_time"] = rng.exponential(30, len(flat)).astype(int)
    flat["type"] = rng.permutation(flat["type"].to_numpy())
    assert business_share(flat["start_at"]) < 0.6
    medians = team_talk_medians(flat)
    assert medians.max() - medians.min() < 30
    assert daily_service_level(flat).median() < 0.6
    assert not (abandon_rate_by_wait(flat).iloc[-1] > 3 * abandon_rate_by_wait(flat).iloc[0])
