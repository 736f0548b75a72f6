"""The client's schema registry: what each report's columns are and how to type them.

Written from ``explore-api.md`` section 8 (the report columns) and section 7.2 (CSV display
labels), *not* from the emulator's catalogue: the emulator is the independent oracle the
parser is tested against, so the two must not share a table.

A column's ``kind`` decides its pandas dtype (see `parsing`):

============  ==========================================  =====================================
kind          wire values                                 dtype
============  ==========================================  =====================================
datetime      ``2022-01-08 05:00:00``, ISO ``...Z``,      ``datetime64[us, <tz>]``
              milliseconds, unpadded hours
int           integers (counts, scores, integer seconds)  ``Int64``
float         numbers                                     ``float64``
bool          JSON booleans, Yes/No, TRUE/FALSE, NO        ``boolean``
id            identifiers and phone numbers               ``str`` (never a number)
str           free text                                   ``str``
category      low-cardinality labels (type, status, ...)  ``category`` (sorted categories)
seconds       duration in seconds                         ``timedelta64[us]``
minutes       duration in minutes                         ``timedelta64[us]``
days          duration as a fraction of a day             ``timedelta64[us]``
dhms          duration as ``"0d 0h 0m 42s"``              ``timedelta64[us]``
list          JSON array of strings (text in CSV)         ``list<string>[pyarrow]``
============  ==========================================  =====================================

Integer seconds stay integers (kind ``int``) unless a column says otherwise (design.md
section 4): the API documents them as whole seconds, they are exact, and Explore users sum
them in seconds. The exceptions are the WFM reports, whose durations mix seconds (adherence)
and minutes (team schedule): a ``timedelta`` there removes a unit trap.

CSV headers are display labels. `ReportSchema.key_for_label` maps a label to a JSON key:
an explicit label of a known column first, then the *normalised* label (`normalise_label`)
compared with the normalised known keys, then the label without a trailing parenthesised
hint (``"Inside Business Hours (Yes / No)"``), and for an unknown label its normalised form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

__all__ = [
    "KINDS",
    "REGISTRY",
    "Column",
    "ReportSchema",
    "get_schema",
    "normalise_label",
]

KINDS = frozenset(
    {"datetime", "int", "float", "bool", "id", "str", "category",
     "seconds", "minutes", "days", "dhms", "list"}
)
#: Kinds whose values are durations (become ``timedelta64``).
DURATION_KINDS = frozenset({"seconds", "minutes", "days", "dhms"})
#: Kinds whose wire value is a JSON string whatever the format.
TEXT_KINDS = frozenset({"datetime", "id", "str", "category", "dhms"})

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_HINT = re.compile(r"\s*\([^()]*\)\s*$")


def normalise_label(label: str) -> str:
    """Map a CSV display label (or a JSON key) to a snake_case key.

    Lower-case, every run of characters other than ASCII letters and digits becomes one
    ``_``, leading and trailing ``_`` are dropped: ``"Call Id"`` -> ``call_id``,
    ``"Date & Time"`` -> ``date_time``, ``"Last Contact (Yes / No)"`` ->
    ``last_contact_yes_no``, ``"in_business_hours?"`` -> ``in_business_hours``.
    """
    return _NON_ALNUM.sub("_", label.strip().lower()).strip("_")


@dataclass(frozen=True)
class Column:
    """One expected column: JSON ``key``, ``kind`` and, when it is not derivable, its CSV ``label``.

    ``optional`` columns exist only in some generations of a report (newer or older
    payloads); their absence is not schema drift.
    """

    key: str
    kind: str
    label: str | None = None
    optional: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r} for column {self.key!r}")


@dataclass(frozen=True)
class ReportSchema:
    """The expected columns of one report type.

    ``timespan_field`` is the column the API's timespan filters on (section 8.1), used to
    sort rows and check window seams; ``None`` when unknown. ``known`` is false for the
    reports whose columns are undocumented: everything is then inferred, nothing is drift.
    ``layout`` names the generation of the report's files these columns describe (a report
    can have several, see `layouts`); ``render_zone`` is the zone of the naive datetimes its
    files carry (UTC per the docs, section 8.2).
    """

    slug: str
    timespan_field: str | None
    columns: tuple[Column, ...] = ()
    guessed: bool = False
    known: bool = True
    layout: str = "explore"
    render_zone: str = "UTC"
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {c.key: c for c in self.columns})

    @property
    def keys(self) -> list[str]:
        """JSON keys in the documented column order."""
        return [c.key for c in self.columns]

    def keys_of(self, *kinds: str) -> list[str]:
        """Keys of the columns of the given kinds, in column order."""
        return [c.key for c in self.columns if c.kind in kinds]

    @cached_property
    def _label_index(self) -> tuple[dict[str, str], dict[str, str]]:
        explicit = {c.label: c.key for c in self.columns if c.label}
        normalised = {normalise_label(c.key): c.key for c in self.columns}
        normalised.update({normalise_label(c.label): c.key for c in self.columns if c.label})
        return explicit, normalised

    def key_for_label(self, label: str) -> str:
        """The JSON key a CSV header label stands for (see the module docstring)."""
        if label in self.by_key:
            return label
        explicit, normalised = self._label_index
        if label in explicit:
            return explicit[label]
        norm = normalise_label(label)
        if norm in normalised:
            return normalised[norm]
        stripped = normalise_label(_HINT.sub("", label))
        return normalised.get(stripped, norm)


def _cols(spec: str, **labels: str) -> tuple[Column, ...]:
    """Columns from a compact ``"key:kind key:kind?"`` spec; ``?`` marks optional columns.

    ``labels`` maps keys to their CSV labels where title-casing the key would not match.
    """
    out = []
    for item in spec.split():
        key, _, kind = item.rpartition(":")
        optional = kind.endswith("?")
        out.append(Column(key, kind.rstrip("?"), labels.get(key), optional))
    return tuple(out)


def _labelled(spec: str) -> tuple[Column, ...]:
    """Columns known only by display label (``"Label|kind;..."``): keys are normalised labels."""
    out = []
    for item in spec.split(";"):
        label, kind = (part.strip() for part in item.split("|"))
        optional = kind.endswith("?")
        out.append(Column(normalise_label(label), kind.rstrip("?"), label, optional))
    return tuple(out)


# Calls v1 (payload from 11 May 2026, section 8.3). mood/is_mood_prompted are only in
# Airbyte's schema, so they are optional. ivr_options ("1,2,1") and phone numbers are ids:
# digit strings that must never become numbers.
CALLS = ReportSchema("calls", "end_at", _cols(
    "call_id:id callsid:id type:category start_at:datetime end_at:datetime "
    "talkdesk_phone_number:id talkdesk_phone_display_name:str contact_phone_number:id "
    "user_id:id user_name:str user_email:str total_time:int talk_time:int wait_time:int "
    "hold_time:int abandon_time:int total_ringing_time:int disposition_code:str notes:str "
    "user_voice_rating:int ring_groups:str ivr_options:id is_in_business_hours:bool "
    "is_callback_from_queue:bool is_transfer:bool handling_user_id:id handling_user_name:str "
    "handling_user_email:str recording_url:str is_external_transfer:bool is_if_no_answer:bool "
    "is_call_forwarding:bool csat_score:int csat_survey_time:datetime team_id:id team_name:str "
    "rating_reason:str agent_disconnected:bool data_status:category int_custom_field_n1:int "
    "int_custom_field_n2:int float_custom_field_n1:float float_custom_field_n2:float "
    "text_custom_field_n1:str text_custom_field_n2:str text_custom_field_n3:str "
    "text_custom_field_n4:str timestamp_custom_field_n1:datetime disposition_set:str "
    "nested_disposition:str mood:category? is_mood_prompted:bool?"
), layout="v1")

# Explore Calls, the pre-May-2026 payload: day-fraction durations, TRUE/FALSE and Yes/No
# flags, keys with "?". disposition_set/nested_disposition appear in one crawl only.
_PRE2026_CALLS = (
    "interaction_id:id call_type:category start_time:datetime end_time:datetime "
    "talkdesk_phone_number:id customer_phone_number:id talk_time:days record:str "
    "hangup:category in_business_hours?:bool callback_from_queue?:bool waiting_time:days "
    "agent_speed_to_answer:days holding_time:days rating:int description:str agent_name:str "
    "phone_display_name:str disposition_code:str transfer?:bool handling_agent:str tags:str "
    "ivr_options:id csat_score:int csat_survey_time:datetime team:str rating_reason:str "
    "agent_disconnected:bool disposition_set:str? nested_disposition:str?"
)
EXPLORE_CALLS = ReportSchema("explore_calls", "end_time", _cols(_PRE2026_CALLS), layout="pre2026")
#: The ``calls`` report before 11 May 2026 had the same payload (section 8.2): one of its layouts.
CALLS_PRE2026 = ReportSchema("calls", "end_time", _cols(_PRE2026_CALLS), layout="pre2026")

_USER_STATUS = (
    "user_id:id user_name:str user_email:str status_label:category status_start_at:datetime "
    "status_end_at:datetime status_time:int is_user_active:bool team_id:id team_name:str"
)
USER_STATUS = ReportSchema("user_status", "status_end_at", _cols(_USER_STATUS + " ring_groups:str"))
#: The legacy Reporting API's user_status (docs.talkdesk.com/docs/user-status-report, listed in
#: section 12): the same keys without ``ring_groups``.
USER_STATUS_REPORTING = ReportSchema(
    "user_status", "status_end_at", _cols(_USER_STATUS), layout="reporting")

# Contacts: keys from Airbyte, labels and order from the C-droom CSV header. The Yes/No
# columns are flags; the last three exist only as (newer) CSV labels, so their keys are
# normalised labels and they are optional.
CONTACTS = ReportSchema("contacts", "finished_at", _cols(
    "interaction_id:id contact_id:id company_number:id phone_display_name:str "
    "contact_person_number:id external_phone_number:id direction:category contact_type:category "
    "started_at:datetime wait_time:int time_to_missed:int abandon_time:int "
    "short_abandon_time:int time_to_voicemail:int ring_time:int connect_time:int "
    "answered_at:datetime connected_at:datetime talk_time:int hard_hold_time:int "
    "soft_hold_time:int hold_time:int after_call_work_time:int finished_at:datetime "
    "duration:int handle_time:int inside_business_hours:bool inside_service_level:bool "
    "within_service_level_threshold:bool transfer_out:bool transfer_out_type:category "
    "transfer_in:bool transfer_in_type:category callback:bool ring_groups:str user_name:str "
    "direct_assignment_user:str team_name:str user_id:id direct_assignment_ids:str team_id:id "
    "handling_ring_groups:str",
    interaction_id="Interaction ID", contact_id="Contact ID",
    external_phone_number="External Phone Number (Forward)",
    inside_business_hours="Inside Business Hours (Yes / No)",
    user_id="User ID", team_id="Team ID", direct_assignment_ids="Direct Assignment IDs",
) + _labelled(
    "Disconnected By Agent|bool?; Last Contact (Yes / No)|bool?;"
    "Data Status (Valid / Damaged)|category?"
))

RING_ATTEMPTS = ReportSchema("ring_attempts", "ring_finished_at_time", _cols(
    "interaction_id:id contact_id:id batch_ring_id:id ring_attempt_id:id attempt_type:category "
    "ring_started_at_time:datetime ring_finished_at_time:datetime ring_attempt_duration:int "
    "user_name:str user_email:str team_name:str"
))

STUDIO_FIELD = "studio_flow_executions_aggregated.flow_execution_finished_time"
# time_in_step is a day fraction (1.6087963E-6 ~ 0.139 s). "Flow Execution ID" is newer
# (data dictionary only), hence optional.
STUDIO = ReportSchema("studio_flow_execution", STUDIO_FIELD, _cols(
    "call_sid:id interaction_id:id destination_number:id origin_number:id flow_name:str "
    f"flow_id:id component_title:str step_name:str exit:category time_in_step:days "
    f"timestamp:datetime {STUDIO_FIELD}:datetime step_execution_order:int"
) + _labelled("Flow Execution ID|id?"))

AUDIT_LOGS = ReportSchema("audit_logs", "timestamp", _cols(
    "actor_id:id generator_name:category ip_addresses:list operation:category platform_tid:id "
    "resource_id:id operation_status:category user_agent:str timestamp:datetime user_id:id "
    "agent_name:str agent_email:str"
))

MESSAGING_TRAFFIC = ReportSchema("messaging_traffic", "message_created_at", _cols(
    "contact_id:id channel_type:category contact_person_id:id contact_person_name:str "
    "interaction_id:id message_created_at:datetime message_direction:category message_id:id "
    "user_id:id user_name:str"
))

# The timespan field is undocumented; contact_finished_at is the closest analogue of the
# other reports' "finished" fields.
MESSAGING_CONTACTS = ReportSchema("messaging_contacts", "contact_finished_at", _cols(
    "channel_type:category contact_assigned_at:datetime contact_duration:days "
    "contact_finished_at:datetime contact_finished_reason:category contact_handle_time:dhms "
    "contact_id:id contact_person_channel_identifier:id contact_person_id:id "
    "contact_person_name:str contact_started_at:datetime conversation:str "
    "direct_assignment_user_id:id direct_assignment_user:str direction:category "
    "disposition_name:str first_response_time:dhms handling_queues:str "
    "interaction_duration:days interaction_finished_at:datetime interaction_handle_time:dhms "
    "interaction_id:id interaction_started_at:datetime interaction_status:category "
    "is_virtual_agent:bool notes:str queues:str touchpoint_identifier:id touchpoint_name:str "
    "transfer_out:bool user_id:id user_name:str virtual_agent_id:id virtual_agent_name:str "
    "wrap-up_duration:days"
))

# WFM reports are known only by their CSV labels; JSON keys are guessed as the normalised
# labels (section 8.3: "likely snake_case of the labels"). "Account Time Zone" hints that
# WFM times may be account-local; the docs do not say, so they are read as UTC like the rest.
ADHERENCE = ReportSchema("adherence", "adherence_event_start_time", _labelled(
    "Agent Name|str; Agent Email|str; Agent Ring Groups|str; Team Name|str;"
    "Account Time Zone|category; Reference Date|datetime; Adherence Event Start Time|datetime;"
    "Adherence Event End Time|datetime; Adherence Event Duration|seconds;"
    "Adherence Status|category; Shift Status|category; Scheduled Event Name|category;"
    "Scheduled Event Pay Status|category"
), guessed=True)

TEAM_SCHEDULE = ReportSchema("wfm_team_schedule_report", "event_start_time", _labelled(
    "Agent Name|str; Agent Id|id; Agent Queues|str; Agent Team|str; Event Type Name|category;"
    "Event Start Time|datetime; Event End Time|datetime; Event Duration (min)|minutes;"
    "Event Pay Status|category; Event Type Usage|category; Event Paid Time (min)|minutes;"
    "Created At|datetime; Updated At|datetime; Event Id|id"
), guessed=True)

# Slug and keys guessed from the data dictionary's display columns (list truncated there).
FEEDBACK_FLOW = ReportSchema("feedback_flow", "date_time", _labelled(
    "Date & Time|datetime; Interaction ID|id; Flow Name|str; Component ID|id;"
    "Component Name|str; Component Type|category; Component Text|str; Response|str;"
    "Is KPI|bool; Pertains to Agent|bool; Recording URL|str; Agent Name|str;"
    "Respondent Phone Number|id; Talkdesk Phone Number|id; Ring Group|str; Team Name|str;"
    "Interaction Direction|category; Survey Channel|category"
), guessed=True)

# Evaluator ID holds "AI Scored Evaluation" for AI-scored rows: text, never a number.
QM_EVALUATIONS = ReportSchema("qm_evaluation_analysis", "evaluation_date_time", _labelled(
    "Agent|str; Agent Email|str; Agent ID|id; Agent Name|str; Branch To|str;"
    "Evaluation Date/Time|datetime; Evaluation Element Text|str; Evaluation ID|id;"
    "Evaluation Max Score|float; Evaluation Obtained Score|float; Evaluation Version|int;"
    "Evaluator ID|id; Evaluator Name|str; Form ID|id; Form Name|str"
), guessed=True)

#: Every report type the client knows, keyed by its ``{type}`` slug. The three reports with
#: no documented columns have empty, ``known=False`` schemas: their columns are all inferred.
REGISTRY: dict[str, ReportSchema] = {
    schema.slug: schema
    for schema in (
        AUDIT_LOGS, CALLS, CONTACTS, MESSAGING_CONTACTS, MESSAGING_TRAFFIC, RING_ATTEMPTS,
        STUDIO, USER_STATUS, ADHERENCE, EXPLORE_CALLS, TEAM_SCHEDULE, FEEDBACK_FLOW,
        QM_EVALUATIONS,
        ReportSchema("interaction_custom_fields", None, guessed=True, known=False),
        ReportSchema("outbound_dialer_calls", None, guessed=True, known=False),
        ReportSchema("wfm_timeseries", None, guessed=True, known=False),
    )
}


def get_schema(report: str) -> ReportSchema:
    """The schema of a report slug; an unknown slug gets an empty schema (all inferred).

    Parameters
    ----------
    report : str
        A report ``{type}`` slug such as ``"calls"``.

    Returns
    -------
    ReportSchema
        The registered schema, or an empty ``known=False`` schema for an unknown slug, so
        that a new report type can still be read.

    Examples
    --------
    >>> get_schema("calls").timespan_field
    'end_at'
    >>> get_schema("contacts").key_for_label("Inside Business Hours (Yes / No)")
    'inside_business_hours'
    """
    schema = REGISTRY.get(report)
    if schema is None:
        return ReportSchema(report, None, known=False)
    return schema
