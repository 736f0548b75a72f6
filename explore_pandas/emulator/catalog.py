"""Report catalogue of the emulator: one `ReportSpec` per report type it serves.

Column keys, CSV labels and value encodings follow ``explore-api.md`` sections 7 and 8.
Where the API's keys are unknown, keys are the snake_case of the documented display labels
and the column is marked ``guessed``; reports with no known columns at all get a small
plausible set, all guessed. `data.py` generates rows from these specs and `render.py` turns
them into wire text, so this module is pure data plus two small constructors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

#: Wire kinds. Durations are generated in seconds and encoded per kind:
#: ``seconds``/``minutes`` integers, ``days`` float fraction of a day, ``dhms`` "0d 0h 0m 42s".
KINDS = frozenset(
    {"datetime", "str", "int", "float", "bool", "seconds", "minutes", "days", "dhms", "list"}
)

#: Generators (``Column.gen``); see `data.py` for what each draws.
GENS = frozenset(
    {
        "event", "start", "end", "within", "before", "after", "day",  # datetimes from the event
        "span", "part", "secs",  # durations (seconds before encoding)
        "choice", "const", "uuid", "hex", "digits", "phone", "text", "ips", "url",
        "user.id", "user.name", "user.email", "team.id", "team.name", "groups",
    }
)

#: Datetime renderings (strftime-like; ``%-H`` is an unpadded hour, ``%3f`` milliseconds).
NAIVE = "%Y-%m-%d %H:%M:%S"
ISO_Z = "%Y-%m-%dT%H:%M:%SZ"
MILLIS = "%Y-%m-%d %H:%M:%S.%3f"
UNPADDED = "%Y-%m-%d %-H:%M:%S"

YES_NO = ("Yes", "No")


@dataclass(frozen=True)
class Column:
    """One report column: JSON key, CSV label, wire kind and how to generate it.

    ``null`` is the fraction of missing values; ``empty`` is what a missing datetime is
    rendered as (``None`` means JSON null / empty CSV field, ``""`` an empty string).
    ``ref`` names another column (the id a ``url`` embeds). ``scale`` is the mean in
    seconds for ``secs`` and the length for ``digits``.
    """

    key: str
    label: str
    kind: str
    gen: str
    choices: tuple[Any, ...] = ()
    weights: tuple[float, ...] = ()
    null: float = 0.0
    scale: float = 0.0
    ref: str = ""
    empty: str | None = None
    guessed: bool = False


@dataclass(frozen=True)
class ReportSpec:
    """A report type: slug, timespan field, volume, envelope, datetime format and columns.

    ``default_rate`` is the mean number of rows per day; ``span_median`` the median length
    in seconds of the thing a row describes (a call, a status, a step), from which the
    start/within datetimes and the duration columns derive.
    """

    slug: str
    display_name: str
    timespan_field: str
    default_rate: float
    columns: tuple[Column, ...]
    json_header: dict[str, str]
    datetime_format: str = NAIVE
    span_median: float = 240.0
    guessed: bool = False

    @property
    def keys(self) -> list[str]:
        """JSON keys in column order."""
        return [c.key for c in self.columns]

    @property
    def labels(self) -> list[str]:
        """CSV header labels in column order."""
        return [c.label for c in self.columns]


def title(key: str) -> str:
    """Fallback CSV label: ``call_id`` -> ``Call Id`` (the C-gui client reads "Call Id")."""
    return key.replace("_", " ").title()


def col(key: str, kind: str, gen: str, label: str | None = None, **kw: Any) -> Column:
    """Build a `Column`, defaulting the label to the title-cased key."""
    if kind not in KINDS or gen not in GENS:
        raise ValueError(f"bad column {key!r}: kind={kind!r} gen={gen!r}")
    return Column(key, label or title(key), kind, gen, **kw)


def labelled(label: str, kind: str, gen: str, **kw: Any) -> Column:
    """A column known only by its display label; the key is its guessed snake_case."""
    key = "".join(ch if ch.isalnum() else "_" for ch in label.lower())
    key = "_".join(part for part in key.split("_") if part)
    return col(key, kind, gen, label, guessed=True, **kw)


def _spec(
    slug: str, name: str, field: str, rate: float, columns: list[Column], **kw: Any
) -> ReportSpec:
    header = kw.pop("json_header", {})
    if kw.get("guessed"):
        columns = [replace(c, guessed=True) for c in columns]
    spec = ReportSpec(slug, name, field, rate, tuple(columns), header, **kw)
    if [c.key for c in spec.columns if c.gen == "event"] != [field]:
        raise ValueError(f"{slug}: exactly one event column, named as the timespan field")
    return spec



_PHONE_NAMES = ("Support Line", "Sales, EMEA", "Billing", "Suporte Lisboa")
_DISPOSITIONS = ("Resolved", "Follow-up", "Escalated", "Wrong number")
_IVR = ("1", "1,2", "1,2,1", "")
_RING_GROUPS = ("agents", "agents,billing", "sales", "support,vip")
_CUSTOMERS = ("Ana Gonçalves", 'Hérmes "Nunes"', "Smith, John", "Mei Chen", "Olumide Bello")
_INTS = (0, 1, 7, 42, 1000)
_FLOATS = (0.5, 12.75, 99.99, 1e-05)

CALLS = _spec("calls", "Calls", "end_at", 1500, [
    col("call_id", "str", "digits", scale=19),
    col("callsid", "str", "hex"),
    col("type", "str", "choice", choices=(
        "inbound", "outbound", "abandoned", "missed", "outbound_missed", "short_abandoned",
        "voicemail"), weights=(55, 25, 6, 5, 4, 2, 3)),
    col("start_at", "datetime", "start"),
    col("end_at", "datetime", "event"),
    col("talkdesk_phone_number", "str", "phone"),
    col("talkdesk_phone_display_name", "str", "choice", choices=_PHONE_NAMES),
    col("contact_phone_number", "str", "phone"),
    col("user_id", "str", "user.id", null=0.1),
    col("user_name", "str", "user.name", null=0.1),
    col("user_email", "str", "user.email", null=0.1),
    col("total_time", "seconds", "span"),
    col("talk_time", "seconds", "part"),
    col("wait_time", "seconds", "secs", scale=30),
    col("hold_time", "seconds", "secs", scale=20),
    col("abandon_time", "seconds", "secs", scale=5),
    col("total_ringing_time", "seconds", "secs", scale=12),
    col("disposition_code", "str", "choice", choices=_DISPOSITIONS, null=0.3),
    col("notes", "str", "text", null=0.6),
    col("user_voice_rating", "int", "choice", choices=(1, 2, 3, 4, 5), null=0.7),
    col("ring_groups", "str", "choice", choices=_RING_GROUPS),
    col("ivr_options", "str", "choice", choices=_IVR),
    col("is_in_business_hours", "bool", "choice", choices=(True, False), weights=(85, 15)),
    col("is_callback_from_queue", "bool", "choice", choices=(True, False), null=0.5),
    col("is_transfer", "bool", "choice", choices=(True, False), weights=(10, 90)),
    col("handling_user_id", "str", "user.id", null=0.1),
    col("handling_user_name", "str", "user.name", null=0.1),
    col("handling_user_email", "str", "user.email", null=0.1),
    col("recording_url", "str", "url", ref="call_id", null=0.2,
        choices=("https://api.talkdeskapp.com/calls/{}/recordings",)),
    col("is_external_transfer", "bool", "choice", choices=(True, False), weights=(3, 97)),
    col("is_if_no_answer", "bool", "choice", choices=(True, False), weights=(5, 95)),
    col("is_call_forwarding", "bool", "choice", choices=(True, False), weights=(2, 98)),
    col("csat_score", "int", "choice", choices=(1, 2, 3, 4, 5), null=0.8),
    # The v1 payload renders a missing survey time as "" rather than null (section 8.2).
    col("csat_survey_time", "datetime", "after", null=0.8, empty=""),
    col("team_id", "str", "team.id", null=0.1),
    col("team_name", "str", "team.name", null=0.1),
    col("rating_reason", "str", "choice", choices=("", "Long wait", "Helpful agent")),
    col("agent_disconnected", "str", "choice", choices=YES_NO, weights=(30, 70)),
    col("data_status", "str", "const", choices=("Valid",)),
    col("int_custom_field_n1", "int", "choice", choices=_INTS, null=0.9),
    col("int_custom_field_n2", "int", "choice", choices=_INTS, null=0.9),
    col("float_custom_field_n1", "float", "choice", choices=_FLOATS, null=0.9),
    col("float_custom_field_n2", "float", "choice", choices=_FLOATS, null=0.9),
    col("text_custom_field_n1", "str", "text", null=0.9),
    col("text_custom_field_n2", "str", "text", null=0.9),
    col("text_custom_field_n3", "str", "text", null=0.9),
    col("text_custom_field_n4", "str", "text", null=0.9),
    col("timestamp_custom_field_n1", "datetime", "within", null=0.9),
    col("disposition_set", "str", "choice", choices=("Default", "Sales", "")),
    col("nested_disposition", "str", "choice", choices=("", "Billing > Refund", "Sales > Upsell")),
    col("mood", "str", "choice", choices=("positive", "neutral", "negative"), null=0.7),
    col("is_mood_prompted", "bool", "choice", choices=(True, False), null=0.7),
], json_header={"type": "calls", "version": "v1"}, datetime_format=ISO_Z)

_TRUE_FALSE = ("TRUE", "FALSE")
EXPLORE_CALLS = _spec("explore_calls", "Explore Calls", "end_time", 1500, [
    col("interaction_id", "str", "hex"),
    col("call_type", "str", "choice", choices=("inbound", "outbound", "abandoned", "missed",
                                                "voicemail"), weights=(55, 28, 7, 6, 4)),
    col("start_time", "datetime", "start"),
    col("end_time", "datetime", "event"),
    col("talkdesk_phone_number", "str", "phone"),
    col("customer_phone_number", "str", "phone"),
    col("talk_time", "days", "part"),
    col("record", "str", "url", ref="interaction_id", null=0.2, choices=("/recordings/{}",)),
    col("hangup", "str", "choice", choices=("agent", "customer")),
    col("in_business_hours?", "str", "choice", choices=_TRUE_FALSE, weights=(85, 15)),
    col("callback_from_queue?", "str", "choice", choices=_TRUE_FALSE, weights=(5, 95)),
    col("waiting_time", "days", "secs", scale=30),
    col("agent_speed_to_answer", "days", "secs", scale=10),
    col("holding_time", "days", "secs", scale=20),
    col("rating", "int", "choice", choices=(1, 2, 3, 4, 5), null=0.7),
    col("description", "str", "text", null=0.6),
    col("agent_name", "str", "user.name", null=0.1),
    col("phone_display_name", "str", "choice", choices=_PHONE_NAMES),
    col("disposition_code", "str", "choice", choices=_DISPOSITIONS, null=0.3),
    col("transfer?", "str", "choice", choices=YES_NO, weights=(10, 90)),
    col("handling_agent", "str", "user.name", null=0.1),
    col("tags", "str", "choice", choices=("agents+rg1", "agents", "sales+agents")),
    col("ivr_options", "str", "choice", choices=_IVR),
    col("csat_score", "int", "choice", choices=(1, 2, 3, 4, 5), null=0.8),
    col("csat_survey_time", "datetime", "after", null=0.8),
    col("team", "str", "team.name", null=0.1),
    col("rating_reason", "str", "choice", choices=("", "Long wait", "Helpful agent")),
    col("agent_disconnected", "str", "choice", choices=YES_NO, weights=(30, 70)),
    col("disposition_set", "str", "choice", choices=("Default", "Sales", "")),
    col("nested_disposition", "str", "choice", choices=("", "Billing > Refund")),
])

USER_STATUS = _spec("user_status", "User Status", "status_end_at", 3000, [
    col("user_id", "str", "user.id"),
    col("user_name", "str", "user.name"),
    col("user_email", "str", "user.email"),
    col("status_label", "str", "choice", choices=(
        "Available", "On A Call", "After Call Work", "Away", "Busy", "Offline"),
        weights=(30, 35, 15, 10, 5, 5)),
    col("status_start_at", "datetime", "start"),
    col("status_end_at", "datetime", "event"),
    col("status_time", "seconds", "span"),
    col("is_user_active", "bool", "choice", choices=(True, False), weights=(95, 5)),
    col("team_id", "str", "team.id", null=0.05),
    col("team_name", "str", "team.name", null=0.05),
    col("ring_groups", "str", "groups"),
], json_header={"type": "user_status", "version": "v1"}, span_median=900)

_YN: dict[str, Any] = {"choices": YES_NO}
_NONE_TYPES = ("None", "Blind", "Consultative")
CONTACTS = _spec("contacts", "Contacts", "finished_at", 1800, [
    col("interaction_id", "str", "hex", "Interaction ID"),
    col("contact_id", "str", "uuid", "Contact ID"),
    col("company_number", "str", "phone"),
    col("phone_display_name", "str", "choice", choices=_PHONE_NAMES),
    col("contact_person_number", "str", "phone"),
    col("external_phone_number", "str", "phone", "External Phone Number (Forward)", null=0.9),
    col("direction", "str", "choice", choices=("IN", "OUT"), weights=(70, 30)),
    col("contact_type", "str", "choice", choices=(
        "Answered", "Missed", "Abandoned", "Short Abandoned", "Voicemail"),
        weights=(80, 6, 7, 3, 4)),
    col("started_at", "datetime", "start"),
    col("wait_time", "seconds", "secs", scale=30),
    col("time_to_missed", "seconds", "secs", scale=3),
    col("abandon_time", "seconds", "secs", scale=5),
    col("short_abandon_time", "seconds", "secs", scale=1),
    col("time_to_voicemail", "seconds", "secs", scale=2),
    col("ring_time", "seconds", "secs", scale=12),
    col("connect_time", "seconds", "secs", scale=4),
    col("answered_at", "datetime", "within", null=0.15),
    col("connected_at", "datetime", "within", null=0.15),
    col("talk_time", "seconds", "part"),
    col("hard_hold_time", "seconds", "secs", scale=10),
    col("soft_hold_time", "seconds", "secs", scale=10),
    col("hold_time", "seconds", "secs", scale=20),
    col("after_call_work_time", "seconds", "secs", scale=30),
    col("finished_at", "datetime", "event"),
    col("duration", "seconds", "span"),
    col("handle_time", "seconds", "part"),
    col("inside_business_hours", "str", "choice", "Inside Business Hours (Yes / No)", **_YN),
    col("inside_service_level", "str", "choice", **_YN),
    col("within_service_level_threshold", "str", "choice", **_YN),
    col("transfer_out", "str", "choice", **_YN),
    # Airbyte's examples carry missing text as the literal string "None" (section 8.4).
    col("transfer_out_type", "str", "choice", choices=_NONE_TYPES),
    col("transfer_in", "str", "choice", **_YN),
    col("transfer_in_type", "str", "choice", choices=_NONE_TYPES),
    col("callback", "str", "choice", **_YN),
    col("ring_groups", "str", "choice", choices=_RING_GROUPS),
    col("user_name", "str", "user.name", null=0.1),
    col("direct_assignment_user", "str", "choice", choices=("None",)),
    col("team_name", "str", "team.name", null=0.1),
    col("user_id", "str", "user.id", "User ID", null=0.1),
    col("direct_assignment_ids", "str", "choice", choices=("None",), label="Direct Assignment IDs"),
    col("team_id", "str", "team.id", "Team ID", null=0.1),
    col("handling_ring_groups", "str", "choice", choices=_RING_GROUPS),
    labelled("Disconnected By Agent", "str", "choice", **_YN),
    labelled("Last Contact (Yes / No)", "str", "choice", choices=YES_NO, weights=(90, 10)),
    labelled("Data Status (Valid / Damaged)", "str", "choice", choices=("Valid", "Damaged"),
             weights=(99, 1)),
])

RING_ATTEMPTS = _spec("ring_attempts", "Ring Attempts", "ring_finished_at_time", 4000, [
    col("interaction_id", "str", "hex"),
    col("contact_id", "str", "uuid"),
    col("batch_ring_id", "str", "uuid"),
    col("ring_attempt_id", "str", "uuid"),
    col("attempt_type", "str", "choice", choices=("Accepted", "Ignored", "Rejected", "Missed"),
        weights=(50, 30, 10, 10)),
    col("ring_started_at_time", "datetime", "start"),
    col("ring_finished_at_time", "datetime", "event"),
    col("ring_attempt_duration", "seconds", "span"),
    col("user_name", "str", "user.name"),
    col("user_email", "str", "user.email"),
    col("team_name", "str", "team.name", null=0.05),
], span_median=12)

STUDIO_FIELD = "studio_flow_executions_aggregated.flow_execution_finished_time"
STUDIO = _spec("studio_flow_execution", "Studio Flow Execution", STUDIO_FIELD, 12000, [
    col("call_sid", "str", "hex"),
    col("interaction_id", "str", "hex"),
    col("destination_number", "str", "phone"),
    col("origin_number", "str", "phone"),
    col("flow_name", "str", "choice", choices=("Main IVR", "After hours", "Callback, VIP")),
    col("flow_id", "str", "choice", choices=("5f1a2b3c4d", "0123456789", "60a7e1")),
    col("component_title", "str", "choice", choices=("Start", "Menu", "Assignment", "Hangup")),
    col("step_name", "str", "choice", choices=("start", "menu_1", "assign_and_dial", "end")),
    col("exit", "str", "choice", choices=("ok", "call_aborted", "timeout", "no_match"),
        weights=(85, 8, 4, 3)),
    col("time_in_step", "days", "span"),
    col("timestamp", "datetime", "start"),
    col(STUDIO_FIELD, "datetime", "event"),
    col("step_execution_order", "int", "choice", choices=tuple(range(1, 13))),
    labelled("Flow Execution ID", "str", "uuid"),
], span_median=3)

_IP_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)'
AUDIT_LOGS = _spec("audit_logs", "Audit Logs", "timestamp", 20000, [
    col("actor_id", "str", "uuid"),
    col("generator_name", "str", "choice", choices=(
        "ring-groups-api", "users-api", "explore-api", "studio-api")),
    col("ip_addresses", "list", "ips"),
    col("operation", "str", "choice", choices=(
        "read_ring_groups", "update_user", "create_report_job", "publish_flow")),
    col("platform_tid", "str", "uuid"),
    col("resource_id", "str", "uuid"),
    col("operation_status", "str", "choice", choices=("success", "failure"), weights=(97, 3)),
    col("user_agent", "str", "choice", choices=(_IP_AGENT, "python-requests/2.32", 'curl "8.5"')),
    col("timestamp", "datetime", "event"),
    col("user_id", "str", "user.id", null=0.2),
    col("agent_name", "str", "user.name", null=0.2),
    col("agent_email", "str", "user.email", null=0.2),
], datetime_format=MILLIS, span_median=1)

_CHANNELS = ("EMAIL", "SMS", "WHATSAPP", "CHAT", "FB_MESSENGER")
MESSAGING_TRAFFIC = _spec("messaging_traffic", "Messaging Traffic", "message_created_at", 2500, [
    col("contact_id", "str", "uuid"),
    col("channel_type", "str", "choice", choices=_CHANNELS),
    col("contact_person_id", "str", "uuid"),
    col("contact_person_name", "str", "choice", choices=_CUSTOMERS),
    col("interaction_id", "str", "hex"),
    col("message_created_at", "datetime", "event"),
    col("message_direction", "str", "choice", choices=("Inbound", "Outbound")),
    col("message_id", "str", "uuid"),
    col("user_id", "str", "user.id", null=0.4),
    col("user_name", "str", "user.name", null=0.4),
])

MESSAGING_CONTACTS = _spec("messaging_contacts", "Messaging Contacts", "contact_finished_at", 800, [
    col("channel_type", "str", "choice", choices=_CHANNELS),
    col("contact_assigned_at", "datetime", "within"),
    col("contact_duration", "days", "span"),
    col("contact_finished_at", "datetime", "event"),
    col("contact_finished_reason", "str", "choice", choices=(
        "MANUALLY CLOSED", "AUTO CLOSED", "TRANSFERRED")),
    col("contact_handle_time", "dhms", "part"),
    col("contact_id", "str", "uuid"),
    col("contact_person_channel_identifier", "str", "phone"),
    col("contact_person_id", "str", "uuid"),
    col("contact_person_name", "str", "choice", choices=_CUSTOMERS),
    col("contact_started_at", "datetime", "start"),
    col("conversation", "str", "url", ref="contact_id",
        choices=("https://myaccount.mytalkdesk.com/conversations/{}",)),
    col("direct_assignment_user_id", "str", "user.id", null=0.8),
    col("direct_assignment_user", "str", "user.name", null=0.8),
    col("direction", "str", "choice", choices=("Inbound", "Outbound")),
    col("disposition_name", "str", "choice", choices=_DISPOSITIONS, null=0.3),
    col("first_response_time", "dhms", "secs", scale=120),
    col("handling_queues", "str", "choice", choices=("agents", "agents + julie")),
    col("interaction_duration", "days", "span"),
    col("interaction_finished_at", "datetime", "within"),
    col("interaction_handle_time", "dhms", "part"),
    col("interaction_id", "str", "hex"),
    col("interaction_started_at", "datetime", "start"),
    col("interaction_status", "str", "choice", choices=("CLOSED", "OPEN"), weights=(95, 5)),
    col("is_virtual_agent", "str", "choice", choices=("NO", "YES"), weights=(90, 10)),
    col("notes", "str", "text", null=0.7),
    col("queues", "str", "choice", choices=("agents + julie", "agents")),
    col("touchpoint_identifier", "str", "phone"),
    col("touchpoint_name", "str", "choice", choices=_PHONE_NAMES),
    col("transfer_out", "str", "choice", choices=YES_NO, weights=(10, 90)),
    col("user_id", "str", "user.id", null=0.1),
    col("user_name", "str", "user.name", null=0.1),
    col("virtual_agent_id", "str", "uuid", null=0.9),
    col("virtual_agent_name", "str", "choice", choices=("Julie",), null=0.9),
    col("wrap-up_duration", "days", "secs", scale=60),
], span_median=1800)

ADHERENCE = _spec("adherence", "WFM Schedule Adherence", "adherence_event_start_time", 600, [
    labelled("Agent Name", "str", "user.name"),
    labelled("Agent Email", "str", "user.email"),
    labelled("Agent Ring Groups", "str", "groups"),
    labelled("Team Name", "str", "team.name", null=0.05),
    labelled("Account Time Zone", "str", "const", choices=("Lisbon",)),
    labelled("Reference Date", "datetime", "day"),
    labelled("Adherence Event Start Time", "datetime", "event"),
    labelled("Adherence Event End Time", "datetime", "end"),
    labelled("Adherence Event Duration", "seconds", "span"),
    labelled("Adherence Status", "str", "choice", choices=("Adherent", "Deviated")),
    labelled("Shift Status", "str", "choice", choices=("On Shift", "Off Shift")),
    labelled("Scheduled Event Name", "str", "choice", choices=("Work", "Break", "Lunch")),
    labelled("Scheduled Event Pay Status", "str", "choice", choices=("Paid", "Unpaid")),
], span_median=3600)

TEAM_SCHEDULE = _spec("wfm_team_schedule_report", "WFM Team Schedule", "event_start_time", 400, [
    labelled("Agent Name", "str", "user.name"),
    labelled("Agent Id", "str", "user.id"),
    labelled("Agent Queues", "str", "groups"),
    labelled("Agent Team", "str", "team.name", null=0.05),
    labelled("Event Type Name", "str", "choice", choices=("Shift", "Team meeting", "Training")),
    labelled("Event Start Time", "datetime", "event"),
    labelled("Event End Time", "datetime", "end"),
    labelled("Event Duration (min)", "minutes", "span"),
    labelled("Event Pay Status", "str", "choice", choices=("PAID", "UNPAID")),
    labelled("Event Type Usage", "str", "choice", choices=("SHIFT", "MEETING")),
    labelled("Event Paid Time (min)", "minutes", "part"),
    labelled("Created At", "datetime", "before"),
    labelled("Updated At", "datetime", "within"),
    labelled("Event Id", "str", "uuid"),
], datetime_format=UNPADDED, span_median=4 * 3600)

FEEDBACK_FLOW = _spec("feedback_flow", "Feedback Flow", "date_time", 500, [
    labelled("Date & Time", "datetime", "event"),
    labelled("Interaction ID", "str", "hex"),
    labelled("Flow Name", "str", "choice", choices=("Post-call survey", "NPS")),
    labelled("Component ID", "str", "uuid"),
    labelled("Component Name", "str", "choice", choices=("Q1", "Q2")),
    labelled("Component Type", "str", "choice", choices=("Rating", "Yes/No")),
    labelled("Component Text", "str", "text"),
    labelled("Response", "str", "choice", choices=("5", "4", "1", "Yes", "No")),
    labelled("Is KPI", "str", "choice", **_YN),
    labelled("Pertains to Agent", "str", "choice", **_YN),
    labelled("Recording URL", "str", "url", ref="interaction_id", choices=("/recordings/{}",)),
    labelled("Agent Name", "str", "user.name", null=0.1),
    labelled("Respondent Phone Number", "str", "phone"),
    labelled("Talkdesk Phone Number", "str", "phone"),
    labelled("Ring Group", "str", "choice", choices=_RING_GROUPS),
    labelled("Team Name", "str", "team.name", null=0.1),
    labelled("Interaction Direction", "str", "choice", choices=("Inbound", "Outbound")),
    labelled("Survey Channel", "str", "choice", choices=("Voice", "SMS")),
], guessed=True)

QM_EVALUATIONS = _spec("qm_evaluation_analysis", "Quality Management Evaluation Analysis",
                       "evaluation_date_time", 300, [
    labelled("Agent", "str", "user.name"),
    labelled("Agent Email", "str", "user.email"),
    labelled("Agent ID", "str", "user.id"),
    labelled("Agent Name", "str", "user.name"),
    labelled("Branch To", "str", "choice", choices=("Section 2",), null=0.8),
    labelled("Evaluation Date/Time", "datetime", "event"),
    labelled("Evaluation Element Text", "str", "text"),
    labelled("Evaluation ID", "str", "uuid"),
    labelled("Evaluation Max Score", "float", "const", choices=(100.0,)),
    labelled("Evaluation Obtained Score", "float", "choice", choices=(55.5, 80.0, 92.25, 100.0)),
    labelled("Evaluation Version", "int", "choice", choices=(1, 2, 3)),
    labelled("Evaluator ID", "str", "choice", choices=("AI Scored Evaluation", "0042", "7781")),
    labelled("Evaluator Name", "str", "choice", choices=("Quality Bot", "Rita Sá")),
    labelled("Form ID", "str", "uuid"),
    labelled("Form Name", "str", "choice", choices=("Voice QA", "Chat QA, v2")),
], datetime_format=UNPADDED, guessed=True)

CUSTOM_FIELDS = _spec("interaction_custom_fields", "Interaction Custom Fields", "created_at",
                      1000, [
    col("interaction_id", "str", "hex"),
    col("custom_field_name", "str", "choice", choices=("order_id", "priority", "tier")),
    # Numeric-looking values ("00042", "1e5") catch clients that coerce text to numbers.
    col("custom_field_value", "str", "choice", choices=("00042", "1e5", "high", "123456789012")),
    col("custom_field_type", "str", "choice", choices=("text", "number")),
    col("created_at", "datetime", "event"),
], guessed=True)

OUTBOUND_DIALER = _spec("outbound_dialer_calls", "Outbound Dialer Calls", "ended_at", 3000, [
    col("call_id", "str", "digits", scale=19),
    col("campaign_id", "str", "uuid"),
    col("campaign_name", "str", "choice", choices=("Renewals", "Win-back, Q3")),
    col("contact_phone_number", "str", "phone"),
    col("talkdesk_phone_number", "str", "phone"),
    col("dialer_status", "str", "choice", choices=(
        "answered", "no_answer", "busy", "voicemail", "failed"), weights=(40, 30, 10, 15, 5)),
    col("disposition", "str", "choice", choices=_DISPOSITIONS, null=0.5),
    col("user_id", "str", "user.id", null=0.4),
    col("user_name", "str", "user.name", null=0.4),
    col("started_at", "datetime", "start"),
    col("ended_at", "datetime", "event"),
    col("duration", "seconds", "span"),
    col("talk_time", "seconds", "part"),
], guessed=True, span_median=60)

WFM_TIMESERIES = _spec("wfm_timeseries", "WFM Timeseries", "interval_start", 400, [
    col("queue_name", "str", "choice", choices=("agents", "billing", "sales")),
    col("interval_start", "datetime", "event"),
    col("interval_end", "datetime", "end"),
    col("forecasted_contacts", "int", "choice", choices=(0, 4, 12, 30)),
    col("actual_contacts", "int", "choice", choices=(0, 3, 11, 35)),
    col("forecasted_aht", "seconds", "secs", scale=300),
    col("actual_aht", "seconds", "secs", scale=300),
    col("required_agents", "float", "choice", choices=(0.0, 1.5, 3.25, 7.0)),
    col("scheduled_agents", "int", "choice", choices=(0, 2, 4, 8)),
], guessed=True, span_median=900)

#: Every report type the emulator serves, keyed by its ``{type}`` slug.
REPORTS: dict[str, ReportSpec] = {
    spec.slug: spec
    for spec in (
        AUDIT_LOGS, CALLS, CONTACTS, MESSAGING_CONTACTS, MESSAGING_TRAFFIC, RING_ATTEMPTS,
        STUDIO, USER_STATUS, ADHERENCE, EXPLORE_CALLS, TEAM_SCHEDULE,
        FEEDBACK_FLOW, CUSTOM_FIELDS, OUTBOUND_DIALER, QM_EVALUATIONS, WFM_TIMESERIES,
    )
}
