"""The schema registry: slugs, timespan fields, kinds and CSV label mapping (explore-api.md §8)."""

from __future__ import annotations

import pytest

from explore_pandas.frames.schemas import (
    KINDS,
    REGISTRY,
    Column,
    ReportSchema,
    get_schema,
    normalise_label,
)

SLUGS = {
    "audit_logs", "calls", "contacts", "messaging_contacts", "messaging_traffic",
    "ring_attempts", "studio_flow_execution", "user_status", "adherence", "explore_calls",
    "wfm_team_schedule_report", "feedback_flow", "interaction_custom_fields",
    "outbound_dialer_calls", "qm_evaluation_analysis", "wfm_timeseries",
}


def test_every_report_type_is_registered() -> None:
    assert set(REGISTRY) == SLUGS


@pytest.mark.parametrize(
    ("slug", "field"),
    [
        ("audit_logs", "timestamp"),
        ("calls", "end_at"),
        ("contacts", "finished_at"),
        ("ring_attempts", "ring_finished_at_time"),
        ("studio_flow_execution",
         "studio_flow_executions_aggregated.flow_execution_finished_time"),
        ("user_status", "status_end_at"),
        ("messaging_traffic", "message_created_at"),
        ("explore_calls", "end_time"),
    ],
)
def test_timespan_field_is_a_datetime_column(slug: str, field: str) -> None:
    schema = get_schema(slug)
    assert schema.timespan_field == field
    assert schema.by_key[field].kind == "datetime"


def test_known_timespan_fields_are_columns_of_their_report() -> None:
    for schema in REGISTRY.values():
        if schema.timespan_field is not None:
            assert schema.by_key[schema.timespan_field].kind == "datetime", schema.slug


def test_undocumented_reports_have_empty_unknown_schemas() -> None:
    for slug in ("interaction_custom_fields", "outbound_dialer_calls", "wfm_timeseries"):
        schema = get_schema(slug)
        assert schema.columns == () and not schema.known and schema.guessed


def test_unknown_slug_gets_an_empty_schema() -> None:
    schema = get_schema("brand_new_report")
    assert schema.slug == "brand_new_report" and not schema.known and schema.columns == ()


def test_keys_are_unique_and_kinds_valid() -> None:
    for schema in REGISTRY.values():
        assert len(schema.keys) == len(set(schema.keys)), schema.slug
        assert all(c.kind in KINDS for c in schema.columns)


def test_column_rejects_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        Column("x", "decimal")


def test_calls_generations() -> None:
    v1, old = get_schema("calls"), get_schema("explore_calls")
    assert v1.keys_of("datetime") == [
        "start_at", "end_at", "csat_survey_time", "timestamp_custom_field_n1"]
    # v1 durations are integer seconds, kept as integers; the old payload's day fractions
    # become timedeltas.
    assert v1.by_key["talk_time"].kind == "int"
    assert old.by_key["talk_time"].kind == "days"
    assert v1.by_key["is_transfer"].kind == "bool"
    assert old.by_key["transfer?"].kind == "bool"
    assert old.by_key["in_business_hours?"].kind == "bool"
    assert v1.by_key["agent_disconnected"].kind == "bool"
    assert v1.by_key["type"].kind == "category" and old.by_key["call_type"].kind == "category"


def test_identifiers_and_phone_numbers_are_ids() -> None:
    calls = get_schema("calls")
    for key in ("call_id", "callsid", "talkdesk_phone_number", "contact_phone_number",
                "user_id", "team_id", "ivr_options"):
        assert calls.by_key[key].kind == "id", key
    contacts = get_schema("contacts")
    for key in ("interaction_id", "contact_id", "company_number", "contact_person_number"):
        assert contacts.by_key[key].kind == "id", key


def test_duration_encodings() -> None:
    assert get_schema("messaging_contacts").by_key["contact_handle_time"].kind == "dhms"
    assert get_schema("messaging_contacts").by_key["wrap-up_duration"].kind == "days"
    assert get_schema("studio_flow_execution").by_key["time_in_step"].kind == "days"
    assert get_schema("wfm_team_schedule_report").by_key["event_duration_min"].kind == "minutes"
    assert get_schema("adherence").by_key["adherence_event_duration"].kind == "seconds"
    assert get_schema("user_status").by_key["status_time"].kind == "int"


def test_audit_logs_ip_addresses_is_a_list() -> None:
    assert get_schema("audit_logs").by_key["ip_addresses"].kind == "list"


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Call Id", "call_id"),
        ("Interaction ID", "interaction_id"),
        ("Date & Time", "date_time"),
        ("Evaluation Date/Time", "evaluation_date_time"),
        ("Last Contact (Yes / No)", "last_contact_yes_no"),
        ("  Recording Url ", "recording_url"),
        ("in_business_hours?", "in_business_hours"),
        ("wrap-up_duration", "wrap_up_duration"),
        ("Event Duration (min)", "event_duration_min"),
        ("Retenção Rate", "reten_o_rate"),
    ],
)
def test_normalise_label(label: str, key: str) -> None:
    assert normalise_label(label) == key


@pytest.mark.parametrize(
    ("slug", "label", "key"),
    [
        ("calls", "Call Id", "call_id"),
        ("calls", "Recording Url", "recording_url"),
        ("calls", "call_id", "call_id"),
        ("contacts", "Interaction ID", "interaction_id"),
        ("contacts", "External Phone Number (Forward)", "external_phone_number"),
        ("contacts", "Inside Business Hours (Yes / No)", "inside_business_hours"),
        ("contacts", "Last Contact (Yes / No)", "last_contact_yes_no"),
        ("contacts", "Data Status (Valid / Damaged)", "data_status_valid_damaged"),
        ("contacts", "Direct Assignment IDs", "direct_assignment_ids"),
        ("explore_calls", "In Business Hours?", "in_business_hours?"),
        ("explore_calls", "Transfer?", "transfer?"),
        ("messaging_contacts", "Wrap-Up Duration", "wrap-up_duration"),
        ("studio_flow_execution",
         "Studio Flow Executions Aggregated.Flow Execution Finished Time",
         "studio_flow_executions_aggregated.flow_execution_finished_time"),
        ("studio_flow_execution", "Flow Execution ID", "flow_execution_id"),
        ("adherence", "Adherence Event Start Time", "adherence_event_start_time"),
        ("feedback_flow", "Date & Time", "date_time"),
        # A label the registry does not know maps by the normalisation rule.
        ("calls", "Brand New Column (Yes / No)", "brand_new_column_yes_no"),
    ],
)
def test_key_for_label(slug: str, label: str, key: str) -> None:
    assert get_schema(slug).key_for_label(label) == key


def test_a_hint_is_stripped_only_to_reach_a_known_key() -> None:
    schema = ReportSchema("x", None, (Column("inside_service_level", "bool"),))
    assert schema.key_for_label("Inside Service Level (Yes / No)") == "inside_service_level"
    assert schema.key_for_label("Outside (Yes / No)") == "outside_yes_no"


def test_optional_columns_are_the_generation_specific_ones() -> None:
    optional = {
        slug: [c.key for c in schema.columns if c.optional] for slug, schema in REGISTRY.items()
    }
    assert optional["calls"] == ["mood", "is_mood_prompted"]
    assert optional["contacts"] == [
        "disconnected_by_agent", "last_contact_yes_no", "data_status_valid_damaged"]
    assert optional["studio_flow_execution"] == ["flow_execution_id"]
