"""The nouns of the Explore API: report requests, jobs and their statuses.

``Job`` keeps the raw dict it was built from, so fields this library does not
model yet survive (the ``_properties`` idea of google-cloud-bigquery).
"""

from __future__ import annotations

import enum
import html
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, cast

from explore_pandas.exceptions import APIError
from explore_pandas.reports import ReportType

__all__ = ["Job", "JobStatus", "ReportRequest"]


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

    @classmethod
    def from_value(cls, value: object) -> JobStatus | None:
        """The status named ``value``, or None for anything else (a window's own states, junk)."""
        if not isinstance(value, str):
            return None
        try:
            return cls(value)
        except ValueError:
            return None


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
    """The wall time, ``YYYY-MM-DDTHH:MM:SS``: ``isoformat`` pads the year (``strftime("%Y")``
    writes year 999 as ``999`` on glibc, which no API reads as a date)."""
    return value.replace(tzinfo=None, microsecond=0).isoformat(timespec="seconds")


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

    @property
    def created_time(self) -> datetime | None:
        """``created_at`` as an aware datetime (the API's naive values are UTC); None if absent or odd."""
        if not self.created_at:
            return None
        try:
            created = datetime.fromisoformat(self.created_at.replace("Z", "+00:00"))
        except ValueError:
            return None
        return created if created.tzinfo is not None else created.replace(tzinfo=timezone.utc)

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
