"""The emulator's reports known only by their display labels, or not at all (guessed).

WFM adherence and team schedule, feedback flow and QM evaluations have documented CSV labels
but no JSON keys (keys are the labels' snake_case, ``explore-api.md`` section 8.3);
interaction custom fields, outbound dialer calls and WFM timeseries have no documented
columns at all, so a small plausible set stands in for them, every column ``guessed``.
"""

from __future__ import annotations

from explore_pandas.emulator.columns import (
    DISPOSITIONS,
    RING_GROUPS,
    UNPADDED,
    YN,
    col,
    labelled,
    report_spec,
)

__all__ = [
    "ADHERENCE", "CUSTOM_FIELDS", "FEEDBACK_FLOW", "OUTBOUND_DIALER", "QM_EVALUATIONS",
    "TEAM_SCHEDULE", "WFM_TIMESERIES",
]

ADHERENCE = report_spec("adherence", "WFM Schedule Adherence", "adherence_event_start_time", 600, [
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

TEAM_SCHEDULE = report_spec("wfm_team_schedule_report", "WFM Team Schedule", "event_start_time", 400, [
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

FEEDBACK_FLOW = report_spec("feedback_flow", "Feedback Flow", "date_time", 500, [
    labelled("Date & Time", "datetime", "event"),
    labelled("Interaction ID", "str", "hex"),
    labelled("Flow Name", "str", "choice", choices=("Post-call survey", "NPS")),
    labelled("Component ID", "str", "uuid"),
    labelled("Component Name", "str", "choice", choices=("Q1", "Q2")),
    labelled("Component Type", "str", "choice", choices=("Rating", "Yes/No")),
    labelled("Component Text", "str", "text"),
    labelled("Response", "str", "choice", choices=("5", "4", "1", "Yes", "No")),
    labelled("Is KPI", "str", "choice", **YN),
    labelled("Pertains to Agent", "str", "choice", **YN),
    labelled("Recording URL", "str", "url", ref="interaction_id", choices=("/recordings/{}",)),
    labelled("Agent Name", "str", "user.name", null=0.1),
    labelled("Respondent Phone Number", "str", "phone"),
    labelled("Talkdesk Phone Number", "str", "phone"),
    labelled("Ring Group", "str", "choice", choices=RING_GROUPS),
    labelled("Team Name", "str", "team.name", null=0.1),
    labelled("Interaction Direction", "str", "choice", choices=("Inbound", "Outbound")),
    labelled("Survey Channel", "str", "choice", choices=("Voice", "SMS")),
], guessed=True)

QM_EVALUATIONS = report_spec("qm_evaluation_analysis", "Quality Management Evaluation Analysis",
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

CUSTOM_FIELDS = report_spec("interaction_custom_fields", "Interaction Custom Fields", "created_at",
                      1000, [
    col("interaction_id", "str", "hex"),
    col("custom_field_name", "str", "choice", choices=("order_id", "priority", "tier")),
    # Numeric-looking values ("00042", "1e5") catch clients that coerce text to numbers.
    col("custom_field_value", "str", "choice", choices=("00042", "1e5", "high", "123456789012")),
    col("custom_field_type", "str", "choice", choices=("text", "number")),
    col("created_at", "datetime", "event"),
], guessed=True)

OUTBOUND_DIALER = report_spec("outbound_dialer_calls", "Outbound Dialer Calls", "ended_at", 3000, [
    col("call_id", "str", "digits", scale=19),
    col("campaign_id", "str", "uuid"),
    col("campaign_name", "str", "choice", choices=("Renewals", "Win-back, Q3")),
    col("contact_phone_number", "str", "phone"),
    col("talkdesk_phone_number", "str", "phone"),
    col("dialer_status", "str", "choice", choices=(
        "answered", "no_answer", "busy", "voicemail", "failed"), weights=(40, 30, 10, 15, 5)),
    col("disposition", "str", "choice", choices=DISPOSITIONS, null=0.5),
    col("user_id", "str", "user.id", null=0.4),
    col("user_name", "str", "user.name", null=0.4),
    col("started_at", "datetime", "start"),
    col("ended_at", "datetime", "event"),
    col("duration", "seconds", "span"),
    col("talk_time", "seconds", "part"),
], guessed=True, span_median=60)

WFM_TIMESERIES = report_spec("wfm_timeseries", "WFM Timeseries", "interval_start", 400, [
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
