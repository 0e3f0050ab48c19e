"""Wire types of the HTTP API (suffix ``V1``): requests are validated here, responses built here.

Responses are read from the engine's dataclasses with ``from_attributes``, so the
field lists below are the whole contract: anything the engine adds stays internal
until it is named here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from jrp.adapters.facts.change_feed import TOKEN_PATTERN
from jrp.adapters.facts.events import Event
from jrp.adapters.facts.identity import InvalidIdentifier, holds_resident_id, validate_subject_id
from jrp.adapters.facts.iso_dates import IsoDate
from jrp.adapters.facts.limits import ID_MAX, NAME_MAX, REGION_MAX
from jrp.adapters.feedback import FeedbackAction
from jrp.vocabulary.records import Severity
from jrp.vocabulary.scenarios import Scenario, ScenarioRole
from jrp.vocabulary.scope import INDUSTRY_CODE, Consumption, ProjectType
from jrp.vocabulary.subjects import SubjectType

MAX_BATCH = 10_000
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._*-]{0,79}$"
"""Ids in paths and filters (decisions, batches, measures, rulesets, subjects): a NUL or a slash never reaches SQL."""


NO_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"  # PostgreSQL text cannot hold NUL; the others are noise

Text = Annotated[str, StringConstraints(pattern=NO_CONTROL)]


def _no_resident_id(value: str) -> str:
    if holds_resident_id(value):
        raise ValueError("holds a resident ID number, which would stay in the decision log for good; "
                         "name the case by your own file or project number instead")
    return value


FreeText = Annotated[Text, AfterValidator(_no_resident_id)]
"""Text the caller writes freely and the decision log keeps as written: no personal identifiers."""


def _utc(moment: datetime) -> datetime:
    """SQLite returns stored times naive (they are UTC): the wire always says so."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- requests -------------------------------------------------------------------------

class SubjectV1(Request):
    """Who is checked: a USCC or a resident ID number (checksums are verified)."""

    type: SubjectType | None = None  # before id: the id's validation reads it
    id: str = Field(max_length=ID_MAX)
    name: Text = Field("", max_length=NAME_MAX)

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str, info: ValidationInfo) -> str:
        try:
            return validate_subject_id(value, "id", stated_type=info.data.get("type"))
        except InvalidIdentifier as error:  # pydantic adds the path (subject.id, subjects.3.id)
            raise ValueError(f"{error.reason}; {error.fix}" if error.fix else error.reason) from None


ROLE_SEMANTICS = ("the role the subject plays in the scenario (vocabulary/scenarios.py SCENARIO_ROLES lists which "
                  "roles each scenario has; another is refused). Without a role, the rules of every role apply at "
                  "once: a procurement check without one gets the supplier ban and the agency review together. "
                  "Each measure names the roles it applies to in `roles` (empty: any role)")


class CheckOptionsV1(Request):
    scenario: Scenario
    role: ScenarioRole = Field(None, description=ROLE_SEMANTICS)
    matter: Text | None = Field(None, max_length=200, description=(
        "the licence item or approval matter applied for: measures that reach only the matter of their decision "
        "(行政许可法 arts. 78, 79: 该行政许可) answer review without it"))
    industry: str | None = Field(None, pattern=INDUSTRY_CODE.pattern, description=(
        "GB/T 4754 industry code of the activity applied for (e.g. C26 or C2611): a trade ban reaches only "
        "the industry its decision names"))
    project_type: ProjectType | None = Field(None, description=(
        "bidding and procurement: what the project is for; some measures reach construction projects only "
        "(企业信息公示暂行条例 art. 18: 工程招投标)"))
    tender_required: StrictBool | None = Field(None, description=(
        "bidding: whether the project must be tendered by law (招标投标法 art. 3); a bidding disqualification "
        "reaches only such projects"))
    consumption: Consumption | None = Field(None, description=(
        "consumption and travel: what is bought; the restriction of judgment debtors reaches only the consumption "
        "最高法 2015 art. 3 lists (flight, soft_sleeper, g_train, high_end_venue…) and answers review without it; "
        "essential: needed for living or work (生活和工作必需), not restricted"))
    public_safety: StrictBool | None = Field(None, description=(
        "licensing: whether the licence applied for directly concerns public safety, health or life and property "
        "(行政许可法 arts. 78, 79: 直接关系公共安全、人身健康、生命财产安全); the bars on reapplying reach only "
        "such licences and answer review without it"))
    jurisdiction: str | None = Field(None, max_length=REGION_MAX,
                                     description="default: the key's only jurisdiction, else CN")
    as_of: IsoDate | None = Field(None, description="default: today")
    purpose: FreeText = Field(min_length=1, max_length=500, description=(
        "why the check is made (查询使用登记); kept in the decision log as written, so it may not hold a resident "
        "ID number"))
    reference: FreeText = Field("", max_length=200, description=(
        "the caller's file or project number; may not hold a resident ID number"))
    consistency_token: str | None = Field(None, pattern=TOKEN_PATTERN, description=(
        "the consistency_token a POST /v1/events returned: the check is answered on facts at least as fresh as "
        "those events (read-your-writes). Without it, facts committed more than the feed interval ago (0.2 s by "
        "default) are reflected"))


class CheckRequestV1(CheckOptionsV1):
    subject: SubjectV1
    explain: StrictBool = Field(False, description="also list what was considered and did not apply, and why")


class BatchRequestV1(CheckOptionsV1):
    subjects: list[SubjectV1] = Field(min_length=1, max_length=MAX_BATCH)


class ReplayRequestV1(Request):
    rules: str = Field("original", pattern="^(original|current)$",
                       description="original: the decision's own ruleset versions; current: those in force today")


def _event_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("an event is a JSON object (adapters/facts/EVENTS.md)")  # noqa: TRY004 - pydantic: 422
    return value


EventObject = Annotated[dict[str, Any], PlainValidator(_event_object, json_schema_input_type=Event | dict[str, Any])]
"""Documented (OpenAPI) as the event format with its limits, or any other object: each is validated by ingest
on its own, so that a bad event is a rejected item (with its field) beside its stored siblings, not a refused
batch. Only an item that is no object refuses the request (422)."""


class EventsRequestV1(Request):
    events: list[EventObject] = Field(min_length=1, max_length=MAX_BATCH,
                                      description="events in the format of adapters/facts/EVENTS.md")


class ImpactRequestV1(Request):
    candidate_yaml: str = Field(min_length=1, max_length=2_000_000, description="the candidate ruleset version, as YAML")
    as_of: IsoDate | None = Field(None, description="default: today")
    sample: int | None = Field(None, ge=1, le=1_000_000, description="a seeded sample of this many subjects; none: all")


class FeedbackRequestV1(Request):
    action: FeedbackAction
    reason: Text = Field("", max_length=500, validate_default=True, description="required when the measures were waived")
    case_outcome: Text = Field("", max_length=500, description="how the case ended")

    @field_validator("reason")
    @classmethod
    def _reason_for_waivers(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("action") is FeedbackAction.waived and not value:
            raise ValueError("say why the measures were waived")
        return value


# --- check responses ------------------------------------------------------------------

def _severity_name(value: object) -> object:
    return Severity(value).name if isinstance(value, int) else value


class CitationV1(Response):
    instrument_id: str
    title: str
    doc_no: str
    article: str
    quote: str = Field(description="the words of the article the measure rests on; empty where no text is in hand")


class TriggerV1(Response):
    record_id: str
    record_type: str
    list_id: str | None
    severity: Annotated[str | None, BeforeValidator(_severity_name)]
    authority: str
    doc_no: str
    start: date
    end: date | None
    ground: str | None = Field(description="the legal ground of a listing")
    sanctions: list[str] = Field(description="the penalty types imposed (行政处罚法 art. 9)")
    amount: float | None = Field(description="the fine, in yuan")
    matter: str | None
    industry: str | None


class ReviewReasonV1(Response):
    reason: str = Field(description="what is missing, e.g. matter_not_stated, period_open, sanction_not_stated")
    detail: str


class RepairV1(Response):
    """How one triggering record's consequences can end before ``until``."""

    record_id: str
    earliest: date | None = Field(description="first day an application can be made; null: the conditions decide")
    until: date | None = Field(description="the record stops applying by itself on this day; null: open-ended")
    where: str
    where_en: str
    conditions: str
    conditions_en: str
    legal_basis: list[CitationV1]


class ViaV1(Response):
    subject: str
    role: str


class MeasureV1(Response):
    measure_id: str
    name: str
    kind: str
    category: int
    effect: str
    jurisdiction: str
    ruleset_id: str
    ruleset_version: str
    legal_basis: list[CitationV1]
    triggered_by: list[TriggerV1]
    proportionality: str
    roles: list[str] = Field(description="the check roles the measure applies to; empty: any role")
    until: date | None
    disputed: bool
    via: ViaV1 | None = Field(None, description="the related party through which the measure reaches the subject")
    applies: bool = Field(description="false: the measure may apply, but the facts lack what it needs (review_reasons)")
    review_reasons: list[ReviewReasonV1] = Field(description="what a person must establish before the measure applies")
    repair: list[RepairV1] = Field(description="per triggering record: until when, and how it can end earlier")


class SupervisionV1(Response):
    supervision_class: str
    inspection_multiplier: float
    grounds: list[str]


class ExclusionV1(Response):
    reason: str
    detail: str
    record_id: str | None
    measure_id: str | None
    rule_id: str | None


class CheckedSubjectV1(BaseModel):
    id: str
    type: SubjectType
    name: str


class RulesetRefV1(BaseModel):
    id: str
    version: str


class BundleV1(BaseModel):
    jurisdiction: str
    hash: str
    rulesets: list[RulesetRefV1]


class ReceiptGroupV1(BaseModel):
    size: int = Field(description="receipts signed together (one signature for the checks written in one commit)")
    index: int
    path: list[str] = Field(description="RFC 9162 inclusion path of this receipt's leaf in the group's tree (hex)")


class ReceiptV1(BaseModel):
    """Keep it in the case file with the answer: ``jrp audit receipt FILE`` verifies both offline with the public
    key."""

    decision_id: str
    entry_hash: str = Field(description="RFC 9162 leaf hash of the stored log entry (hex)")
    time: str
    answer: str | None = Field(None, description="SHA-256 (hex) of the answer as returned, in canonical JSON (keys "
                                                 "sorted, no whitespace) without its receipt; absent in receipts "
                                                 "signed before answers were bound")
    key_id: str
    group: ReceiptGroupV1
    signature: str = Field(description="Ed25519 over the group's root (base64)")


class CheckResponseV1(BaseModel):
    decision_id: str
    outcome: str
    measures: list[MeasureV1]
    incentives: list[MeasureV1]
    subject: CheckedSubjectV1
    subject_known: bool = Field(description="false: jrp has no data on this subject, so the outcome (allow) "
                                            "rests on no records at all")
    scenario: str
    role: str | None
    jurisdiction: str
    as_of: date
    evaluated_at: datetime
    bundle: BundleV1
    supervision: SupervisionV1 | None
    excluded: list[ExclusionV1] | None = Field(None, description="only when explain was asked")
    receipt: ReceiptV1 | None = Field(None, description="signed proof that the decision is in the log")


class OutcomeCountsV1(BaseModel):
    deny: int = 0
    restrict: int = 0
    review: int = 0
    allow: int = 0


class BatchResponseV1(BaseModel):
    batch_id: str
    results: list[CheckResponseV1]
    summary: OutcomeCountsV1


# --- decisions, audit -----------------------------------------------------------------

class LogPositionV1(BaseModel):
    seq: int = Field(description="arrival number of the entry")
    leaf_index: int | None = Field(description="its leaf in the Merkle tree; null until the sequencer integrates it")
    entry_hash: str = Field(description="RFC 9162 leaf hash of the stored entry (hex)")


class DecisionV1(BaseModel):
    """A logged decision: inputs, the digest of the facts it saw, its bundle and its result."""

    decision_id: str
    batch_id: str | None
    created_at: UtcDatetime
    caller: dict[str, str]
    purpose: str
    reference: str
    request: dict[str, Any]
    bundle: BundleV1
    subject_known: bool | None = Field(None, description="false: the store had no data on the subject; "
                                                         "absent from decisions logged before jrp said so")
    facts_digest: str
    result: dict[str, Any]
    log: LogPositionV1
    receipt: ReceiptV1 | None = None
    personal_data_state: str = Field(description="natural persons' data: shown (auditors, admins), masked, or erased "
                                                 "(after the retention period)")


class DecisionSummaryV1(BaseModel):
    seq: int
    decision_id: str
    batch_id: str | None
    created_at: UtcDatetime
    caller_key_id: str
    purpose: str
    subject_id: str
    scenario: str
    outcome: str
    leaf_index: int | None
    entry_hash: str


class DecisionPageV1(BaseModel):
    """One page of a decision search, newest first; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[DecisionSummaryV1]
    has_more: bool = Field(description="older matching decisions follow")
    next_cursor: str | None = Field(description="the cursor of the next page; null on the last page")


class ReplayResponseV1(BaseModel):
    identical: bool = Field(description="same result with the same rules (bundle hash)")
    original: dict[str, Any]
    replayed: dict[str, Any]
    differences: list[str]
    rules: list[str] = Field(description="how the rules replayed relate to today's files (changed, removed…)")
    bundle_hash: str = Field(description="of the rules the replay evaluated")


class CheckpointV1(BaseModel):
    """A signed tree head; keep copies where the service cannot reach them (``jrp audit checkpoint``)."""

    origin: str
    tree_size: int
    root: str
    time: str
    key_id: str
    signature: str


class InclusionProofV1(BaseModel):
    decision_id: str
    leaf_index: int
    entry_hash: str
    checkpoint: CheckpointV1
    proof: list[str] = Field(description="RFC 9162 inclusion proof (hex), leaf to root")


class ConsistencyProofV1(BaseModel):
    old_size: int
    new_size: int
    proof: list[str] = Field(description="RFC 9162 consistency proof (hex)")


class PublicKeyV1(BaseModel):
    key_id: str
    algorithm: str = "Ed25519"
    public_key: str = Field(description="PEM (SubjectPublicKeyInfo)")


class VerifyResponseV1(BaseModel):
    ok: bool
    count: int = Field(description="leaves verified before the first problem (all leaves when ok)")
    head: str = Field(description="root of the tree recomputed from the entries (hex)")
    tree_size: int
    pending: int = Field(description="entries recorded but not yet integrated into the tree")
    checkpoint: CheckpointV1 | None = Field(None, description="the latest signed checkpoint, checked against the entries")
    broken: dict[str, Any] | None = Field(None, description="first problem: seq, decision_id, leaf_index, reason")
    problems: list[str] = Field(default_factory=list, description="every problem found, each naming what and where")


class FactsDifferenceV1(BaseModel):
    table: str = Field(description="subjects, records, relations, or events (an event that no longer applies)")
    key: str = Field(description="the row: a subject id, a record id, a relation, an event's seq")
    column: str = Field(description="the column that differs; row: present on one side only")
    stored: str | None = Field(description="what the store holds")
    replayed: str | None = Field(description="what the replayed history gives")


class FactsAuditV1(BaseModel):
    ok: bool = Field(description="the projection equals the replayed history")
    events: int
    subjects: int
    records: int
    relations: int
    difference_count: int
    differences: list[FactsDifferenceV1] = Field(description="the first 1,000 differences")


class FeedbackV1(BaseModel):
    feedback_id: int
    decision_id: str
    caller_key_id: str
    action: str
    reason: str
    case_outcome: str
    recorded_at: UtcDatetime


class StatsRowV1(BaseModel):
    period: str
    department: str
    scenario: str
    jurisdiction: str
    checks: int
    outcomes: OutcomeCountsV1
    measures: dict[str, int] = Field(description="decisions in which each measure applied")
    feedback_received: int = Field(description="decisions with at least one piece of feedback")
    feedback_missing: int = Field(description="decisions with an outcome other than allow and no feedback")


class StatsV1(BaseModel):
    period: str
    rows: list[StatsRowV1]


# --- events, subjects -----------------------------------------------------------------

class EventItemV1(Response):
    index: int
    idempotency_key: str | None
    status: str
    field: str
    reason: str
    note: str


class EventsResponseV1(BaseModel):
    accepted: int
    duplicate: int
    rejected: int
    items: list[EventItemV1]
    consistency_token: str = Field(description=(
        "opaque; send it with a check (consistency_token) to have it answered on facts at least as fresh as "
        "this batch, whichever worker answers"))


class SubjectSupervisionV1(BaseModel):
    subject: str
    jurisdiction: str
    as_of: date
    supervision_class: str
    inspection_multiplier: float
    grounds: list[str]


class SubjectOfFileV1(BaseModel):
    subject_id: str
    subject_type: SubjectType
    name: str
    birth_date: date | None


class RelatedPartyV1(BaseModel):
    subject: SubjectOfFileV1
    role: str
    records: list[dict[str, Any]] = Field(description="the organisation's records, as in records")
    start: date | None
    end: date | None


class SubjectEventV1(BaseModel):
    """One stored event of the subject: who sent it (the API key's id) and when it was received beside its date."""

    seq: int
    type: str
    idempotency_key: str
    record_id: str | None
    occurred_on: date
    received_at: datetime
    key_id: str = Field(description="the key that sent it; 'before attribution' for events stored before keys "
                                    "were recorded, cli:<login> for the command line")
    authority: str
    days_late: int = Field(description="days from occurred_on to the day it was received (China time)")
    late: bool = Field(description="received more than 30 days after it occurred (back-dated or reported late)")


class SubjectFileV1(BaseModel):
    """What the store holds about a subject: the facts a check reads (fields as in ``jrp.engine.facts``)."""

    subject: SubjectOfFileV1
    records: list[dict[str, Any]] = Field(description="record_id, record_type, list_id, severity, start, end, "
                                                      "status, objection, authority, doc_no … (one object each)")
    related: list[RelatedPartyV1] = Field(description="organisations the subject holds a role in, with their records")
    version: str = Field(description="the facts version: changes with every event of the subject or a related party")
    events: list[SubjectEventV1] = Field(default_factory=list, description="the subject's own events, oldest first")


class HealthV1(BaseModel):
    status: str


# --- catalogue ------------------------------------------------------------------------

class MeasureSummaryV1(BaseModel):
    id: str
    name: str
    name_en: str
    kind: str
    category: int
    effect: str
    scenarios: list[str]
    jurisdiction: str
    ruleset_id: str
    ruleset_version: str
    lists: list[str]


class MeasureDetailV1(MeasureSummaryV1):
    matter: str
    target: str
    means: str
    authority: str
    intensity: int
    min_severity: str
    duration: str | None
    effective_from: date
    effective_to: date | None
    rule_ids: list[str]
    basis: list[dict[str, Any]]


class MeasureListV1(BaseModel):
    count: int
    items: list[MeasureSummaryV1]


class MeasureVersionsV1(BaseModel):
    id: str
    versions: list[MeasureDetailV1]


class RulesetVersionV1(BaseModel):
    version: str
    effective_from: date
    effective_to: date | None
    withdrawn_by: str | None = Field(None, description="the corrected edition that replaces this version for its whole "
                                                       "period; a withdrawn version is kept for replay and diff only")
    ends: date | None = Field(None, description="the last day checks select it: its effective_to, or the day before "
                                                "the next published version starts; null: open-ended, or withdrawn")
    status: Literal["in_force", "upcoming", "superseded", "withdrawn", "unpublished"] = Field(
        description="today: in_force; upcoming (effective_from later); superseded (ended); withdrawn by a corrected "
                    "edition; unpublished (no approval on record: checks never select it)")


class RulesetSummaryV1(BaseModel):
    id: str
    jurisdiction: str
    title: dict[str, str]
    versions: list[RulesetVersionV1]


class RulesetDetailV1(BaseModel):
    id: str
    jurisdiction: str
    versions: list[dict[str, Any]] = Field(description="per version: header and counts of entries")


class FieldChangeV1(BaseModel):
    path: str = Field(description="dotted YAML path of the field, e.g. general.max")
    was: str = Field(description="its old value; empty if it had none")
    now: str = Field(description="its new value; empty if it has none")


class RulesetChangeV1(BaseModel):
    measure_id: str
    aspect: str
    direction: str
    detail: str
    before: str | None = Field(description="file:line in the old version, relative to the rulesets folder")
    after: str | None = Field(description="file:line in the new version, relative to the rulesets folder")
    level: str
    was: list[str] = Field(description="the aspect's old values (scenarios, roles — * for any —, severity, period…)")
    now: list[str] = Field(description="its new values")
    fields: list[FieldChangeV1] = Field(description="of an edited entry or trigger threshold, field by field")


class RulesetDiffV1(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    changes: list[RulesetChangeV1]
    errors: int = Field(description="changes that widen a penalty without a new legal basis")


class ImpactJurisdictionV1(BaseModel):
    jurisdiction: str
    pairs: int = Field(description="(scenario, role) pairs re-evaluated there")


class ImpactMeasureRowV1(BaseModel):
    measure_id: str
    scenario: str
    role: str | None
    jurisdiction: str
    subjects: int


class ImpactShiftV1(BaseModel):
    scenario: str
    role: str | None
    jurisdiction: str
    before: str
    after: str
    subjects: int


class ImpactExampleV1(BaseModel):
    measure_id: str
    change: str = Field(description="gained or lost")
    subjects: list[str] = Field(description="a few of the subjects concerned")


class ImpactDecisionChangeV1(BaseModel):
    decision_id: str
    differences: list[str]


class ImpactDecisionsV1(BaseModel):
    checked: int = Field(description="recent logged decisions re-evaluated with the candidate")
    changed: list[ImpactDecisionChangeV1]


class ImpactReportV1(BaseModel):
    """Who would gain or lose which measures if the candidate version went live (nothing is logged)."""

    candidate: str = Field(description="id@version of the candidate")
    as_of: date
    jurisdictions: list[ImpactJurisdictionV1]
    subjects: int
    evaluations: int
    seconds: float
    gained: list[ImpactMeasureRowV1]
    lost: list[ImpactMeasureRowV1]
    outcome_shifts: list[ImpactShiftV1]
    examples: list[ImpactExampleV1]
    decisions: ImpactDecisionsV1


class ReportMeasureV1(BaseModel):
    measure_id: str
    name: str


class ReportResultV1(BaseModel):
    """One subject of a report, as the printed report shows it (resident IDs masked)."""

    decision_id: str
    subject: str
    name: str
    outcome: str
    measures: list[ReportMeasureV1]


class ReportVerificationV1(BaseModel):
    """A credit result report found by its verification code: compare it with the report you hold."""

    report_number: str
    genuine: bool = Field(description="the code follows from the batch's receipts, and every decision of the batch "
                                      "is still the one its receipt signed")
    problem: str | None = Field(None, description="why the report cannot be confirmed, when it cannot")
    checked_at: str
    department: str
    caller: str
    purpose: str
    reference: str | None = None
    scenario: str
    jurisdiction: str
    as_of: str
    results: list[ReportResultV1]


class ErrorItemV1(BaseModel):
    field: str
    message: str


class ErrorV1(BaseModel):
    code: str
    message: str
    errors: list[ErrorItemV1] = []
