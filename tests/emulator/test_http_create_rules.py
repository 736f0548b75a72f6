"""Every rule of the create-report-job reference page, one test each (status AND error body).

Mapping per explore-api.md section 11.5: invalid bodies are 400 with ``fields`` naming
the field; unknown report type 404. Auth (401/403) is in test_http_auth.py, the quota
(429) in test_http_quota_limits.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from emulator_support import assert_api_error, iso, window

from explore_pandas.emulator import catalog

PAST = datetime(2026, 1, 5, tzinfo=timezone.utc)  # well before any test clock


def _span(start: datetime, length: timedelta) -> dict[str, str]:
    return {"from": iso(start), "to": iso(start + length)}


# -- structure -------------------------------------------------------------------------------

def test_malformed_json_is_400_naming_body(api, emu):
    body = assert_api_error(api.create(raw=b'{"timespan": {"from": '), 400, field="body")
    assert body["code"] == "invalid_request_body"
    assert emu.jobs() == []


def test_non_utf8_body_is_400_naming_body(api):
    assert_api_error(api.create(raw=b"\xff\xfe{}"), 400, field="body")


def test_empty_body_is_400_naming_body(api):
    assert_api_error(api.create(raw=b""), 400, field="body")


@pytest.mark.parametrize("raw", [b"[]", b'"timespan"', b"null", b"42", b"true"])
def test_body_not_an_object_is_400_naming_body(api, raw):
    assert_api_error(api.create(raw=raw), 400, field="body")


def test_missing_timespan_is_400(api):
    body = assert_api_error(api.create({"format": "json"}), 400, field="timespan",
                            code="invalid_report_request")
    assert [f["name"] for f in body["fields"]] == ["timespan"]


def test_timespan_not_an_object_is_400(api):
    assert_api_error(api.create({"timespan": "2026-01-01/2026-01-02"}), 400, field="timespan")


def test_missing_from_is_400(api, emu):
    body = assert_api_error(api.create({"timespan": {"to": window(emu)["to"]}}), 400, field="timespan.from")
    assert [f["name"] for f in body["fields"]] == ["timespan.from"]


def test_missing_to_is_400(api, emu):
    body = assert_api_error(api.create({"timespan": {"from": window(emu)["from"]}}), 400, field="timespan.to")
    assert [f["name"] for f in body["fields"]] == ["timespan.to"]


def test_empty_timespan_names_both_fields(api):
    body = assert_api_error(api.create({"timespan": {}}), 400)
    assert {f["name"] for f in body["fields"]} == {"timespan.from", "timespan.to"}


# -- field values ------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "CSV", "", None, 1])
def test_unknown_format_is_400(api, emu, fmt):
    body = assert_api_error(api.create({"format": fmt, "timespan": window(emu)}), 400, field="format")
    assert [f["name"] for f in body["fields"]] == ["format"]


@pytest.mark.parametrize("value", [
    "yesterday", "2026-01-05", "2026-01-05 10:00:00", "2026-02-30T00:00:00Z", "2026-01-05T25:00:00Z",
    "2026-01-05T10:00Z", 1767600000, None,
])
def test_unparsable_from_is_400(api, value):
    body = assert_api_error(api.create({"timespan": {"from": value, "to": iso(PAST)}}), 400, field="timespan.from")
    assert [f["name"] for f in body["fields"]] == ["timespan.from"]


def test_unparsable_to_is_400(api):
    body = assert_api_error(api.create({"timespan": {"from": iso(PAST), "to": "2026-13-01T00:00:00Z"}}),
                            400, field="timespan.to")
    assert [f["name"] for f in body["fields"]] == ["timespan.to"]


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "utc+1", "GMT+25", "", "Europe/london", 0])
def test_bad_timezone_is_400(api, emu, zone):
    body = assert_api_error(api.create({"timezone": zone, "timespan": window(emu)}), 400, field="timezone")
    assert [f["name"] for f in body["fields"]] == ["timezone"]


def test_localtime_is_not_an_iana_timezone(api, emu):
    assert_api_error(api.create({"timezone": "localtime", "timespan": window(emu)}), 400, field="timezone")


@pytest.mark.parametrize("zone", ["UTC", "Europe/Lisbon", "America/Sao_Paulo", "Asia/Kolkata", "Etc/GMT+5"])
def test_iana_timezones_are_accepted(api, emu, zone):
    response = api.create({"timezone": zone, "timespan": window(emu, ago=24)})
    assert response.status_code == 202, response.text
    assert response.json()["job"]["timezone"] == zone


def test_independent_problems_are_reported_together(api, emu):
    body = assert_api_error(
        api.create({"name": "x" * 300, "format": "pdf", "timezone": "Nowhere", "timespan": window(emu)}), 400)
    assert {f["name"] for f in body["fields"]} == {"name", "format", "timezone"}


# -- relations between from and to ---------------------------------------------------------------

def test_to_before_from_is_400(api):
    body = assert_api_error(api.create({"timespan": {"from": iso(PAST), "to": iso(PAST - timedelta(hours=1))}}),
                            400, field="timespan.to")
    assert "after" in body["fields"][0]["description"]


def test_to_equal_to_from_is_400(api):
    assert_api_error(api.create({"timespan": {"from": iso(PAST), "to": iso(PAST)}}), 400, field="timespan.to")


def test_one_second_span_is_accepted(api):
    assert api.create({"timespan": _span(PAST, timedelta(seconds=1))}).status_code == 202


def test_to_in_the_future_is_400(api, emu):
    now = emu.clock.now().replace(microsecond=0)
    body = assert_api_error(
        api.create({"timespan": {"from": iso(now - timedelta(hours=1)), "to": iso(now + timedelta(minutes=1))}}),
        400, field="timespan.to")
    assert "future" in body["fields"][0]["description"]


def test_to_in_the_future_follows_the_emulator_clock(api, emu):
    now = emu.clock.now().replace(microsecond=0)
    request = {"timespan": {"from": iso(now), "to": iso(now + timedelta(hours=2))}}
    assert_api_error(api.create(request), 400, field="timespan.to")
    emu.clock.advance(2 * 3600 + 1)
    api.forget_token()  # the first one expired with the move
    assert api.create(request).status_code == 202


def test_to_equal_to_now_is_accepted(api, emu):
    emu.clock.set(datetime(2026, 3, 2, 12, 0, 0, tzinfo=timezone.utc))
    now = emu.clock.now().replace(microsecond=0)
    response = api.create({"timespan": {"from": iso(now - timedelta(hours=1)), "to": iso(now)}})
    assert response.status_code == 202, response.text


def test_to_in_the_past_of_a_clock_set_back_is_in_the_future(api, emu):
    emu.clock.set(datetime(2026, 1, 1, tzinfo=timezone.utc))
    body = {"timespan": _span(PAST, timedelta(hours=1))}  # Jan 5: the future for this clock
    assert_api_error(api.create(body), 400, field="timespan.to")


def test_span_of_exactly_31_days_is_accepted(api):
    response = api.create({"timespan": _span(PAST, timedelta(days=31))})
    assert response.status_code == 202, response.text


def test_span_of_31_days_and_one_second_is_400(api):
    body = assert_api_error(api.create({"timespan": _span(PAST, timedelta(days=31, seconds=1))}),
                            400, field="timespan.to")
    assert "31" in body["fields"][0]["description"]


def test_span_of_32_days_is_400(api):
    assert_api_error(api.create({"timespan": _span(PAST, timedelta(days=32))}), 400, field="timespan.to")


def test_span_is_measured_in_24_hour_days_across_a_dst_change(api):
    """Emulator decision (section 11.5: 31 x 24 h): Lisbon's spring-forward month is
    31 wall-clock days but 31 x 24 h - 1 h, so it passes; its fall-back month is
    31 x 24 h + 1 h, so it is refused."""
    spring = {"timezone": "Europe/Lisbon", "timespan": {"from": "2025-03-01T00:00:00", "to": "2025-04-01T00:00:00"}}
    assert api.create(spring).status_code == 202
    autumn = {"timezone": "Europe/Lisbon", "timespan": {"from": "2025-10-01T00:00:00", "to": "2025-11-01T00:00:00"}}
    assert_api_error(api.create(autumn), 400, field="timespan.to")


# -- name --------------------------------------------------------------------------------------

def test_name_of_256_characters_is_accepted(api, emu):
    response = api.create({"name": "n" * 256, "timespan": window(emu)})
    assert response.status_code == 202, response.text
    assert response.json()["job"]["name"] == "n" * 256


def test_name_of_257_characters_is_400(api, emu):
    body = assert_api_error(api.create({"name": "n" * 257, "timespan": window(emu)}), 400, field="name")
    assert "256" in body["fields"][0]["description"]


def test_name_counts_characters_not_bytes(api, emu):
    response = api.create({"name": "ç" * 256, "timespan": window(emu)})
    assert response.status_code == 202, response.text


def test_name_not_a_string_is_400(api, emu):
    assert_api_error(api.create({"name": 12, "timespan": window(emu)}), 400, field="name")


# -- report type ---------------------------------------------------------------------------------

def test_unknown_report_type_is_404(api, emu):
    body = assert_api_error(api.create(slug="no_such_report"), 404, code="not_found")
    assert "no_such_report" in body["description"]
    assert emu.jobs() == []


def test_unknown_report_type_404_even_with_bad_body(api):
    assert_api_error(api.create(raw=b"not json", slug="callz"), 404)


@pytest.mark.parametrize("slug", sorted(catalog.REPORTS))
def test_every_catalog_report_type_is_accepted(api, emu, slug):
    response = api.create({"timespan": window(emu, hours=0.25)}, slug=slug)
    assert response.status_code == 202, response.text
    job = response.json()["job"]
    assert job["type"] == slug
    assert job["name"] == catalog.REPORTS[slug].display_name


# -- defaults ------------------------------------------------------------------------------------

def test_default_format_is_csv(api, emu):
    job_id = api.create_id({"timespan": window(emu)})
    assert api.truth(job_id)["format"] == "csv"
    response = api.download(job_id)
    assert response.headers["Content-Type"].startswith("text/csv")


def test_default_timezone_is_utc(api, emu):
    response = api.create({"timespan": {"from": "2026-01-05T10:00:00", "to": "2026-01-05T11:00:00"}})
    job = response.json()["job"]
    assert job["timezone"] == "UTC"
    truth = api.truth(job["id"])
    assert truth["from_utc"] == "2026-01-05T10:00:00+00:00"
    assert truth["to_utc"] == "2026-01-05T11:00:00+00:00"


def test_default_name_is_the_display_name(api, emu):
    response = api.create({"timespan": window(emu)})
    assert response.json()["job"]["name"] == "Calls"
    response = api.create({"timespan": window(emu)}, slug="user_status")
    assert response.json()["job"]["name"] == catalog.REPORTS["user_status"].display_name


def test_request_is_kept_in_ground_truth(api, emu):
    request = {"name": "mine", "format": "json", "timezone": "Europe/Lisbon", "timespan": window(emu),
               "extra": {"ignored": True}}
    job_id = api.create_id(request)
    assert api.truth(job_id)["request"] == request


# -- date-time forms and zones -------------------------------------------------------------------

@pytest.mark.parametrize("start, end, from_utc, to_utc", [
    ("2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z",
     "2026-01-05T10:00:00+00:00", "2026-01-05T11:00:00+00:00"),
    ("2026-01-05T10:00:00.312Z", "2026-01-05T11:00:00.000Z",
     "2026-01-05T10:00:00.312000+00:00", "2026-01-05T11:00:00+00:00"),
    ("2026-01-05T10:00:00+02:00", "2026-01-05T11:00:00-03:30",
     "2026-01-05T08:00:00+00:00", "2026-01-05T14:30:00+00:00"),
    ("2026-01-05T10:00:00+0530", "2026-01-05T10:00:00+0000",
     "2026-01-05T04:30:00+00:00", "2026-01-05T10:00:00+00:00"),
])
def test_offsets_z_and_milliseconds_are_honoured(api, start, end, from_utc, to_utc):
    response = api.create({"timespan": {"from": start, "to": end}})
    assert response.status_code == 202, response.text
    job = response.json()["job"]
    assert job["timespan"] == {"from": start, "to": end}  # echoed unchanged
    truth = api.truth(job["id"])
    assert (truth["from_utc"], truth["to_utc"]) == (from_utc, to_utc)


def test_naive_datetimes_are_wall_time_in_the_timezone(api):
    response = api.create({"timezone": "America/Sao_Paulo",
                           "timespan": {"from": "2026-01-05T00:00:00", "to": "2026-01-06T00:00:00"}})
    truth = api.truth(response.json()["job"]["id"])
    assert truth["from_utc"] == "2026-01-05T03:00:00+00:00"
    assert truth["to_utc"] == "2026-01-06T03:00:00+00:00"


def test_z_suffix_wins_over_the_timezone_field(api):
    response = api.create({"timezone": "Europe/Lisbon",
                           "timespan": {"from": "2025-07-01T00:00:00Z", "to": "2025-07-02T00:00:00Z"}})
    truth = api.truth(response.json()["job"]["id"])
    assert truth["from_utc"] == "2025-07-01T00:00:00+00:00"
    assert truth["timezone"] == "Europe/Lisbon"


def test_timezone_decides_the_31_day_rule_and_the_future_rule(api, emu):
    # 10:00 naive in Tokyo is 01:00 UTC: with a clock at 05:00 UTC, that `to` is in the past
    emu.clock.set(datetime(2026, 2, 1, 5, 0, 0, tzinfo=timezone.utc))
    body = {"timezone": "Asia/Tokyo", "timespan": {"from": "2026-02-01T09:00:00", "to": "2026-02-01T10:00:00"}}
    assert api.create(body).status_code == 202
    body["timezone"] = "America/New_York"  # 10:00 in New York is 15:00 UTC: the future
    assert_api_error(api.create(body), 400, field="timespan.to")


# -- edge cases that once answered 500 or were accepted wrongly --------------------------------------

@pytest.mark.parametrize("timezone_name, start, end", [
    ("UTC", "9999-12-31T22:30:00-01:00", "9999-12-31T23:30:00-01:00"),
    ("UTC", "0001-01-01T00:00:00+01:00", "0001-01-01T10:00:00Z"),
    ("Asia/Tokyo", "0001-01-01T00:00:00", "0001-01-01T10:00:00"),
])
def test_out_of_range_instant_is_400_not_500(api, timezone_name, start, end):
    response = api.create({"timezone": timezone_name, "timespan": {"from": start, "to": end}})
    assert_api_error(response, 400)


def test_window_at_year_one_is_not_a_server_error(api):
    response = api.create({"timespan": {"from": "0001-01-01T00:00:00Z", "to": "0001-01-02T00:00:00Z"}})
    assert response.status_code in (202, 400), response.text


def test_impossible_utc_offset_is_400(api):
    response = api.create({"timespan": {"from": "2026-01-05T10:00:00+99:99", "to": "2026-01-05T11:00:00Z"}})
    assert_api_error(response, 400, field="timespan.from")
