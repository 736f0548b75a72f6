"""validation: every rule of a create request, before any request is sent."""

from __future__ import annotations

import warnings
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explore_pandas.api.validation import build_request, check_timespan, to_zone
from explore_pandas.exceptions import DataLatencyWarning, ValidationError
from explore_pandas.spec import MAX_SPAN

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)
LISBON = ZoneInfo("Europe/Lisbon")


def build(**kw):
    args = {"start": "2026-11-01", "end": "2026-11-02", "now": NOW} | kw
    report = args.pop("report", "calls")
    return build_request(report, **args)


def field_of(error: pytest.ExceptionInfo[ValidationError]) -> str:
    (problem,) = error.value.fields
    assert set(problem) == {"name", "description"}
    return problem["name"]


def test_body_is_wall_time_with_timezone() -> None:
    req = build(start="2026-08-01", end=date(2026, 8, 2), tz="Europe/Lisbon", format="JSON_BULK", name="q3")
    assert req.to_body() == {
        "name": "q3",
        "timezone": "Europe/Lisbon",
        "format": "json_bulk",
        "timespan": {"from": "2026-08-01T00:00:00", "to": "2026-08-02T00:00:00"},
    }


@pytest.mark.parametrize(
    ("value", "wall"),
    [
        ("2026-08-01", "2026-08-01T00:00:00"),  # a date: local midnight
        (date(2026, 8, 1), "2026-08-01T00:00:00"),
        ("2026-08-01T09:30", "2026-08-01T09:30:00"),  # naive: wall time in the zone
        ("2026-08-01 09:30:15.9", "2026-08-01T09:30:15"),  # floored to seconds
        ("2026-08-01T08:30:15,25Z", "2026-08-01T09:30:15"),  # any fraction, on Python 3.10 too
        ("2026-08-01T09:30:15.123456789+01:00", "2026-08-01T09:30:15"),
        (datetime(2026, 8, 1, 9, 30), "2026-08-01T09:30:00"),
        ("2026-08-01T08:30:00Z", "2026-08-01T09:30:00"),  # aware: converted (Lisbon is UTC+1 in summer)
        ("2026-08-01T10:30:00+02:00", "2026-08-01T09:30:00"),
        (datetime(2026, 8, 1, 8, 30, tzinfo=timezone.utc), "2026-08-01T09:30:00"),
        (pd.Timestamp("2026-08-01 09:30"), "2026-08-01T09:30:00"),
        (pd.Timestamp("2026-08-01 08:30", tz="UTC"), "2026-08-01T09:30:00"),
        (pd.Timestamp("2026-08-01 03:30", tz="America/New_York"), "2026-08-01T08:30:00"),
    ],
)
def test_start_and_end_accept_str_date_datetime_timestamp(value: object, wall: str) -> None:
    moment = to_zone(value, LISBON, "timespan.from")  # type: ignore[arg-type]
    assert moment.tzinfo is LISBON and f"{moment:%Y-%m-%dT%H:%M:%S}" == wall


@pytest.mark.parametrize("value", ["yesterday-ish", "", pd.NaT, 42, None])
def test_unparseable_times_name_the_field(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        build(start=value)
    assert field_of(info) == "timespan.from" and "ISO 8601" in str(info.value) or "NaT" in str(info.value)


@pytest.mark.parametrize(
    ("kw", "name", "hint"),
    [
        ({"report": "nope"}, "type", "Known report types"),
        ({"format": "xlsx"}, "format", "csv, json, json_bulk"),
        ({"name": "x" * 257}, "name", "256"),
        ({"name": ""}, "name", "name"),
        ({"tz": "Europe/Lisboa"}, "timezone", "IANA"),
        ({"tz": "CEST"}, "timezone", "available_timezones"),
        ({"start": "2026-11-02", "end": "2026-11-01"}, "timespan.to", "Swap"),
        ({"start": "2026-11-02", "end": "2026-11-02"}, "timespan.to", "not after"),
        ({"end": "2026-11-27T12:00:01"}, "timespan.to", "pass end='2026-11-27T11:55:00' or earlier"),  # 5 min margin
        ({"start": "2026-10-01", "end": "2026-11-02"}, "timespan.to", "31 days"),
    ],
)
def test_each_rule_raises_a_fixable_validation_error(kw: dict, name: str, hint: str) -> None:
    with pytest.raises(ValidationError) as info:
        build(**kw)
    assert field_of(info) == name
    assert hint in str(info.value)
    assert isinstance(info.value, ValueError)


def test_a_future_end_in_another_zone_says_now_in_that_zone() -> None:
    with pytest.raises(ValidationError, match=r"now is 2026-11-27T07:00:00 America/New_York"):
        build(start="2026-11-26", end="2026-11-27T08:00", tz="America/New_York")


def test_exactly_31_days_is_allowed() -> None:
    req = build(start="2026-10-01T00:00:00Z", end="2026-11-01T00:00:00Z")
    assert req.end - req.start == MAX_SPAN


def test_31_local_days_across_dst_fall_back_is_refused() -> None:
    # 2026-10-25: Lisbon goes from UTC+1 to UTC+0, so 31 local days last 745 hours.
    with pytest.raises(ValidationError, match="745 hours"):
        build(start="2026-10-01", end="2026-11-01", tz="Europe/Lisbon")
    build(start="2026-10-01T01:00", end="2026-11-01", tz="Europe/Lisbon")  # 744 h: fine


def test_31_local_days_across_dst_spring_forward_is_allowed() -> None:
    req = build(start="2026-03-10", end="2026-04-10", tz="Europe/Lisbon")  # 743 h
    assert (req.end.astimezone(timezone.utc) - req.start.astimezone(timezone.utc)) == timedelta(hours=743)


def test_end_within_data_latency_warns() -> None:
    with pytest.warns(DataLatencyWarning, match="5-minute"):
        build(start="2026-11-27", end=NOW - timedelta(minutes=4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build(start="2026-11-27", end=NOW - timedelta(minutes=5))
        check_timespan("2026-11-27", NOW, ZoneInfo("UTC"), now=NOW, warn=False)


def test_default_names_are_unique_and_short() -> None:
    first, second = build(), build()
    assert first.name != second.name and len(first.name) <= 256
    assert first.name.startswith("Calls 2026-11-01T00:00:00..2026-11-02T00:00:00 xp-")


def test_naive_now_is_utc() -> None:
    build(end="2026-11-27T11:00", now=NOW.replace(tzinfo=None))


@given(
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2026, 10, 1)),
    hours=st.integers(min_value=1, max_value=800),
    zone=st.sampled_from(["UTC", "Europe/Lisbon", "America/Sao_Paulo", "Australia/Lord_Howe", "Asia/Kolkata"]),
)
def test_accepted_windows_always_satisfy_the_api_rules(start: datetime, hours: int, zone: str) -> None:
    end = start + timedelta(hours=hours)
    try:
        req = build(start=start, end=end, tz=zone, name="prop")
    except ValidationError as error:
        # the end past the rules, or a bound in the hour the clocks repeat (fold=1: its second pass)
        # or in the gap they skip (no instant has that wall time)
        clocks = "clocks repeat" in str(error) or "clocks jump forward" in str(error)
        assert error.fields[0]["name"] == "timespan.to" or (clocks and error.fields[0]["name"] == "timespan.from")
        return
    begin_utc, end_utc = req.start.astimezone(timezone.utc), req.end.astimezone(timezone.utc)
    assert begin_utc < end_utc <= NOW and end_utc - begin_utc <= MAX_SPAN
    assert req.to_body()["timespan"]["from"] == start.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.parametrize("text", ["1 Aug 2026 09:30", "05/06/2025", "march", "jan 5", "12:30"])
def test_only_iso_8601_strings_are_read(text: str) -> None:
    # free-form parsers read "march" as year 1 and "05/06/2025" month-first, silently
    with pytest.raises(ValidationError, match="ISO 8601"):
        build_request("calls", start=text, end="2026-08-02", now=datetime(2026, 9, 1, tzinfo=timezone.utc))


def test_a_date_is_the_first_instant_of_the_day_even_when_dst_skips_midnight() -> None:
    # America/Santiago jumps from 00:00 to 01:00 on 2026-09-06
    req = build_request("calls", start="2026-09-06", end="2026-09-07", tz="America/Santiago",
                        now=datetime(2026, 10, 1, tzinfo=timezone.utc))
    assert req.to_body()["timespan"]["from"] == "2026-09-06T01:00:00"


def test_the_second_pass_of_a_repeated_hour_is_refused() -> None:
    # 06:30 UTC on 2025-11-02 is 01:30 EST, the second 01:30 of that night in New York
    with pytest.raises(ValidationError, match="repeat"):
        build_request("calls", start=datetime(2025, 11, 2, 6, 30, tzinfo=timezone.utc), end="2025-11-03",
                      tz="America/New_York", now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    first_pass = build_request("calls", start=datetime(2025, 11, 2, 5, 30, tzinfo=timezone.utc), end="2025-11-03",
                               tz="America/New_York", now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert first_pass.to_body()["timespan"]["from"] == "2025-11-02T01:30:00"


# -- issue 14: advice that the API takes, and consistent with the other bound ------------------

def test_a_future_end_gets_an_end_the_server_takes_despite_a_few_minutes_of_clock_skew() -> None:
    with pytest.raises(ValidationError) as info:
        build(start="2026-11-20", end="2026-11-27T13:00:00")
    suggested = datetime.fromisoformat(str(info.value).split("pass end='")[1].split("'")[0]).replace(tzinfo=timezone.utc)
    assert NOW - suggested >= timedelta(minutes=5)  # at least the data latency: a clock ahead by less is fine
    assert suggested.second == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataLatencyWarning)  # following the advice warns of nothing
        build(start="2026-11-20", end=suggested.replace(tzinfo=None), now=NOW + timedelta(minutes=4))


def test_a_future_start_is_never_told_to_end_before_it() -> None:
    with pytest.raises(ValidationError) as info:
        build(start="2026-12-01", end="2026-12-02")
    message = str(info.value)
    assert "The start 2026-12-01T00:00:00 UTC is not in the past either" in message
    start = message.split("start='")[1].split("'")[0]
    end = message.split("end='")[1].split("'")[0]
    build(start=start, end=end)  # the advised range passes every rule
    assert "pass end=" not in message


def test_a_start_within_the_latency_gets_a_range_that_ends_after_it() -> None:
    with pytest.raises(ValidationError, match="not in the past either"):
        build(start="2026-11-27T11:58:00", end="2026-11-27T12:30:00")


# -- issue 14: tz from the bounds when it is left out -------------------------------------------

@pytest.mark.parametrize(("start", "end", "zone"), [
    (pd.Timestamp("2026-11-20", tz="America/New_York"), pd.Timestamp("2026-11-21", tz="America/New_York"),
     "America/New_York"),
    (datetime(2026, 11, 20, tzinfo=LISBON), datetime(2026, 11, 21, tzinfo=LISBON), "Europe/Lisbon"),
    (datetime(2026, 11, 20, tzinfo=timezone.utc), pd.Timestamp("2026-11-21", tz="UTC"), "UTC"),
    ("2026-11-20", "2026-11-21", "UTC"),  # nothing aware: UTC, as documented
    # one aware bound: its zone, where the naive one is a wall time too (not UTC, silently)
    (pd.Timestamp("2026-11-20", tz="America/New_York"), "2026-11-21", "America/New_York"),
    (date(2026, 11, 20), datetime(2026, 11, 21, tzinfo=LISBON), "Europe/Lisbon"),
    ("2026-11-20T00:00:00Z", "2026-11-21", "UTC"),  # an ISO string with Z is aware, in UTC
    (datetime(2026, 11, 20, tzinfo=timezone(timedelta(hours=2))),
     datetime(2026, 11, 21, tzinfo=timezone(timedelta(hours=2))), "UTC"),  # fixed offsets name no zone
])
def test_the_zone_of_aware_bounds_is_the_request_zone(start: object, end: object, zone: str) -> None:
    from explore_pandas.api.validation import infer_timezone

    assert infer_timezone(None, start, end) == zone
    assert infer_timezone("Asia/Tokyo", start, end) == "Asia/Tokyo"  # a given tz always wins


def test_bounds_in_two_zones_ask_for_tz() -> None:
    from explore_pandas.pulls.plan import plan_pull

    with pytest.raises(ValidationError, match=r"start is in America/New_York and end in Europe/Lisbon.*Pass tz="):
        plan_pull("calls", start=pd.Timestamp("2026-11-20", tz="America/New_York"),
                  end=pd.Timestamp("2026-11-21", tz="Europe/Lisbon"), now=NOW)


def test_plan_without_tz_takes_the_bounds_zone() -> None:
    from explore_pandas.pulls.plan import plan_pull

    plan = plan_pull("calls", start=pd.Timestamp("2026-11-20", tz="America/New_York"),
                     end=pd.Timestamp("2026-11-22", tz="America/New_York"), now=NOW)
    assert plan.timezone == "America/New_York" and plan.windows[0].start.isoformat() == "2026-11-20T00:00:00-05:00"


def test_one_aware_bound_gives_its_zone_to_the_naive_one() -> None:
    from explore_pandas.pulls.plan import plan_pull

    plan = plan_pull("calls", start=pd.Timestamp("2026-11-20", tz="America/New_York"), end="2026-11-22", now=NOW)
    assert plan.timezone == "America/New_York" and plan.end.isoformat() == "2026-11-22T00:00:00-05:00"


def test_a_fixed_offset_beside_a_naive_bound_asks_for_tz() -> None:
    from explore_pandas.pulls.plan import plan_pull

    with pytest.raises(ValidationError) as info:
        plan_pull("calls", start="2026-11-20T00:00:00+01:00", end=datetime(2026, 11, 22), now=NOW)
    assert str(info.value) == (
        "timezone: start has a UTC offset (+01:00) and end has none. Pass tz= to say in which zone end is a wall "
        "time (and the datetime columns' zone), e.g. tz='UTC', or give both bounds with an offset.")
    assert plan_pull("calls", start="2026-11-20T00:00:00+01:00", end=datetime(2026, 11, 22), tz="UTC",
                     now=NOW).timezone == "UTC"  # with tz the naive end is a wall time in it


def test_a_wall_time_the_clocks_skip_is_refused_naming_the_field_and_the_gap() -> None:
    # Europe/Lisbon goes from 01:00 to 02:00 on 2026-03-29: no instant reads 01:30
    with pytest.raises(ValidationError) as info:
        build(start="2026-03-29T01:30", end="2026-03-30", tz="Europe/Lisbon")
    assert str(info.value) == (
        "timespan.from: 2026-03-29T01:30:00 Europe/Lisbon does not exist: that day the clocks jump forward 1 hour "
        "around it (daylight saving starts). Pick a time outside the gap, e.g. 2026-03-29T02:30:00 (the instant it "
        "would be), or request the report in UTC.")
    assert info.value.fields[0]["name"] == "timespan.from"
    with pytest.raises(ValidationError, match=r"^timespan.to: 2026-03-29T01:00:00 Europe/Lisbon does not exist"):
        build(start="2026-03-28", end=datetime(2026, 3, 29, 1, 0), tz="Europe/Lisbon")
    assert build(start="2026-03-29T02:00", end="2026-03-30", tz="Europe/Lisbon").to_body()["timespan"]["from"] \
        == "2026-03-29T02:00:00"  # the first wall time after the gap exists
    assert build(start="2026-03-29", end="2026-03-30", tz="Europe/Lisbon")  # a date is local midnight: fine
