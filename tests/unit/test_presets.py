"""Range presets (``last=``): complete local days, across DST changes and month ends."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from explore_pandas.api.presets import (
    NAMED_PRESETS,
    canonical_preset,
    check_range_arguments,
    preset_range,
)
from explore_pandas.exceptions import ValidationError
from explore_pandas.pulls.plan import plan_pull

LISBON = ZoneInfo("Europe/Lisbon")
NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc


def local(text: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def hours(start: datetime, end: datetime) -> float:
    return (end.astimezone(UTC) - start.astimezone(UTC)) / timedelta(hours=1)


def is_midnight(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second) == (0, 0, 0)


@pytest.mark.parametrize(("now", "zone", "last", "start", "end", "length"), [
    # Lisbon springs forward on 2026-03-29 (01:00 -> 02:00): that day has 23 hours
    ("2026-03-30T12:00", LISBON, "1d", "2026-03-29", "2026-03-30", 23),
    ("2026-03-30T12:00", LISBON, "yesterday", "2026-03-29", "2026-03-30", 23),
    ("2026-03-30T12:00", LISBON, "7d", "2026-03-23", "2026-03-30", 7 * 24 - 1),
    ("2026-03-30T12:00", LISBON, "last_week", "2026-03-23", "2026-03-30", 7 * 24 - 1),
    # and falls back on 2026-10-25: 25 hours
    ("2026-10-26T09:00", LISBON, "yesterday", "2026-10-25", "2026-10-26", 25),
    ("2026-11-02T09:00", LISBON, "1w", "2026-10-26", "2026-11-02", 7 * 24),
    ("2026-10-27T09:00", LISBON, "4w", "2026-09-29", "2026-10-27", 28 * 24 + 1),
    # New York: spring forward on 2026-03-08, fall back on 2026-11-01
    ("2026-03-09T15:00", NEW_YORK, "1d", "2026-03-08", "2026-03-09", 23),
    ("2026-11-05T15:00", NEW_YORK, "last_month", "2026-10-01", "2026-11-01", 31 * 24),
    ("2026-12-05T15:00", NEW_YORK, "last_month", "2026-11-01", "2026-12-01", 30 * 24 + 1),
    # month ends: a shorter month clamps to its last day; the year turns
    ("2026-03-31T12:00", LISBON, "1m", "2026-02-28", "2026-03-31", None),
    ("2028-03-31T12:00", LISBON, "1m", "2028-02-29", "2028-03-31", None),
    ("2026-05-31T12:00", LISBON, "3m", "2026-02-28", "2026-05-31", None),
    ("2026-01-15T12:00", LISBON, "last_month", "2025-12-01", "2026-01-01", 31 * 24),
    ("2026-03-01T12:00", LISBON, "last_month", "2026-02-01", "2026-03-01", 28 * 24),
    ("2026-01-05T12:00", LISBON, "last_week", "2025-12-29", "2026-01-05", 7 * 24),
    ("2026-01-04T12:00", LISBON, "last_week", "2025-12-22", "2025-12-29", 7 * 24),  # a Sunday
    ("2026-11-30T12:00", LISBON, "3M", "2026-08-30", "2026-11-30", None),  # case-insensitive
])
def test_complete_local_days(now, zone, last, start, end, length):
    begin, finish = preset_range(last, zone, now=local(now, zone))
    assert (begin.date().isoformat(), finish.date().isoformat()) == (start, end)
    assert is_midnight(begin) and is_midnight(finish)
    assert begin.tzinfo is zone and finish.tzinfo is zone
    if length is not None:
        assert hours(begin, finish) == length


def test_the_local_day_decides_not_utc():
    # 02:30 UTC on the 1st is still the 31st in New York: "yesterday" is the 30th there
    now = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)
    begin, finish = preset_range("yesterday", NEW_YORK, now=now)
    assert (begin.date().isoformat(), finish.date().isoformat()) == ("2026-10-30", "2026-10-31")
    begin, _ = preset_range("month_to_date", NEW_YORK, now=now)
    assert begin.date().isoformat() == "2026-10-01"


def test_today_and_month_to_date_end_at_the_latest_complete_minute():
    now = local("2026-03-29T15:07:42", LISBON)  # the day clocks sprang forward
    begin, finish = preset_range("today", LISBON, now=now)
    assert begin == local("2026-03-29T00:00", LISBON)
    assert finish == local("2026-03-29T15:02", LISBON)
    begin, finish = preset_range("month_to_date", LISBON, now=now)
    assert begin == local("2026-03-01T00:00", LISBON) and finish == local("2026-03-29T15:02", LISBON)


@pytest.mark.parametrize(("zone", "now_utc", "end_utc"), [
    ("Europe/Lisbon", "2026-03-29T01:03", "2026-03-29T00:58"),      # the hour after clocks sprang forward
    ("America/Los_Angeles", "2026-11-01T09:03", "2026-11-01T08:58"),  # the hour after they fell back
    ("America/Havana", "2026-03-08T05:03", "2026-03-08T04:58"),     # DST begins at midnight
])
def test_the_latest_end_is_five_minutes_before_now_across_a_clock_change(zone: str, now_utc: str,
                                                                         end_utc: str) -> None:
    """5 minutes of real time, not of wall time (break-it 18.4: 55 minutes in the future, or 65 short)."""
    now = datetime.fromisoformat(now_utc).replace(tzinfo=timezone.utc)
    _, finish = preset_range("month_to_date", ZoneInfo(zone), now=now)
    assert finish.astimezone(timezone.utc) == datetime.fromisoformat(end_utc).replace(tzinfo=timezone.utc)
    assert finish.tzinfo == ZoneInfo(zone)


def test_a_day_that_starts_without_a_midnight():
    # America/Santiago skips 00:00 -> 01:00 when DST begins (2026-09-06): the day starts at 01:00
    santiago = ZoneInfo("America/Santiago")
    begin, finish = preset_range("yesterday", santiago, now=local("2026-09-07T12:00", santiago))
    assert f"{begin:%Y-%m-%d %H:%M}" == "2026-09-06 01:00"
    assert hours(begin, finish) == 23


def test_today_just_after_midnight_is_empty_and_says_so():
    with pytest.raises(ValidationError, match="empty for another few minutes") as info:
        preset_range("today", LISBON, now=local("2026-11-20T00:02", LISBON))
    assert info.value.fields[0]["name"] == "last"


@pytest.mark.parametrize("bad", ["", "7", "7y", "0d", "-1d", "lastweek", "d7", "1.5d"])
def test_unknown_presets_name_the_field_and_the_choices(bad):
    with pytest.raises(ValidationError) as info:
        preset_range(bad, LISBON, now=local("2026-11-20T12:00", LISBON))
    assert info.value.fields[0]["name"] == "last"
    assert "'7d'" in str(info.value) and "'last_month'" in str(info.value)


def test_every_named_preset_resolves():
    now = local("2026-11-20T12:00", LISBON)
    for name in NAMED_PRESETS:
        begin, finish = preset_range(name, LISBON, now=now)
        assert begin < finish <= now


@pytest.mark.parametrize(("start", "end"), [("2026-11-01", None), (None, "2026-11-02"), ("2026-11-01", "2026-11-02")])
def test_a_preset_is_refused_with_start_or_end(start, end):
    with pytest.raises(ValidationError, match="either last=, or start= and end=") as info:
        check_range_arguments(start, end, "7d")
    assert info.value.fields[0]["name"] == "last"


def test_neither_preset_nor_range():
    with pytest.raises(ValidationError, match="last='7d'"):
        check_range_arguments("2026-11-01", None, None)


def test_plan_pull_takes_a_preset_in_its_zone():
    now = datetime(2026, 11, 3, 12, tzinfo=UTC)
    plan = plan_pull("calls", last="last_month", tz="Europe/Lisbon", now=now)
    assert plan.timezone == "Europe/Lisbon"
    assert (plan.start, plan.end) == (local("2026-10-01T00:00", LISBON), local("2026-11-01T00:00", LISBON))
    # October has 745 hours in Lisbon (clocks fall back), more than the API's 744: two windows
    assert hours(plan.start, plan.end) == 31 * 24 + 1 and len(plan.windows) == 2
    quarter = plan_pull("calls", last="3m", tz="Europe/Lisbon", now=now)
    assert quarter.start == local("2026-08-03T00:00", LISBON) and quarter.end == local("2026-11-03T00:00", LISBON)
    assert all(is_midnight(w.start) and is_midnight(w.end) for w in quarter.windows)
    assert [w.start for w in quarter.windows[1:]] == [w.end for w in quarter.windows[:-1]]
    assert plan_pull("calls", last="7d", now=now).timezone == "UTC"
    with pytest.raises(ValidationError, match="either last="):
        plan_pull("calls", last="7d", start="2026-10-01", now=now)


@pytest.mark.parametrize("bad", ["٧d", "١٤d", "７d", "7\u2003d", "𝟕d"])
def test_only_ascii_digits_make_a_relative_preset(bad):
    # Arabic-Indic, full-width and mathematical digits are digits to Python's int() and \d: not presets
    with pytest.raises(ValidationError) as info:
        preset_range(bad, LISBON, now=local("2026-11-20T12:00", LISBON))
    assert info.value.fields[0]["name"] == "last" and f"{bad!r} is not a preset" in str(info.value)
    with pytest.raises(ValidationError):
        canonical_preset(bad)


@pytest.mark.parametrize(("given", "canonical"), [("2W", "2w"), (" 3D ", "3d"), ("07d", "7d"), ("Last_Month", "last_month")])
def test_canonical_preset_is_how_the_presets_are_listed(given, canonical):
    assert canonical_preset(given) == canonical
    now = local("2026-11-20T12:00", LISBON)
    assert preset_range(given, LISBON, now=now) == preset_range(canonical, LISBON, now=now)
