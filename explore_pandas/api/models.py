"""The nouns of the Explore API: report types, report requests, jobs and their statuses.

``Job`` keeps the raw dict it was built from, so fields this library does not
model yet survive (the ``_properties`` idea of google-cloud-bigquery).
"""

from __future__ import annotations

import difflib
import enum
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from explore_pandas.exceptions import APIError, ValidationError

__all__ = [
    "Job",
    "JobStatus",
    "REPORT_TYPES",
    "ReportRequest",
    "ReportType",
    "report_type",
]

#: File formats the API produces; ``json_bulk`` is (probably) NDJSON.


@dataclass(frozen=True)
class ReportType:
    """A report the Explore API can export: ``slug`` is the ``{type}`` of the URLs.

    ``documented`` is False for slugs guessed from the report's name (the docs
    do not give them; see ``explore-api.md`` section 8.1): they may 404.
    """

    slug: str
    display_name: str
    timespan_field: str | None = None
    documented: bool = True

    def __str__(self) -> str:
        return self.slug


_TYPES = (
    ReportType("audit_logs", "Audit Logs", "timestamp"),
    ReportType("calls", "Calls", "end_at"),
    ReportType("contacts", "Contacts", "finished_at"),
    ReportType("messaging_contacts", "Messaging Contacts", "contact_finished_at"),
    ReportType("messaging_traffic", "Messaging Traffic", "message_created_at"),
    ReportType("ring_attempts", "Ring Attempts", "ring_finished_at_time"),
    ReportType(
        "studio_flow_execution",
        "Studio Flow Execution",
        "studio_flow_executions_aggregated.flow_execution_finished_time",
    ),
    ReportType("user_status", "User Status", "status_end_at"),
    ReportType("adherence", "WFM Schedule Adherence", "reference_date"),
    ReportType("explore_calls", "Explore Calls", "end_time"),
    ReportType("wfm_team_schedule_report", "WFM Team Schedule", "event_start_time"),
    ReportType("feedback_flow", "Feedback Flow", "date_time", documented=False),
    ReportType("interaction_custom_fields", "Interaction Custom Fields", documented=False),
    ReportType("outbound_dialer_calls", "Outbound Dialer Calls", documented=False),
    ReportType(
        "qm_evaluation_analysis",
        "Quality Management Evaluation Analysis",
        "evaluation_date_time",
        documented=False,
    ),
    ReportType("wfm_timeseries", "WFM Timeseries", documented=False),
)

#: Every known report type, by slug.
REPORT_TYPES: Mapping[str, ReportType] = {t.slug: t for t in _TYPES}


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


_LOOKUP: dict[str, ReportType] = {}
for _type in _TYPES:
    for _alias in (_type.slug, _type.display_name):
        _LOOKUP[_key(_alias)] = _type
_LOOKUP[_key("QM Evaluation Analysis")] = REPORT_TYPES["qm_evaluation_analysis"]
_LOOKUP[_key("WFM Team Schedule Report")] = REPORT_TYPES["wfm_team_schedule_report"]


def report_type(value: str | ReportType) -> ReportType:
    """The report type for a slug or a display name, case-insensitively.

    ``"calls"``, ``"Calls"`` and ``"Calls Report"`` all give the calls report.

    Raises
    ------
    ValidationError
        For an unknown name, with the closest known slugs in the message.
    """
    if isinstance(value, ReportType):
        return value
    if isinstance(value, str):
        key = _key(value)
        found = _LOOKUP.get(key) or _LOOKUP.get(re.sub(r" report$", "", key))
        if found is not None:
            return found
    close = difflib.get_close_matches(_key(str(value)), list(_LOOKUP), n=3, cutoff=0.6)
    hint = (
        f" Did you mean {', '.join(repr(_LOOKUP[c].slug) for c in close)}?"
        if close
        else f" Known report types: {', '.join(REPORT_TYPES)}."
    )
    description = f"unknown report type {value!r}"
    raise ValidationError(description + "." + hint, fields=[{"name": "type", "description": description}])


class JobStatus(str, enum.Enum):
    """The seven statuses of a report job (``explore-api.md`` section 4.7)."""

    CREATED = "created"
    PROCESSING = "processing"
    UPLOADING = "uploading"
    DONE = "done"
    FAILED = "failed"
    CANCELED = "canceled"
    DELETED = "deleted"

    @property
    def is_active(self) -> bool:
        """Still running: counts against the account's quota of 15 jobs."""
        return self in (JobStatus.CREATED, JobStatus.PROCESSING, JobStatus.UPLOADING)

    @property
    def is_terminal(self) -> bool:
        """Will not change by itself any more (``done`` can only become ``deleted``)."""
        return not self.is_active

    @property
    def is_failure(self) -> bool:
        """Ended without a file to download."""
        return self in (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.DELETED)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ReportRequest:
    """A validated create request: the window in its zone, ready for the wire.

    Build it with :func:`explore_pandas.api.validation.build_request`. ``start`` and
    ``end`` are aware datetimes in ``timezone``; ``end`` is exclusive.
    """

    report: ReportType
    start: datetime
    end: datetime
    timezone: str
    format: str
    name: str

    def to_body(self) -> dict[str, Any]:
        """The JSON body of ``POST /data/reports/{type}/jobs``: wall times plus ``timezone``."""
        return {
            "name": self.name,
            "timezone": self.timezone,
            "format": self.format,
            "timespan": {"from": _wire(self.start), "to": _wire(self.end)},
        }


def _wire(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True)
class Job:
    """A report job as last seen. Build it with :meth:`from_api`; ``raw`` is the body."""

    id: str
    report: str
    status: JobStatus
    name: str | None = None
    timezone: str | None = None
    format: str | None = None
    timespan_from: str | None = None
    timespan_to: str | None = None
    created_at: str | None = None
    self_url: str | None = None
    files_url: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_api(cls, body: Mapping[str, Any], *, report: str | None = None) -> Job:
        """Build a job from an enveloped (``{"job": {...}, "_links": ...}``) or flat body."""
        if not isinstance(body, Mapping):
            raise APIError(f"expected a job object, got {type(body).__name__}")
        inner = cast(
            Mapping[str, Any], body.get("job") if isinstance(body.get("job"), Mapping) else body
        )
        links = body.get("_links") or inner.get("_links") or {}
        try:
            status = JobStatus(str(inner["status"]).lower())
            job_id = str(inner["id"])
        except (KeyError, ValueError) as error:
            raise APIError(f"unexpected job body (missing or unknown {error}): {dict(inner)!r}") from None
        timespan = cast(
            Mapping[str, Any],
            inner.get("timespan") if isinstance(inner.get("timespan"), Mapping) else {},
        )
        slug = inner.get("type") or report
        if slug is None:
            raise APIError(f"job {job_id} does not say its report type; pass report=")
        return cls(
            id=job_id,
            report=str(slug),
            status=status,
            name=inner.get("name"),
            timezone=inner.get("timezone") or timespan.get("timezone"),
            format=inner.get("format"),
            timespan_from=timespan.get("from"),
            timespan_to=timespan.get("to"),
            created_at=inner.get("created_at"),
            self_url=_href(links, "self"),
            files_url=_href(links, "files"),
            raw=dict(body),
        )

    def with_status(self, status: JobStatus, **changes: Any) -> Job:
        """A copy with another status (and other fields changed)."""
        return replace(self, status=status, **changes)

    def __repr__(self) -> str:
        parts = [f"id={self.id!r}", f"report={self.report!r}", f"status={self.status.value!r}"]
        if self.timespan_from or self.timespan_to:
            zone = f" {self.timezone}" if self.timezone else ""
            parts.append(f"timespan='{self.timespan_from} -> {self.timespan_to}{zone}'")
        if self.format:
            parts.append(f"format={self.format!r}")
        if self.name:
            parts.append(f"name={self.name!r}")
        return f"Job({', '.join(parts)})"

    def _repr_html_(self) -> str:
        rows = [
            ("id", self.id),
            ("report", self.report),
            ("status", self.status.value),
            ("from", self.timespan_from),
            ("to (exclusive)", self.timespan_to),
            ("timezone", self.timezone),
            ("format", self.format),
            ("name", self.name),
            ("created at", self.created_at),
        ]
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
            for k, v in rows
            if v is not None
        )
        return f"<table class='explore-job'><caption>Explore report job</caption>{body}</table>"


def _href(links: Any, name: str) -> str | None:
    if isinstance(links, Mapping) and isinstance(links.get(name), Mapping):
        href = links[name].get("href")
        return str(href) if href else None
    return None
