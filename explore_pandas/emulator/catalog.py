"""Report catalogue of the emulator: one `ReportSpec` per report type it serves.

Column keys, CSV labels and value encodings follow ``explore-api.md`` sections 7 and 8.
Where the API's keys are unknown, keys are the snake_case of the documented display labels
and the column is marked ``guessed``; reports with no known columns at all get a small
plausible set, all guessed (those are in `guessed`; the building blocks in `columns`).
`data.py` generates rows from these specs and `render.py` turns them into wire text, so
this module is pure data.
"""

from __future__ import annotations

from explore_pandas.emulator.columns import (  # re-exported: render, values and data use them
    CUSTOMERS,
    DISPOSITIONS,
    FLOATS,
    GENS,
    INTS,
    ISO_Z,
    IVR,
    KINDS,
    MILLIS,
    NAIVE,
    PHONE_NAMES,
    RING_GROUPS,
    UNPADDED,
    YES_NO,
    YN,
    Column,
    ReportSpec,
    col,
    labelled,
    report_spec,
    title,
)
from explore_pandas.emulator.guessed import (
    ADHERENCE,
    CUSTOM_FIELDS,
    FEEDBACK_FLOW,
    OUTBOUND_DIALER,
    QM_EVALUATIONS,
    TEAM_SCHEDULE,
    WFM_TIMESERIES,
)

__all__ = [
    "GENS", "ISO_Z", "KINDS", "MILLIS", "NAIVE", "REPORTS", "UNPADDED", "YES_NO", "Column",
    "ReportSpec", "col", "labelled", "title",
]

CALLS = report_spec("calls", "Calls", "end_at", 1500, [
    col("call_id", "str", "digits", scale=19),
    col("callsid", "str", "hex"),
    col("type", "str", "choice", choices=(
        "inbound", "outbound", "abandoned", "missed", "outbound_missed", "short_abandoned",
        "voicemail"), weights=(55, 25, 6, 5, 4, 2, 3)),
    col("start_at", "datetime", "start"),
    col("end_at", "datetime", "event"),
    col("talkdesk_phone_number", "str", "phone"),
    col("talkdesk_phone_display_name", "str", "choice", choices=PHONE_NAMES),
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
    col("disposition_code", "str", "choice", choices=DISPOSITIONS, null=0.3),
    col("notes", "str", "text", null=0.6),
    col("user_voice_rating", "int", "choice", choices=(1, 2, 3, 4, 5), null=0.7),
    col("ring_groups", "str", "choice", choices=RING_GROUPS),
    col("ivr_options", "str", "choice", choices=IVR),
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
    col("int_custom_field_n1", "int", "choice", choices=INTS, null=0.9),
    col("int_custom_field_n2", "int", "choice", choices=INTS, null=0.9),
    col("float_custom_field_n1", "float", "choice", choices=FLOATS, null=0.9),
    col("float_custom_field_n2", "float", "choice", choices=FLOATS, null=0.9),
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
EXPLORE_CALLS = report_spec("explore_calls", "Explore Calls", "end_time", 1500, [
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
    col("phone_display_name", "str", "choice", choices=PHONE_NAMES),
    col("disposition_code", "str", "choice", choices=DISPOSITIONS, null=0.3),
    col("transfer?", "str", "choice", choices=YES_NO, weights=(10, 90)),
    col("handling_agent", "str", "user.name", null=0.1),
    col("tags", "str", "choice", choices=("agents+rg1", "agents", "sales+agents")),
    col("ivr_options", "str", "choice", choices=IVR),
    col("csat_score", "int", "choice", choices=(1, 2, 3, 4, 5), null=0.8),
    col("csat_survey_time", "datetime", "after", null=0.8),
    col("team", "str", "team.name", null=0.1),
    col("rating_reason", "str", "choice", choices=("", "Long wait", "Helpful agent")),
    col("agent_disconnected", "str", "choice", choices=YES_NO, weights=(30, 70)),
    col("disposition_set", "str", "choice", choices=("Default", "Sales", "")),
    col("nested_disposition", "str", "choice", choices=("", "Billing > Refund")),
])

USER_STATUS = report_spec("user_status", "User Status", "status_end_at", 4300, [
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

_NONE_TYPES = ("None", "Blind", "Consultative")
CONTACTS = report_spec("contacts", "Contacts", "finished_at", 1500, [
    col("interaction_id", "str", "hex", "Interaction ID"),
    col("contact_id", "str", "uuid", "Contact ID"),
    col("company_number", "str", "phone"),
    col("phone_display_name", "str", "choice", choices=PHONE_NAMES),
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
    col("inside_business_hours", "str", "choice", "Inside Business Hours (Yes / No)", **YN),
    col("inside_service_level", "str", "choice", **YN),
    col("within_service_level_threshold", "str", "choice", **YN),
    col("transfer_out", "str", "choice", **YN),
    # Airbyte's examples carry missing text as the literal string "None" (section 8.4).
    col("transfer_out_type", "str", "choice", choices=_NONE_TYPES),
    col("transfer_in", "str", "choice", **YN),
    col("transfer_in_type", "str", "choice", choices=_NONE_TYPES),
    col("callback", "str", "choice", **YN),
    col("ring_groups", "str", "choice", choices=RING_GROUPS),
    col("user_name", "str", "user.name", null=0.1),
    col("direct_assignment_user", "str", "choice", choices=("None",)),
    col("team_name", "str", "team.name", null=0.1),
    col("user_id", "str", "user.id", "User ID", null=0.1),
    col("direct_assignment_ids", "str", "choice", choices=("None",), label="Direct Assignment IDs"),
    col("team_id", "str", "team.id", "Team ID", null=0.1),
    col("handling_ring_groups", "str", "choice", choices=RING_GROUPS),
    labelled("Disconnected By Agent", "str", "choice", **YN),
    labelled("Last Contact (Yes / No)", "str", "choice", choices=YES_NO, weights=(90, 10)),
    labelled("Data Status (Valid / Damaged)", "str", "choice", choices=("Valid", "Damaged"),
             weights=(99, 1)),
])

RING_ATTEMPTS = report_spec("ring_attempts", "Ring Attempts", "ring_finished_at_time", 950, [
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
STUDIO = report_spec("studio_flow_execution", "Studio Flow Execution", STUDIO_FIELD, 12000, [
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
AUDIT_LOGS = report_spec("audit_logs", "Audit Logs", "timestamp", 20000, [
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
MESSAGING_TRAFFIC = report_spec("messaging_traffic", "Messaging Traffic", "message_created_at", 2500, [
    col("contact_id", "str", "uuid"),
    col("channel_type", "str", "choice", choices=_CHANNELS),
    col("contact_person_id", "str", "uuid"),
    col("contact_person_name", "str", "choice", choices=CUSTOMERS),
    col("interaction_id", "str", "hex"),
    col("message_created_at", "datetime", "event"),
    col("message_direction", "str", "choice", choices=("Inbound", "Outbound")),
    col("message_id", "str", "uuid"),
    col("user_id", "str", "user.id", null=0.4),
    col("user_name", "str", "user.name", null=0.4),
])

MESSAGING_CONTACTS = report_spec("messaging_contacts", "Messaging Contacts", "contact_finished_at", 800, [
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
    col("contact_person_name", "str", "choice", choices=CUSTOMERS),
    col("contact_started_at", "datetime", "start"),
    col("conversation", "str", "url", ref="contact_id",
        choices=("https://myaccount.mytalkdesk.com/conversations/{}",)),
    col("direct_assignment_user_id", "str", "user.id", null=0.8),
    col("direct_assignment_user", "str", "user.name", null=0.8),
    col("direction", "str", "choice", choices=("Inbound", "Outbound")),
    col("disposition_name", "str", "choice", choices=DISPOSITIONS, null=0.3),
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
    col("touchpoint_name", "str", "choice", choices=PHONE_NAMES),
    col("transfer_out", "str", "choice", choices=YES_NO, weights=(10, 90)),
    col("user_id", "str", "user.id", null=0.1),
    col("user_name", "str", "user.name", null=0.1),
    col("virtual_agent_id", "str", "uuid", null=0.9),
    col("virtual_agent_name", "str", "choice", choices=("Julie",), null=0.9),
    col("wrap-up_duration", "days", "secs", scale=60),
], span_median=1800)

#: Every report type the emulator serves, keyed by its ``{type}`` slug.
REPORTS: dict[str, ReportSpec] = {
    spec.slug: spec
    for spec in (
        AUDIT_LOGS, CALLS, CONTACTS, MESSAGING_CONTACTS, MESSAGING_TRAFFIC, RING_ATTEMPTS,
        STUDIO, USER_STATUS, ADHERENCE, EXPLORE_CALLS, TEAM_SCHEDULE,
        FEEDBACK_FLOW, CUSTOM_FIELDS, OUTBOUND_DIALER, QM_EVALUATIONS, WFM_TIMESERIES,
    )
}
