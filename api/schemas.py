"""Wire types of the HTTP API (suffix ``V1``): requests are validated here, responses built here.

Responses are read from the engine's dataclasses with ``from_attributes``, so the
field lists below are the whole contract: anything the engine adds stays internal
until it is named here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from jrp.adapters.feedback import FeedbackAction
from jrp.adapters.identity import InvalidIdentifier, validate_subject_id
from jrp.vocabulary.records import Severity
from jrp.vocabulary.scenarios import Scenario, ScenarioRole
from jrp.vocabulary.scope import INDUSTRY_CODE, ProjectType
from jrp.vocabulary.subjects import SubjectType

MAX_BATCH = 10_000
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._*-]{0,79}$"
"""Ids in paths and filters (decisions, batches, measures, rulesets, subjects): a NUL or a slash never reaches SQL."""


NO_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"  # PostgreSQL text cannot hold NUL; the others are noise

Text = Annotated[str, StringConstraints(pattern=NO_CONTROL)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- requests -------------------------------------------------------------------------

class SubjectV1(Request):
    """Who is checked: a USCC or a resident ID number (checksums are verified)."""

    id: str = Field(max_length=64)
    type: SubjectType | None = None
    name: Text = Field("", max_length=300)

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        try:
            return validate_subject_id(value, "id")
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
    tender_required: bool | None = Field(None, description=(
        "bidding: whether the project must be tendered by law (招标投标法 art. 3); a bidding disqualification "
        "reaches only such projects"))
    jurisdiction: str | None = Field(None, description="default: the key's only jurisdiction, else CN")
    as_of: date | None = Field(None, description="default: today")
    purpose: Text = Field(min_length=1, max_length=500, description="why the check is made (查询使用登记)")
    reference: Text = Field("", max_length=200, description="the caller's file or project number")


class CheckRequestV1(CheckOptionsV1):
    subject: SubjectV1
    explain: bool = Field(False, description="also list what was considered and did not apply, and why")


class BatchRequestV1(CheckOptionsV1):
    subjects: list[SubjectV1] = Field(min_length=1, max_length=MAX_BATCH)


class ReplayRequestV1(Request):
    rules: str = Field("original", pattern="^(original|current)$",
                       description="original: the decision's own ruleset versions; current: those in force today")


class EventsRequestV1(Request):
    events: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH,
                                         description="events in the format of adapters/EVENTS.md")


class ImpactRequestV1(Request):
    candidate_yaml: str = Field(min_length=1, max_length=2_000_000, description="the candidate ruleset version, as YAML")
    as_of: date | None = Field(None, description="default: today")
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

class ChainLinkV1(BaseModel):
    seq: int
    prev_hash: str
    hash: str


class DecisionV1(BaseModel):
    """A logged decision: inputs, the digest of the facts it saw, its bundle and its result."""

    decision_id: str
    batch_id: str | None
    created_at: datetime
    caller: dict[str, str]
    purpose: str
    reference: str
    request: dict[str, Any]
    bundle: BundleV1
    subject_known: bool | None = Field(None, description="false: the store had no data on the subject; "
                                                         "absent from decisions logged before jrp said so")
    facts_digest: str
    result: dict[str, Any]
    chain: ChainLinkV1


class DecisionSummaryV1(BaseModel):
    seq: int
    decision_id: str
    batch_id: str | None
    created_at: datetime
    caller_key_id: str
    purpose: str
    subject_id: str
    scenario: str
    outcome: str
    hash: str


class ReplayResponseV1(BaseModel):
    identical: bool
    original: dict[str, Any]
    replayed: dict[str, Any]
    differences: list[str]


class VerifyResponseV1(BaseModel):
    ok: bool
    count: int = Field(description="rows verified before the first broken link (all rows when ok)")
    head: str = Field(description="hash of the last valid row; keep a copy elsewhere to detect truncation")
    broken: dict[str, Any] | None = Field(None, description="first broken link: seq, decision_id, reason")


class FeedbackV1(BaseModel):
    feedback_id: int
    decision_id: str
    caller_key_id: str
    action: str
    reason: str
    case_outcome: str
    recorded_at: datetime


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


class SubjectSupervisionV1(BaseModel):
    subject: str
    jurisdiction: str
    as_of: date
    supervision_class: str
    inspection_multiplier: float
    grounds: list[str]


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


class ErrorItemV1(BaseModel):
    field: str
    message: str


class ErrorV1(BaseModel):
    code: str
    message: str
    errors: list[ErrorItemV1] = []
