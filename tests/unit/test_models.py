"""models: report types, job statuses, jobs from every body variant, reprs."""

from __future__ import annotations

import pickle

import pytest

from explore_pandas.api.models import Job, JobStatus
from explore_pandas.exceptions import APIError, ValidationError
from explore_pandas.reports import REPORT_TYPES, report_type

DOCUMENTED = [
    "audit_logs", "calls", "contacts", "messaging_contacts", "messaging_traffic", "ring_attempts",
    "studio_flow_execution", "user_status", "adherence", "explore_calls", "wfm_team_schedule_report",
]
GUESSED = ["feedback_flow", "interaction_custom_fields", "outbound_dialer_calls", "qm_evaluation_analysis", "wfm_timeseries"]


def test_registry_has_every_slug_of_section_8_1() -> None:
    assert set(REPORT_TYPES) == set(DOCUMENTED) | set(GUESSED)
    assert all(REPORT_TYPES[s].documented for s in DOCUMENTED)
    assert not any(REPORT_TYPES[s].documented for s in GUESSED)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("calls", "calls"), ("Calls", "calls"), ("Calls Report", "calls"), ("CALLS report", "calls"),
        ("  user status ", "user_status"), ("User-Status", "user_status"),
        ("WFM Schedule Adherence", "adherence"), ("wfm_team_schedule_report", "wfm_team_schedule_report"),
        ("WFM Team Schedule Report", "wfm_team_schedule_report"), ("QM Evaluation Analysis", "qm_evaluation_analysis"),
        ("Studio Flow Execution Report", "studio_flow_execution"),
    ],
)
def test_lookup_by_slug_or_display_name(name: str, slug: str) -> None:
    assert report_type(name).slug == slug
    assert report_type(report_type(name)) is report_type(name)


def test_unknown_report_type_suggests_close_slugs() -> None:
    with pytest.raises(ValidationError) as info:
        report_type("cals")
    assert "'calls'" in str(info.value)
    assert info.value.fields == [{"name": "type", "description": "unknown report type 'cals'"}]


def test_job_status_helpers() -> None:
    assert len(JobStatus) == 7
    assert {s for s in JobStatus if s.is_active} == {JobStatus.CREATED, JobStatus.PROCESSING, JobStatus.UPLOADING}
    assert {s for s in JobStatus if s.is_failure} == {JobStatus.FAILED, JobStatus.CANCELED, JobStatus.DELETED}
    assert JobStatus.DONE.is_terminal and not JobStatus.DONE.is_failure
    assert str(JobStatus.DONE) == "done" and JobStatus("done") == "done"


JOB = {
    "id": "369f88a5-d5a3-42c6-a135-8aec4215553e",
    "name": "Calls",
    "timezone": "Europe/Lisbon",
    "status": "processing",
    "format": "csv",
    "timespan": {"from": "2026-08-01T00:00:00", "to": "2026-08-02T00:00:00"},
    "created_at": "2026-09-01T10:17:15",
    "type": "calls",
}
LINKS = {"self": {"href": "http://h/data/reports/calls/jobs/1"}, "files": {"href": "http://h/data/reports/calls/files/1"}}


@pytest.mark.parametrize(
    "body",
    [{"job": JOB, "_links": LINKS}, {**JOB, "_links": LINKS}],
    ids=["enveloped", "flat"],
)
def test_job_from_enveloped_or_flat_body(body: dict) -> None:
    job = Job.from_api(body)
    assert job.id == JOB["id"] and job.report == "calls" and job.status is JobStatus.PROCESSING
    assert (job.timespan_from, job.timespan_to, job.timezone) == ("2026-08-01T00:00:00", "2026-08-02T00:00:00", "Europe/Lisbon")
    assert job.self_url.endswith("/jobs/1") and job.files_url.endswith("/files/1")
    assert job.raw == body


def test_job_without_type_takes_the_report_argument() -> None:
    body = {k: v for k, v in JOB.items() if k != "type"}
    assert Job.from_api(body, report="contacts").report == "contacts"
    with pytest.raises(APIError):
        Job.from_api(body)


@pytest.mark.parametrize("body", [{"job": {"id": "1"}}, {"status": "completed", "id": "1", "type": "calls"}, []])
def test_bad_job_bodies_raise_api_error(body: object) -> None:
    with pytest.raises(APIError):
        Job.from_api(body)  # type: ignore[arg-type]


def test_job_reprs_are_readable_and_escaped() -> None:
    job = Job.from_api({"job": {**JOB, "name": "<b>q3</b>"}})
    text = repr(job)
    assert text.startswith("Job(id='369f88a5") and "status='processing'" in text
    assert "2026-08-01T00:00:00 -> 2026-08-02T00:00:00 Europe/Lisbon" in text
    html = job._repr_html_()
    assert "&lt;b&gt;q3&lt;/b&gt;" in html and "<b>q3" not in html
    assert "processing" in html


def test_job_pickles_and_is_frozen() -> None:
    job = Job.from_api({"job": JOB})
    assert pickle.loads(pickle.dumps(job)) == job
    with pytest.raises(AttributeError):
        job.status = JobStatus.DONE  # type: ignore[misc]
    assert job.with_status(JobStatus.DONE).status is JobStatus.DONE


def test_a_year_before_1000_is_padded_on_the_wire() -> None:
    """strftime("%Y") writes year 999 as "999" on glibc: the API could not read it as a date."""
    from datetime import datetime as dt
    from zoneinfo import ZoneInfo

    from explore_pandas.api.models import ReportRequest
    from explore_pandas.reports import report_type

    zone = ZoneInfo("UTC")
    body = ReportRequest(report_type("calls"), dt(999, 1, 1, tzinfo=zone), dt(999, 1, 2, 6, 30, tzinfo=zone),
                         "UTC", "csv", "n").to_body()
    assert body["timespan"] == {"from": "0999-01-01T00:00:00", "to": "0999-01-02T06:30:00"}
