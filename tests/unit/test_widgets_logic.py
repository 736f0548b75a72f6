"""The form's plain functions, and the form itself without a kernel, a front end or a socket."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from explore_pandas.exceptions import APIError, ValidationError
from explore_pandas.notebook.formview import (
    check_inputs,
    error_html,
    jobs_table,
    local_zone,
    plan_line,
    preview_html,
    span_text,
    status_text,
)
from explore_pandas.notebook.widgets import ReportForm
from explore_pandas.pulls.plan import plan_pull
from explore_pandas.pulls.states import WindowState
from explore_pandas.zones import timezone_names

NOW = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)


def _inputs(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {"report": "calls", "name": "", "tz": "Europe/Lisbon",
                                 "start": datetime(2026, 8, 1), "end": datetime(2026, 10, 10), "format": "csv"}
    values.update(changes)
    return values


def test_every_iana_zone_is_offered() -> None:
    names = timezone_names()
    assert len(names) > 400 and {"UTC", "Europe/Lisbon", "America/New_York", "Asia/Kathmandu"} <= set(names)
    assert list(names) == sorted(names)


def test_local_zone_reads_tz_then_localtime_then_falls_back(tmp_path: Path) -> None:
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Asia/Tokyo")
    missing = str(tmp_path / "none")
    assert local_zone({"TZ": "Europe/Lisbon"}, localtime=str(link), timezone_file=missing) == "Europe/Lisbon"
    assert local_zone({}, localtime=str(link), timezone_file=missing) == "Asia/Tokyo"
    (tmp_path / "timezone").write_text("America/Sao_Paulo\n")
    assert local_zone({}, localtime=missing, timezone_file=str(tmp_path / "timezone")) == "America/Sao_Paulo"
    assert local_zone({"TZ": "Nowhere/Else"}, localtime=missing, timezone_file=missing) == "UTC"


def test_valid_inputs_give_a_plan_and_no_message() -> None:
    plan, errors, notices = check_inputs(**_inputs(), now=NOW)
    assert errors == {} and notices == [] and plan is not None
    assert len(plan.windows) == 3 and plan.timezone == "Europe/Lisbon"
    assert plan_line(plan) == "70 days: 3 jobs, run 3 at a time"


def test_every_bad_field_gets_its_own_message() -> None:
    plan, errors, _ = check_inputs(**_inputs(report="Cals", tz="Europe/Lisbn", name="x" * 300,
                                             start=None, format="xml"), now=NOW)
    assert plan is None
    assert set(errors) == {"report", "timezone", "name", "start", "format"}
    assert "not an IANA time zone" in errors["timezone"] and "300 characters" in errors["name"]
    assert "unknown report type 'Cals'" in errors["report"] and errors["start"] == "pick a start"


@pytest.mark.parametrize(("changes", "field", "text"), [
    ({"end": datetime(2030, 1, 1)}, "end", "is in the future"),
    ({"start": datetime(2026, 10, 11)}, "end", "is not after start"),
    ({"end": None}, "end", "pick an end"),
])
def test_range_problems_show_next_to_the_range(changes: dict[str, object], field: str, text: str) -> None:
    plan, errors, _ = check_inputs(**_inputs(**changes), now=NOW)
    assert plan is None and text in errors[field]
    assert not errors[field].startswith("timespan.")  # the field prefix is for code, not for the form


def test_an_end_within_the_data_latency_is_a_notice_not_an_error() -> None:
    end = NOW.astimezone(pd.Timestamp(0, tz="Europe/Lisbon").tzinfo).replace(tzinfo=None) - timedelta(minutes=1)
    plan, errors, notices = check_inputs(**_inputs(end=end), now=NOW)
    assert plan is not None and errors == {} and "5-minute data latency" in notices[0]


@pytest.mark.parametrize(("start", "end", "concurrency", "line"), [
    ("2026-08-01", "2026-11-01", None, "92 days: 3 jobs, run 3 at a time"),
    ("2026-08-01", "2026-11-01", 2, "92 days: 3 jobs, run 2 at a time"),
    ("2026-08-01", "2026-08-02", None, "1 day: 1 job, run 1 at a time"),
    ("2026-08-01T00:00", "2026-08-01T06:00", None, "6 hours: 1 job, run 1 at a time"),
    ("2026-01-01", "2026-11-01", None, "304 days: 10 jobs, run 10 at a time"),
])
def test_plan_line(start: str, end: str, concurrency: int | None, line: str) -> None:
    plan = plan_pull("calls", start=start, end=end, tz="Europe/Lisbon", now=NOW)
    assert plan_line(plan, concurrency) == line


def test_span_text_rounds_sensibly() -> None:
    assert span_text(timedelta(minutes=45)) == "45 minutes"
    assert span_text(timedelta(hours=36)) == "36 hours"
    assert span_text(timedelta(days=2, hours=12)) == "2.5 days"


def _states() -> list[WindowState]:
    plan = plan_pull("calls", start="2026-08-01", end="2026-10-10", tz="Europe/Lisbon", now=NOW)
    first, second, third = plan.windows
    return [
        WindowState(first, "parsed", "job-1", rows=1234, started=10.0, finished=14.5),
        WindowState(second, "processing", "job-<2>", started=11.0),
        WindowState(third, "failed", None, error="boom <b>", started=12.0, finished=13.0),
    ]


def test_the_job_table_has_a_row_per_window_with_status_rows_and_elapsed() -> None:
    table = jobs_table(_states(), now=20.0)
    assert table.count("<tr class='xp-job'") == 3
    assert "2026-08-01 00:00 → 2026-09-01 00:00" in table
    assert "data-status='parsed'" in table and "1,234" in table and "4.5 s" in table
    assert "9.0 s" in table  # still processing: elapsed up to now
    assert "job-&lt;2&gt;" in table and "boom &lt;b&gt;" in table and "<b>" not in table  # escaped


def test_status_text_counts_parsed_windows_and_rows() -> None:
    assert status_text(_states()) == "running: 1 of 3 windows parsed, 1,234 rows"


def test_the_preview_shows_shape_dtypes_with_zones_and_first_rows() -> None:
    df = pd.DataFrame({"call_id": ["a", "b"],
                       "end_at": pd.to_datetime(["2026-08-01 10:00", "2026-08-02 00:00"]).as_unit("us").tz_localize("Europe/Lisbon")})
    df.attrs["explore"] = {"report": "calls", "timezone": "Europe/Lisbon", "jobs": ["j1", "j2"], "truncated": True}
    text = preview_html(df)
    assert "2 rows × 2 columns" in text and "calls, 2 jobs, times in Europe/Lisbon" in text
    assert "datetime64[us, Europe/Lisbon]" in text and "2026-08-01 10:00:00+01:00" in text
    assert "truncated" in text


def test_an_api_error_shows_code_description_fields_and_request_id() -> None:
    error = APIError("400 bad <request>", status=400, code="invalid_timespan", description="to is in the future",
                     fields=[{"name": "timespan.to", "description": "must not be in the future"}], request_id="tid-1")
    text = error_html(error)
    for part in ("APIError", "400 bad &lt;request&gt;", "code: invalid_timespan", "description: to is in the future",
                 "<code>timespan.to</code>: must not be in the future", "request_id: tid-1", "status: 400"):
        assert part in text
    assert "traceback" not in text


def test_an_unexpected_error_keeps_its_traceback() -> None:
    try:
        raise KeyError("surprise")
    except KeyError as error:
        text = error_html(error)
    assert "KeyError" in text and "traceback" in text and "raise KeyError" in text


# -- the form without a kernel (ipywidgets uses a dummy comm) ----------------------------------

def _form(**kwargs: object) -> ReportForm:
    form = ReportForm(tz="Europe/Lisbon", start=datetime(2026, 8, 1), end=datetime(2026, 10, 10), **kwargs)
    form.now = lambda: NOW
    form.validate()
    return form


def test_the_form_offers_display_names_and_validates_as_it_is_edited() -> None:
    form = _form()
    assert ("Calls", "calls") in form.report.options and form.report.value == "calls"
    assert "70 days: 3 jobs, run 3 at a time" in form.plan.value and not form.run_button.disabled
    form.timezone.value = "Europe/Lisbo"
    assert "not an IANA time zone" in form.messages["timezone"].value and form.run_button.disabled
    form.timezone.value = "Europe/Lisbon"
    form.end.value = datetime(2030, 1, 1)
    assert "in the future" in form.messages["end"].value and form.messages["timezone"].value == ""
    assert "fix the fields" in form.plan.value and form.run_button.disabled
    form.end.value = datetime(2026, 8, 2)
    assert "1 day: 1 job" in form.plan.value and form.messages["end"].value == ""


def test_the_form_uses_this_machines_zone_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kathmandu")
    assert ReportForm().timezone.value == "Asia/Kathmandu"


def test_key_elements_carry_stable_css_classes() -> None:
    form = _form()
    assert "xp-form" in form._dom_classes
    for widget, css in ((form.run_button, "xp-run"), (form.cancel_button, "xp-cancel"), (form.status, "xp-status"),
                        (form.jobs, "xp-jobs"), (form.preview, "xp-preview"), (form.error_box, "xp-error"),
                        (form.plan, "xp-plan"), (form.timezone, "xp-timezone"), (form.start, "xp-start"),
                        (form.preset, "xp-preset"), (form.volume, "xp-volume"),
                        (form.messages["end"], "xp-msg-end"), (form.on_row_limit, "xp-on-row-limit")):
        assert css in widget._dom_classes


def test_run_with_invalid_fields_says_so_and_starts_nothing() -> None:
    form = _form()
    form.end.value = None
    assert form.run() is None and "cannot run" in form.status.value and form.pull is None


def test_value_is_an_observable_trait_that_is_never_synced() -> None:
    form = _form()
    seen: list[object] = []
    form.observe(lambda change: seen.append(change["new"]), "value")
    frame = pd.DataFrame({"x": [1]})
    form.value = frame
    assert seen == [frame]
    assert "value" not in form.get_state() and "error" not in form.get_state()


def test_errors_raised_while_preparing_a_run_are_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    form = _form(client=object(), max_concurrency=99)  # refused by Pull before anything is sent
    assert form.run() is None
    assert isinstance(form.error, ValidationError) and "max_concurrency" in form.error_box.value
    assert form.error_box.layout.display is None and "failed" in form.status.value


def test_counts_of_one_are_singular() -> None:
    from explore_pandas.notebook.formview import count

    assert " of 1 window parsed, " in status_text(_states()[:1])
    assert (count(1, "window"), count(2, "window"), count(1_234, "row")) == ("1 window", "2 windows", "1,234 rows")


def test_the_preset_dropdown_fills_in_complete_local_days() -> None:
    form = _form()  # now: 2026-11-27 12:00 UTC, a Friday
    assert form.preset.value == "" and ("last 7 days", "7d") in form.preset.options
    form.preset.value = "last_month"
    assert (form.start.value, form.end.value) == (datetime(2026, 10, 1), datetime(2026, 11, 1))
    assert "31 days: 2 jobs" in form.plan.value  # October is 745 hours in Lisbon: two windows
    form.preset.value = "last_week"
    assert (form.start.value, form.end.value) == (datetime(2026, 11, 16), datetime(2026, 11, 23))
    form.preset.value = "today"
    assert (form.start.value, form.end.value) == (datetime(2026, 11, 27), datetime(2026, 11, 27, 11, 55))
    assert not form.run_button.disabled


def test_the_preset_follows_the_zone_and_a_hand_edit_makes_the_range_custom() -> None:
    form = _form()
    form.preset.value = "yesterday"
    form.timezone.value = "Pacific/Kiritimati"  # UTC+14: 2026-11-27 12:00 UTC is already the 28th there
    assert (form.start.value, form.end.value) == (datetime(2026, 11, 27), datetime(2026, 11, 28))
    assert form.preset.value == "yesterday"
    form.start.value = datetime(2026, 11, 20)
    assert form.preset.value == "" and form.start.value == datetime(2026, 11, 20)
    assert form.end.value == datetime(2026, 11, 28)


def test_a_form_can_start_from_a_preset() -> None:
    form = ReportForm(tz="Europe/Lisbon", last="7d")
    assert form.preset.value == "7d" and form.end.value - form.start.value == timedelta(days=7)
    assert form.end.value.hour == 0 and "7 days: 1 job" in form.plan.value

    with pytest.raises(ValidationError, match="either last="):
        ReportForm(tz="Europe/Lisbon", last="7d", start=datetime(2026, 11, 1))


@pytest.mark.parametrize(("last", "value", "label", "days"), [
    ("2w", "2w", "last 2 weeks", 14), ("3D", "3d", "last 3 days", 3), ("1d", "1d", "last 1 day", 1),
    ("4W", "4w", "last 4 weeks", 28), ("Yesterday", "yesterday", "yesterday", 1),
])
def test_a_form_takes_every_preset_read_report_takes(last: str, value: str, label: str, days: int) -> None:
    form = ReportForm(tz="Europe/Lisbon", last=last)
    assert form.preset.value == value and (label, value) in form.preset.options
    assert form.end.value - form.start.value == timedelta(days=days)


@pytest.mark.parametrize("last", ["fortnight", "٧d", "0d", ""])
def test_a_form_refuses_a_preset_read_report_refuses_naming_last(last: str) -> None:
    with pytest.raises(ValidationError) as info:
        ReportForm(tz="Europe/Lisbon", last=last)
    assert info.value.fields[0]["name"] == "last"
