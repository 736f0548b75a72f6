"""The report types the Explore API exports: slugs, display names, time columns.

A bottom-layer table: the request side (``api``) and the file side (``frames``)
both resolve report names through :func:`report_type`, so an unknown or
misspelled report gets the same error, with the same suggestion, everywhere.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from explore_pandas.exceptions import ValidationError

__all__ = ["REPORT_TYPES", "ReportType", "report_type"]


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
