"""The ruleset format: pydantic models for the YAML files in this folder.

Every model is frozen and forbids unknown keys, so a typo in a YAML file is an error
with its location rather than a silently ignored field. ``rulesets/README.md``
documents the format with an example of each kind of entry.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from jrp.vocabulary.measures import PENALTY_EFFECTS, Effect, ListKind, MeasureKind
from jrp.vocabulary.records import (
    CommitmentState,
    Impact,
    ObjectionState,
    Procedure,
    RecordStatus,
    RecordType,
    Severity,
)
from jrp.vocabulary.scenarios import CheckRole, Scenario, ScenarioRole
from jrp.vocabulary.scope import Consumption, ProjectType, Sanction
from jrp.vocabulary.subjects import RelatedRole, SubjectType

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"
JURISDICTION_PATTERN = r"^CN(-[A-Z]{2,3})*$"
DURATION_PATTERN = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")

Identifier = Annotated[str, Field(pattern=ID_PATTERN, min_length=2, max_length=80)]
Jurisdiction = Annotated[str, Field(pattern=JURISDICTION_PATTERN)]


def _severity_from_name(value: object) -> object:
    """Let YAML say ``serious`` rather than ``3``."""
    if isinstance(value, str) and value in Severity.__members__:
        return Severity[value]
    return value


SeverityLevel = Annotated[Severity, BeforeValidator(_severity_from_name)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Duration(str):
    """An ISO 8601 period of years, months and days, such as ``P3Y`` or ``P6M``."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):  # noqa: ANN001 - pydantic hook
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(cls._parse, core_schema.str_schema())

    @classmethod
    def _parse(cls, value: str) -> Duration:
        match = DURATION_PATTERN.match(value)
        if not match or not any(match.groups()):
            raise ValueError(
                f"{value!r} is not a period; write an ISO 8601 period such as P3Y, P6M or P90D"
            )
        return cls(value)

    @property
    def parts(self) -> tuple[int, int, int]:
        years, months, days = DURATION_PATTERN.match(self).groups()  # type: ignore[union-attr]
        return int(years or 0), int(months or 0), int(days or 0)


class Level(StrEnum):
    """Rank of a legal instrument; category-1 measures need one of the first four or a local regulation."""

    law = "law"
    administrative_regulation = "administrative_regulation"
    judicial_interpretation = "judicial_interpretation"
    local_regulation = "local_regulation"
    central_policy = "central_policy"  # Party Central Committee / State Council policy document
    departmental_rule = "departmental_rule"
    normative_document = "normative_document"
    local_policy = "local_policy"


CATEGORY_ONE_LEVELS = frozenset(
    {
        Level.law,
        Level.administrative_regulation,
        Level.judicial_interpretation,
        Level.local_regulation,
        Level.central_policy,
    }
)


class InstrumentStatus(StrEnum):
    in_force = "in_force"
    amended = "amended"
    superseded = "superseded"
    repealed = "repealed"


class Instrument(Frozen):
    """One legal source in the registry (``rulesets/legal_sources.yaml``)."""

    id: Identifier
    title: str
    issuer: str
    doc_no: str = ""
    level: Level
    promulgated: date | None = None
    effective: date | None = None
    version: str = Field(description="the edition cited, e.g. '2023 revision'")
    status: InstrumentStatus = InstrumentStatus.in_force
    status_date: date | None = None
    lapses: date | None = Field(default=None, description="date the instrument stops applying")
    text_file: str | None = Field(default=None, description="file name under the legal texts folder")
    partial: bool = Field(default=False, description="the text file holds only part of the instrument")
    covers: tuple[Scenario, ...] = Field(
        default=(), description="scenarios the instrument as a whole provides a basis for"
    )


class Citation(Frozen):
    """A pointer into an instrument: article (+ paragraph/item) or a section of a policy document.

    ``article: unverified`` cites the instrument where no article number could be
    confirmed; validation reports those as warnings.
    """

    instrument: Identifier
    article: int | Literal["unverified"] | None = None
    paragraph: int | None = None
    item: int | None = None
    section: str | None = None
    quote: str | None = None
    covers: tuple[Scenario, ...] = Field(
        default=(), description="scenarios this article provides a basis for; else the instrument's"
    )
    grounds: tuple[Identifier, ...] = Field(
        default=(), description="in a measure's basis: shown only for list entries on these legal grounds "
                                "(or whose ground is not stated); empty: for every record")
    lists: tuple[Identifier, ...] = Field(
        default=(), description="in a measure's basis: shown only when an entry of these lists triggered it; "
                                "empty: whatever triggered it")

    @model_validator(mode="after")
    def _points_somewhere(self) -> Citation:
        if self.article is None and self.section is None:
            raise ValueError(
                "a citation needs an article (a number, or 'unverified') or a section such as '专栏2'"
            )
        return self

    @property
    def unverified(self) -> bool:
        return self.article == "unverified"

    def label(self) -> str:
        """Human-readable locator, e.g. '第48条' or '第22条第1款第5项' or '专栏2'."""
        if self.section:
            return self.section
        if self.unverified:
            return "article unverified"
        text = f"第{self.article}条"
        if self.paragraph:
            text += f"第{self.paragraph}款"
        if self.item:
            text += f"第{self.item}项"
        return text


class Names(Frozen):
    zh: str
    en: str


class PeriodRange(Frozen):
    """A period the basis leaves to the decision within bounds (e.g. 招标投标法 art. 53: one to two years).

    A record without its own end is in force for certain until ``start + min`` and expired after
    ``start + max``; in between only the decision can tell, so its measures answer ``review``.
    """

    min: Duration
    max: Duration


Period = Duration | PeriodRange


class ListingGround(Frozen):
    """One legal ground for entering a subject on a list, and the listing period that ground allows.

    A record names its ground (``ground``); a record without one gets the widest envelope of the
    list's grounds, so it is never held longer than some ground allows.
    """

    id: Identifier
    name: Names
    basis: tuple[Citation, ...] = Field(min_length=1)
    period: Period | None = Field(default=None, description="for a record without an end; None: no fixed term")
    longest: Duration | None = Field(
        default=None, description="the longest end a decision may set (an extension); a later end is cut to it")


class RepairRoute(Frozen):
    """How a record's consequences can end early (信用修复, 提前移出), where to apply and on what conditions."""

    after: Duration | None = Field(default=None, description="earliest application, counted from the record's start")
    from_rectification: bool = Field(
        default=False, description="count ``after`` from the rectification (改正之日), not from the start")
    where: Names
    conditions: Names
    basis: tuple[Citation, ...] = Field(min_length=1)


class CreditList(Frozen):
    """A list (名单) that subjects are entered on by the authority's decision."""

    id: Identifier
    name: Names
    kind: ListKind
    authority: str
    basis: tuple[Citation, ...] = Field(min_length=1)
    listing_period: Period | None = Field(
        default=None, description="for records whose ground has no period of its own; None: while the decision stands")
    longest: Duration | None = Field(
        default=None, description="the longest end a decision may set; a later end is cut to it")
    grounds: tuple[ListingGround, ...] = ()
    repair: RepairRoute | None = Field(default=None, description="None: no early end; only the period or a removal ends it")
    extends_to: tuple[RelatedRole, ...] = ()
    extension_basis: tuple[Citation, ...] = ()

    @model_validator(mode="after")
    def _extension_needs_basis(self) -> CreditList:
        if self.extends_to and not self.extension_basis:
            raise ValueError(
                "extends_to needs extension_basis: cite the article that extends the measures to these roles"
            )
        return self




class Reach(Frozen):
    """What a measure reaches within its scenarios, as its basis words it (精准惩戒).

    Each condition compares the check's application with the triggering record. Where the
    check or the record does not say, the measure answers ``review`` with the reason instead
    of applying: a measure is never applied on a guess.
    """

    matter: Literal["same_as_record"] | None = Field(
        default=None, description="only the licence item or matter the record names (行政许可法 art. 78: 该行政许可)")
    industry: Literal["same_as_record"] | None = Field(
        default=None, description="only the industry the decision names (行业或者职业禁入)")
    project_types: tuple[ProjectType, ...] = Field(
        default=(), description="only these kinds of project (企业信息公示暂行条例 art. 18: 工程招投标)")
    tender_required: bool = Field(
        default=False, description="only projects that must be tendered by law (招标投标法 art. 53: 依法必须进行招标的项目)")
    rectification_overdue: bool = Field(
        default=False, description="only where the rectification deadline passed unmet (整改不到位)")
    consumption: Literal["listed"] | None = Field(
        default=None, description="only the consumption 最高法 2015 art. 3 lists (高消费及非生活和工作必需的消费)")
    public_safety: bool = Field(
        default=False, description="only licences directly concerning public safety, health or life and property "
                                   "(行政许可法 arts. 78, 79: 直接关系公共安全、人身健康、生命财产安全)")

    @property
    def limited(self) -> bool:
        """Whether the measure reaches less than its whole scenarios."""
        return self != Reach()


class Measure(Frozen):
    """One entry of a measures list, with the five attributes every entry must state."""

    id: Identifier
    name: Names
    kind: MeasureKind
    category: Literal[1, 2, 3]
    effect: Effect
    matter: str = Field(description="具体事项: the specific matter")
    target: str = Field(description="实施对象: who it is applied to")
    means: str = Field(description="实施手段: how it is applied")
    authority: str = Field(description="实施主体: the implementing authority")
    basis: tuple[Citation, ...] = Field(min_length=1, description="实施依据")
    scenarios: tuple[Scenario, ...] = Field(min_length=1)
    min_severity: SeverityLevel = Severity.general
    intensity: int = Field(ge=1, le=5)
    duration: Duration | None = Field(default=None, description="None: as long as the triggering record")
    roles: tuple[CheckRole, ...] = Field(default=(), description="the check roles the basis reaches; empty: any role")
    reach: Reach = Field(default_factory=lambda: Reach(), description="what part of its scenarios the basis reaches")
    override: bool = Field(default=False, description="explicitly redefines a higher level's measure")

    @model_validator(mode="after")
    def _effect_matches_kind(self) -> Measure:
        is_penalty_effect = self.effect in PENALTY_EFFECTS
        if is_penalty_effect != (self.kind is MeasureKind.penalty):
            allowed = sorted(PENALTY_EFFECTS if self.kind is MeasureKind.penalty else set(Effect) - PENALTY_EFFECTS)
            raise ValueError(f"effect {self.effect.value!r} does not fit kind {self.kind.value!r}; use one of {allowed}")
        return self


class ListTrigger(Frozen):
    list: Identifier


class PenaltyTrigger(Frozen):
    """A published penalty; ``sanctions`` / ``fine_at_least`` restrict it to penalties of those types.

    With either set, a penalty qualifies when it imposed one of ``sanctions`` or a fine of at least
    ``fine_at_least`` yuan (政府采购法实施条例 art. 19); a record that states no types answers ``review``.
    With ``within``, the basis looks back on its own terms (政府采购法 art. 22(1)(5): 参加政府采购活动前三年内):
    every penalty decided within that period counts, whatever its class or publication period.
    """

    min_severity: SeverityLevel = Severity.general
    domains: tuple[str, ...] = ()
    sanctions: tuple[Sanction, ...] = ()
    fine_at_least: float | None = Field(default=None, gt=0)
    within: Duration | None = Field(
        default=None, description="the basis's own look-back from the check date; None: while the penalty is published")

    @model_validator(mode="after")
    def _look_back_reads_types(self) -> PenaltyTrigger:
        if self.within is not None and not self.qualified:
            raise ValueError("a penalty trigger with `within` reads penalties by type: name `sanctions` or "
                             "`fine_at_least` (the class and publication of a penalty do not matter then)")
        if self.within is not None and "min_severity" in self.model_fields_set:
            raise ValueError("a penalty trigger with `within` counts penalties of every class: leave out min_severity")
        return self

    @property
    def qualified(self) -> bool:
        return bool(self.sanctions) or self.fine_at_least is not None


class RepeatTrigger(Frozen):
    count: int = Field(ge=2)
    within: Duration
    min_severity: SeverityLevel = Severity.general
    domains: tuple[str, ...] = ()


class PointsTrigger(Frozen):
    scheme: Identifier
    at_least: float
    within: Duration


class GradeTrigger(Frozen):
    scheme: Identifier
    grades: tuple[str, ...] = Field(min_length=1)


class ScoreTrigger(Frozen):
    scheme: Identifier
    at_least: float


class CommitmentBreachTrigger(Frozen):
    matters: tuple[str, ...] = ()


class CommitmentsKeptTrigger(Frozen):
    at_least: int = Field(ge=1)
    within: Duration


class When(Frozen):
    """Exactly one trigger condition."""

    list: Identifier | None = None
    penalty: PenaltyTrigger | None = None
    repeated_penalties: RepeatTrigger | None = None
    points: PointsTrigger | None = None
    grade: GradeTrigger | None = None
    score: ScoreTrigger | None = None
    commitment_breach: CommitmentBreachTrigger | None = None
    commitments_kept: CommitmentsKeptTrigger | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> When:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            names = ", ".join(type(self).model_fields)
            raise ValueError(f"'when' needs exactly one of {names}; found {given or 'none'}")
        return self

    @property
    def trigger_kind(self) -> str:
        return next(name for name in type(self).model_fields if getattr(self, name) is not None)


class RulePersons(Frozen):
    """Persons of a listed unit a rule reaches by its own basis (a list's ``extends_to`` reaches them for every rule).

    ``pending``: what must happen before the basis binds them (the court's consumption restriction order, for
    the persons of a listed unit debtor: 最高法 2015 art. 3 para. 2 被采取限制消费措施后); while the records do not
    show it, the measure answers review for them. ``only``: the measure concerns the persons alone, never the unit.
    """

    roles: tuple[RelatedRole, ...] = Field(min_length=1)
    basis: tuple[Citation, ...] = Field(min_length=1, description="must name each role in its own words")
    pending: Names | None = None
    only: bool = False


class Rule(Frozen):
    """Which facts trigger which measures, in which scenarios and for which roles."""

    id: Identifier
    when: When
    measures: tuple[Identifier, ...] = Field(min_length=1)
    scenarios: tuple[Scenario, ...] = Field(default=(), description="empty: every scenario of the measure")
    roles: tuple[CheckRole, ...] = Field(default=(), description="empty: any role")
    grounds: tuple[Identifier, ...] = Field(
        default=(), description="only entries listed on these grounds of the list (e.g. gpl-78: agencies); empty: any")
    extends_to: tuple[RelatedRole, ...] | None = Field(
        default=None,
        description="related roles this rule reaches: a subset of the list's extends_to; None: all of them",
    )
    persons: RulePersons | None = Field(
        default=None, description="persons of the listed unit this rule reaches on its own basis, beyond the list's")
    basis: tuple[Citation, ...] = ()
    note: str = ""

    @model_validator(mode="after")
    def _persons_of_a_list(self) -> Rule:
        if self.persons is not None and self.when.list is None:
            raise ValueError("`persons` reaches the persons of a listed unit: the rule needs a list trigger")
        return self


SupervisionClassName = Literal["A", "B", "C", "D"]


class GradingScheme(Frozen):
    """How the grades of a published evaluation map to supervision classes (A best … D worst)."""

    scheme: Identifier
    name: Names
    basis: tuple[Citation, ...] = Field(min_length=1)
    grades: dict[str, SupervisionClassName] = Field(min_length=1)
    note: str = ""


class SupervisionClass(Frozen):
    """A class of graded supervision and its random-inspection ratio relative to normal (1.0).

    No seed document gives these numbers, so every multiplier is a local policy
    parameter and says so.
    """

    name: Names
    inspection_multiplier: float = Field(gt=0)
    parameter: Literal["local_policy_parameter"] = "local_policy_parameter"
    basis: tuple[Citation, ...] = Field(min_length=1)


class PublicationPeriod(Frozen):
    published: bool = True
    min: Duration | None = None
    max: Duration | None = None


class SeverityPeriods(Frozen):
    """Publication periods by severity, and domain minimums for repair."""

    minor: PublicationPeriod
    general: PublicationPeriod
    serious: PublicationPeriod
    domain_minimums: dict[str, Duration] = Field(default_factory=dict)


class EarlierEdition(SeverityPeriods):
    """The periods of the edition this one replaces, for penalties decided before this one took effect.

    ``rule: lighter`` (从旧兼从轻): each bound is the one lighter for the subject — the shorter
    maximum and the shorter minimum. Validation checks the periods against the earlier version's file.
    """

    version: str
    rule: Literal["lighter"] = "lighter"
    note: str = ""


class PublicationPeriods(SeverityPeriods):
    """Credit-repair publication periods by severity (order 58, order 36…)."""

    basis: tuple[Citation, ...] = Field(min_length=1)
    classification: dict[Literal["minor", "general", "serious"], tuple[Sanction, ...]] = Field(
        default_factory=dict, description="the severity a penalty type implies where the record states none")
    repair: RepairRoute | None = Field(default=None, description="where and how a published penalty is repaired")
    earlier: EarlierEdition | None = None


class CrossRegionMapping(Frozen):
    """A list type of another region recognised as a local list (长三角 mutual recognition)."""

    region: Jurisdiction
    list_type: str
    maps_to: Identifier
    domains: tuple[str, ...] = Field(
        default=(), description="only records of these domains are recognised; empty: every domain")
    basis: tuple[Citation, ...] = Field(min_length=1)


class RulesetHeader(Frozen):
    id: Identifier
    title: Names
    jurisdiction: Jurisdiction
    parent: Jurisdiction | None = None
    version: str = Field(min_length=1)
    effective_from: date
    effective_to: date | None = None
    sources: tuple[Identifier, ...] = Field(min_length=1, description="instrument ids of the source documents")
    reconstructed: Names | None = Field(
        default=None, description="set when the list itself is not in hand: what it was rebuilt from")
    replaces: tuple[str, ...] = Field(
        default=(), description="versions of this ruleset this corrected edition withdraws for their whole period; "
                                "their files stay unchanged for replay and diff")
    changes: Names | None = Field(default=None, description="what this version changes and why")

    @model_validator(mode="after")
    def _dates_ordered(self) -> RulesetHeader:
        if self.effective_to and self.effective_to < self.effective_from:
            raise ValueError(f"effective_to {self.effective_to} is before effective_from {self.effective_from}")
        return self


class Ruleset(Frozen):
    """One version of one ruleset: a YAML file ``rulesets/<jurisdiction>/<id>/<version>.yaml``."""

    ruleset: RulesetHeader
    lists: tuple[CreditList, ...] = ()
    measures: tuple[Measure, ...] = ()
    rules: tuple[Rule, ...] = ()
    grading: tuple[GradingScheme, ...] = ()
    supervision_classes: dict[SupervisionClassName, SupervisionClass] = Field(default_factory=dict)
    publication_periods: PublicationPeriods | None = None
    cross_region: tuple[CrossRegionMapping, ...] = ()
    objections_suspend: bool | None = Field(
        default=None, description="True: a record under objection triggers nothing until resolved"
    )


class InstrumentRegistry(Frozen):
    instruments: tuple[Instrument, ...]


class TestRecord(Frozen):
    """A record in a YAML test case, with the fields of ``jrp.engine.facts.Record``."""

    type: RecordType
    start: date
    id: str | None = None
    end: date | None = None
    list: str | None = None
    severity: SeverityLevel | None = None
    domain: str | None = None
    procedure: Procedure | None = None
    impact: Impact | None = None
    region: str | None = None
    first_violation: bool = False
    corrected_in_time: bool = False
    scheme: str | None = None
    grade: str | None = None
    value: float | None = None
    matter: str | None = None
    commitment_state: CommitmentState | None = None
    commitment_date: date | None = None
    status: RecordStatus = RecordStatus.active
    status_date: date | None = None
    objection: ObjectionState = ObjectionState.none
    amount: float | None = None
    sanctions: tuple[Sanction, ...] = ()
    ground: str | None = None
    industry: str | None = None
    project_type: ProjectType | None = None
    persons: tuple[str, ...] = Field(default=(), description="ids named by the decision; the checked subject is test-subject")
    rectification_due: date | None = None
    rectified_on: date | None = None


class TestRelated(Frozen):
    role: RelatedRole
    subject_type: SubjectType = SubjectType.legal_person
    records: tuple[TestRecord, ...] = ()


class Expectation(Frozen):
    outcome: Literal["deny", "restrict", "review", "allow"]
    measures: tuple[str, ...] = ()
    needs_review: tuple[str, ...] = Field(
        default=(), description="the measures among ``measures`` that answer review for want of facts")
    incentives: tuple[str, ...] = ()
    supervision_class: str | None = None


class CheckCase(Frozen):
    """Facts + scenario + role + date: what ``jrp rulesets eval`` evaluates, and what every test case states."""

    as_of: date
    scenario: Scenario
    role: ScenarioRole = None
    jurisdiction: Jurisdiction | None = None
    subject_type: SubjectType = SubjectType.legal_person
    birth_date: date | None = None
    matter: str | None = None
    industry: str | None = None
    project_type: ProjectType | None = None
    tender_required: bool | None = None
    consumption: Consumption | None = None
    public_safety: bool | None = None
    records: tuple[TestRecord, ...] = ()
    related: tuple[TestRelated, ...] = ()


class TestCase(CheckCase):
    """One YAML test: a check case and its expected outcome and measures."""

    name: str
    expect: Expectation


class EvalCase(CheckCase):
    """A check case to evaluate (``jrp rulesets eval``): a test case whose name, expectation and date may be left out."""

    name: str = ""
    as_of: date | None = None  # type: ignore[assignment]  # the command's --as-of, else today
    expect: Expectation | None = None


class EvalSuite(Frozen):
    tests: tuple[EvalCase, ...] = Field(min_length=1)


class TestSuite(Frozen):
    tests: tuple[TestCase, ...] = Field(min_length=1)
