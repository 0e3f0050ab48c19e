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

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

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


SeverityLevel = Annotated[Severity, BeforeValidator(_severity_from_name),
                          WithJsonSchema({"enum": [*Severity.__members__, *(s.value for s in Severity)]})]


class Frozen(BaseModel):
    """A model of the format: frozen, unknown keys forbidden, and each field's docstring its description
    (in the JSON Schema editors read, ``json_schema.py``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False, use_attribute_docstrings=True)


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

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):  # noqa: ANN001 - pydantic hook
        return {"type": "string", "pattern": DURATION_PATTERN.pattern,
                "description": "An ISO 8601 period of years, months and days, e.g. P3Y, P6M, P1Y6M or P90D."}

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
    """Lower-case id the rulesets cite, e.g. migrant-wage-regulation."""
    title: str
    """The instrument's title as published, e.g. 保障农民工工资支付条例."""
    issuer: str
    """Who issued it, e.g. 国务院."""
    doc_no: str = ""
    """Its document number (文号), e.g. 国务院令第724号."""
    level: Level
    """Its rank: category-1 measures, and every measure that prohibits or restricts, need law,
    administrative_regulation, judicial_interpretation, local_regulation or central_policy."""
    promulgated: date | None = None
    """Date of promulgation (YYYY-MM-DD)."""
    effective: date | None = None
    """Date it took effect (YYYY-MM-DD)."""
    version: str = Field(description="the edition cited, e.g. '2023 revision'")
    status: InstrumentStatus = InstrumentStatus.in_force
    """Whether it is still in force; a current ruleset citing a superseded or repealed one is warned of."""
    status_date: date | None = None
    """Since when the status holds (YYYY-MM-DD)."""
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
    """Id of the instrument in legal_sources.yaml."""
    article: int | Literal["unverified"] | None = None
    """Article number (第X条), or 'unverified' where no number could be confirmed (a warning); never invent one."""
    paragraph: int | None = None
    """Paragraph (款) within the article."""
    item: int | None = None
    """Item (项) within the paragraph."""
    section: str | None = None
    """Section of a plan or policy document without articles, e.g. 专栏2 or 六(二)."""
    quote: str | None = None
    """The words relied on, copied exactly from the text: validation checks they sit in the article, paragraph and
    item cited."""
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
    """Chinese text."""
    en: str
    """English text."""


class PeriodRange(Frozen):
    """A period the basis leaves to the decision within bounds (e.g. 招标投标法 art. 53: one to two years).

    A record without its own end is in force for certain until ``start + min`` and expired after
    ``start + max``; in between only the decision can tell, so its measures answer ``review``.
    """

    min: Duration
    """Shortest period the decision may set (ISO 8601, e.g. P1Y)."""
    max: Duration
    """Longest period the decision may set (ISO 8601, e.g. P3Y)."""


Period = Duration | PeriodRange


class ListingGround(Frozen):
    """One legal ground for entering a subject on a list, and the listing period that ground allows.

    A record names its ground (``ground``); a record without one gets the widest envelope of the
    list's grounds, so it is never held longer than some ground allows.
    """

    id: Identifier
    """Lower-case id a record names as its ground, e.g. gpl-77."""
    name: Names
    """The ground's name in Chinese and English."""
    basis: tuple[Citation, ...] = Field(min_length=1)
    """The articles that allow a listing on this ground."""
    period: Period | None = Field(default=None, description="for a record without an end; None: no fixed term")
    longest: Duration | None = Field(
        default=None, description="the longest end a decision may set (an extension); a later end is cut to it")


class RepairRoute(Frozen):
    """How a record's consequences can end early (信用修复, 提前移出), where to apply and on what conditions."""

    after: Duration | None = Field(default=None, description="earliest application, counted from the record's start")
    from_rectification: bool = Field(
        default=False, description="count ``after`` from the rectification (改正之日), not from the start")
    where: Names
    """Where to apply (the authority), in Chinese and English."""
    conditions: Names
    """On what conditions, in Chinese and English."""
    basis: tuple[Citation, ...] = Field(min_length=1)
    """The articles that provide for the early end."""


class CreditList(Frozen):
    """A list (名单) that subjects are entered on by the authority's decision."""

    id: Identifier
    """Lower-case id that records and rules name, unique in the bundle."""
    name: Names
    """The list's name in Chinese and English."""
    kind: ListKind
    """serious (supervision class D, incentives withheld), key_attention (class C, category-2 measures only),
    incentive, or decision (individual decisions carrying their own consequence)."""
    authority: str
    """The authority that enters subjects on the list."""
    basis: tuple[Citation, ...] = Field(min_length=1)
    """The articles the list is kept under."""
    listing_period: Period | None = Field(
        default=None, description="for records whose ground has no period of its own; None: while the decision stands")
    longest: Duration | None = Field(
        default=None, description="the longest end a decision may set; a later end is cut to it")
    grounds: tuple[ListingGround, ...] = ()
    """The legal grounds of a listing, each with the period it allows."""
    repair: RepairRoute | None = Field(default=None, description="None: no early end; only the period or a removal ends it")
    extends_to: tuple[RelatedRole, ...] = ()
    """Related persons every rule on the list also reaches; needs extension_basis naming them."""
    extension_basis: tuple[Citation, ...] = ()
    """The articles that extend the measures to the extends_to roles, in words naming each role."""

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
    """Lower-case id, kept across editions (decisions, feedback and statistics count by it)."""
    name: Names
    """The measure's name in Chinese and English."""
    kind: MeasureKind
    """penalty or incentive."""
    category: Literal[1, 2, 3]
    """1: reduces rights under law (public authority); 2: management measure within an authority's duties, never
    reducing rights; 3: taken by a non-public body itself. Must fit the effect."""
    effect: Effect
    """What the measure does: penalties prohibit, restrict, heightened_review or key_supervision; incentives
    facilitate, priority or reduced_inspection. prohibit and restrict need a law-level basis."""
    matter: str = Field(description="具体事项: the specific matter")
    target: str = Field(description="实施对象: who it is applied to")
    means: str = Field(description="实施手段: how it is applied")
    authority: str = Field(description="实施主体: the implementing authority")
    basis: tuple[Citation, ...] = Field(min_length=1, description="实施依据")
    scenarios: tuple[Scenario, ...] = Field(min_length=1)
    """The business processes it applies in; each must be covered by a citation of its basis."""
    min_severity: SeverityLevel = Severity.general
    """The lowest severity of dishonesty evidence that triggers it: minor, general or serious."""
    intensity: int = Field(ge=1, le=5)
    """How hard it bites: 5 ban … 1 interview (incentives: 3 priority … 1 fewer inspections)."""
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
    """The lowest severity of penalty that triggers: minor, general or serious."""
    domains: tuple[str, ...] = ()
    """Only penalties in these domains (tax, work_safety, food_safety…); empty: any domain."""
    sanctions: tuple[Sanction, ...] = ()
    """Only penalties that imposed one of these penalty types (行政处罚法 art. 9)."""
    fine_at_least: float | None = Field(default=None, gt=0)
    """Or a fine of at least this many yuan."""
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
    """How many published penalties (at least 2)."""
    within: Duration
    """Within this period (ISO 8601, e.g. P12M)."""
    min_severity: SeverityLevel = Severity.general
    """Counting penalties of at least this severity: minor, general or serious."""
    domains: tuple[str, ...] = ()
    """Counting only penalties in these domains; empty: any."""


class PointsTrigger(Frozen):
    scheme: Identifier
    """The points scheme, e.g. medical-bad-practice."""
    at_least: float
    """Points that trigger, summed within the window."""
    within: Duration
    """The window (ISO 8601, e.g. P1Y)."""


class GradeTrigger(Frozen):
    scheme: Identifier
    """The evaluation scheme, e.g. public-credit-evaluation."""
    grades: tuple[str, ...] = Field(min_length=1)
    """The latest grades that trigger, e.g. [C, D]."""


class ScoreTrigger(Frozen):
    scheme: Identifier
    """The score scheme, e.g. loucheng-score."""
    at_least: float
    """The score that triggers."""


class CommitmentBreachTrigger(Frozen):
    matters: tuple[str, ...] = ()
    """Only breaches of commitments for these matters; empty: any."""


class CommitmentsKeptTrigger(Frozen):
    at_least: int = Field(ge=1)
    """How many commitments fulfilled."""
    within: Duration
    """Within this period (ISO 8601, e.g. P2Y)."""


class When(Frozen):
    """Exactly one trigger condition."""

    list: Identifier | None = None
    """Membership of this list (the subject's own, or a related party's where the list extends)."""
    penalty: PenaltyTrigger | None = None
    """One published administrative penalty."""
    repeated_penalties: RepeatTrigger | None = None
    """N published penalties within a window."""
    points: PointsTrigger | None = None
    """Points of a scheme summed within a window."""
    grade: GradeTrigger | None = None
    """The latest grade of an evaluation scheme."""
    score: ScoreTrigger | None = None
    """A natural person's score."""
    commitment_breach: CommitmentBreachTrigger | None = None
    """A broken credit commitment."""
    commitments_kept: CommitmentsKeptTrigger | None = None
    """Commitments fulfilled within a window."""

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
    """The related persons the rule reaches by its own basis."""
    basis: tuple[Citation, ...] = Field(min_length=1, description="must name each role in its own words")
    pending: Names | None = None
    """What must happen before the basis binds them; while the records do not show it, review."""
    only: bool = False
    """True: the measure concerns the persons alone, never the listed unit."""


class Rule(Frozen):
    """Which facts trigger which measures, in which scenarios and for which roles."""

    id: Identifier
    """Lower-case id of the rule."""
    when: When
    """The trigger: exactly one condition (list, penalty, repeated_penalties, points, grade, score…)."""
    measures: tuple[Identifier, ...] = Field(min_length=1)
    """Ids of the measures it triggers (of this ruleset or a higher level)."""
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
    """Articles founding this trigger, where the measure's own basis does not."""
    note: str = ""
    """Why the rule is as it is (a reviewer reads it)."""

    @model_validator(mode="after")
    def _persons_of_a_list(self) -> Rule:
        if self.persons is not None and self.when.list is None:
            raise ValueError("`persons` reaches the persons of a listed unit: the rule needs a list trigger")
        return self


SupervisionClassName = Literal["A", "B", "C", "D"]


class GradingScheme(Frozen):
    """How the grades of a published evaluation map to supervision classes (A best … D worst)."""

    scheme: Identifier
    """Lower-case id of the evaluation scheme, e.g. customs-credit."""
    name: Names
    """The scheme's name in Chinese and English."""
    basis: tuple[Citation, ...] = Field(min_length=1)
    """The articles the evaluation is published under."""
    grades: dict[str, SupervisionClassName] = Field(min_length=1)
    """Each grade and the supervision class it maps to (A best … D worst)."""
    note: str = ""
    """Why the mapping is as it is."""


class SupervisionClass(Frozen):
    """A class of graded supervision and its random-inspection ratio relative to normal (1.0).

    No seed document gives these numbers, so every multiplier is a local policy
    parameter and says so.
    """

    name: Names
    """The class's name in Chinese and English."""
    inspection_multiplier: float = Field(gt=0)
    """Random-inspection ratio relative to normal (1.0), greater than 0."""
    parameter: Literal["local_policy_parameter"] = "local_policy_parameter"
    """Always local_policy_parameter: no seed gives these numbers."""
    basis: tuple[Citation, ...] = Field(min_length=1)
    """The articles providing for graded supervision."""


class PublicationPeriod(Frozen):
    published: bool = True
    """Whether penalties of this severity are published at all."""
    min: Duration | None = None
    """Shortest publication period (ISO 8601): repair takes effect no earlier."""
    max: Duration | None = None
    """Longest publication period (ISO 8601): the penalty triggers measures until then."""


class SeverityPeriods(Frozen):
    """Publication periods by severity, and domain minimums for repair."""

    minor: PublicationPeriod
    """Periods of minor penalties."""
    general: PublicationPeriod
    """Periods of general penalties."""
    serious: PublicationPeriod
    """Periods of serious penalties."""
    domain_minimums: dict[str, Duration] = Field(default_factory=dict)
    """Minimum periods before repair by domain, e.g. {work_safety: P1Y}."""


class EarlierEdition(SeverityPeriods):
    """The periods of the edition this one replaces, for penalties decided before this one took effect.

    ``rule: lighter`` (从旧兼从轻): each bound is the one lighter for the subject — the shorter
    maximum and the shorter minimum. Validation checks the periods against the earlier version's file.
    """

    version: str
    """The version of this ruleset that edition is (validation compares with its file)."""
    rule: Literal["lighter"] = "lighter"
    """lighter: 从旧兼从轻, each bound the one lighter for the subject."""
    note: str = ""
    """Why the earlier edition applies."""


class PublicationPeriods(SeverityPeriods):
    """Credit-repair publication periods by severity (order 58, order 36…)."""

    basis: tuple[Citation, ...] = Field(min_length=1)
    """The articles setting the periods."""
    classification: dict[Literal["minor", "general", "serious"], tuple[Sanction, ...]] = Field(
        default_factory=dict, description="the severity a penalty type implies where the record states none")
    repair: RepairRoute | None = Field(default=None, description="where and how a published penalty is repaired")
    earlier: EarlierEdition | None = None
    """The edition this one replaces, for penalties decided before it took effect."""


class CrossRegionMapping(Frozen):
    """A list type of another region recognised as a local list (长三角 mutual recognition)."""

    region: Jurisdiction
    """The other region's jurisdiction code, e.g. CN-SH."""
    list_type: str
    """The list id the external record carries."""
    maps_to: Identifier
    """The list visible in this jurisdiction it counts as."""
    domains: tuple[str, ...] = Field(
        default=(), description="only records of these domains are recognised; empty: every domain")
    basis: tuple[Citation, ...] = Field(min_length=1)
    """The articles providing for mutual recognition."""


class RulesetHeader(Frozen):
    id: Identifier
    """Lower-case id of the ruleset, = its folder name."""
    title: Names
    """The ruleset's title in Chinese and English."""
    jurisdiction: Jurisdiction
    """= the parent folder: CN, CN-JS, CN-JS-SZ, CN-JS-SZ-TC, CN-JS-NT…"""
    parent: Jurisdiction | None = None
    """The next level up (CN-JS for CN-JS-SZ); omitted for CN."""
    version: str = Field(min_length=1)
    """= the file name without .yaml; quote it ("2026.1"), or YAML reads a number."""
    effective_from: date
    """First day this version is in force (YYYY-MM-DD); it closes an open-ended older version."""
    effective_to: date | None = None
    """Last day in force (YYYY-MM-DD); omitted: until the next version starts."""
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
    """The header: which ruleset, version and dates."""
    lists: tuple[CreditList, ...] = ()
    """The lists (名单) subjects are entered on."""
    measures: tuple[Measure, ...] = ()
    """The measures, each with the five attributes and its basis."""
    rules: tuple[Rule, ...] = ()
    """Which facts trigger which measures."""
    grading: tuple[GradingScheme, ...] = ()
    """How published grades map to supervision classes."""
    supervision_classes: dict[SupervisionClassName, SupervisionClass] = Field(default_factory=dict)
    """Classes A (best) to D (worst) and their inspection multipliers."""
    publication_periods: PublicationPeriods | None = None
    """Credit-repair publication periods (cn-credit-repair)."""
    cross_region: tuple[CrossRegionMapping, ...] = ()
    """Lists of other regions recognised here (长三角)."""
    objections_suspend: bool | None = Field(
        default=None, description="True: a record under objection triggers nothing until resolved"
    )


class InstrumentRegistry(Frozen):
    instruments: tuple[Instrument, ...]
    """Every legal instrument a ruleset cites."""


class TestRecord(Frozen):
    """A record in a YAML test case, with the fields of ``jrp.engine.facts.Record``."""

    type: RecordType
    """What the record is."""
    start: date
    """Decision or listing date (YYYY-MM-DD)."""
    id: str | None = None
    """Record id; default: generated."""
    end: date | None = None
    """The end the decision set (YYYY-MM-DD); omitted: the list's or ground's period."""
    list: str | None = None
    """The list id, for a list_entry."""
    severity: SeverityLevel | None = None
    """minor, general or serious; a penalty without one counts as minor unless its types imply one."""
    domain: str | None = None
    """The field of the penalised act (tax, work_safety…)."""
    procedure: Procedure | None = None
    """The penalty procedure; simple-procedure penalties trigger nothing."""
    impact: Impact | None = None
    """Social impact of the act."""
    region: str | None = None
    """Jurisdiction of a record from another region (cross-region mappings)."""
    first_violation: bool = False
    """A first violation (首违): triggers nothing if corrected in time."""
    corrected_in_time: bool = False
    """Corrected in time: with first_violation, triggers nothing."""
    scheme: str | None = None
    """The scheme of a grade, points or score."""
    grade: str | None = None
    """The grade, for an evaluation."""
    value: float | None = None
    """Points or score."""
    matter: str | None = None
    """The licence item or matter the decision concerns."""
    commitment_state: CommitmentState | None = None
    """For a commitment."""
    commitment_date: date | None = None
    """When the commitment was made (YYYY-MM-DD)."""
    status: RecordStatus = RecordStatus.active
    """Where the record stands."""
    status_date: date | None = None
    """Since when (YYYY-MM-DD)."""
    objection: ObjectionState = ObjectionState.none
    """Objection state; under objection a record may be suspended."""
    amount: float | None = None
    """The fine in yuan."""
    sanctions: tuple[Sanction, ...] = ()
    """The penalty types imposed (行政处罚法 art. 9)."""
    ground: str | None = None
    """The listing ground id."""
    industry: str | None = None
    """GB/T 4754 code the decision names (C, C26, C2611)."""
    project_type: ProjectType | None = None
    """The project the decision concerns."""
    persons: tuple[str, ...] = Field(default=(), description="ids named by the decision; the checked subject is test-subject")
    rectification_due: date | None = None
    """Deadline for rectification (YYYY-MM-DD)."""
    rectified_on: date | None = None
    """When rectified (YYYY-MM-DD)."""


class TestRelated(Frozen):
    role: RelatedRole
    """The related person's role in the checked organisation."""
    subject_type: SubjectType = SubjectType.legal_person
    """What kind of subject the related party is."""
    records: tuple[TestRecord, ...] = ()
    """Its records."""


class Expectation(Frozen):
    outcome: Literal["deny", "restrict", "review", "allow"]
    """The expected outcome: deny, restrict, review or allow."""
    measures: tuple[str, ...] = ()
    """Exactly these penalty measures, applied or needing review."""
    needs_review: tuple[str, ...] = Field(
        default=(), description="the measures among ``measures`` that answer review for want of facts")
    incentives: tuple[str, ...] = ()
    """Exactly these incentives."""
    supervision_class: str | None = None
    """The expected supervision class (A–D); omitted: not compared."""


class CheckCase(Frozen):
    """Facts + scenario + role + date: what ``jrp rulesets eval`` evaluates, and what every test case states."""

    as_of: date
    """The check date (YYYY-MM-DD): the bundle in force that day is used."""
    scenario: Scenario
    """The business process asking."""
    role: ScenarioRole = None
    """The subject's role in the scenario (one the scenario has); omitted: every role's rules fire."""
    jurisdiction: Jurisdiction | None = None
    """Where the check is made; default: the ruleset's jurisdiction."""
    subject_type: SubjectType = SubjectType.legal_person
    """What kind of subject is checked."""
    birth_date: date | None = None
    """Natural persons: records dated before the 18th birthday are ignored."""
    matter: str | None = None
    """The licence item or matter applied for."""
    industry: str | None = None
    """GB/T 4754 code of the industry applied for."""
    project_type: ProjectType | None = None
    """The project applied for."""
    tender_required: bool | None = None
    """Whether the project must be tendered by law."""
    consumption: Consumption | None = None
    """What is bought, in a consumption or travel check."""
    public_safety: bool | None = None
    """Whether the licence directly concerns public safety, health or life and property."""
    records: tuple[TestRecord, ...] = ()
    """The checked subject's records."""
    related: tuple[TestRelated, ...] = ()
    """Related persons and their records."""


class TestCase(CheckCase):
    """One YAML test: a check case and its expected outcome and measures."""

    name: str
    """A sentence saying what the case proves."""
    expect: Expectation
    """The expected outcome, measures and incentives."""


class EvalCase(CheckCase):
    """A check case to evaluate (``jrp rulesets eval``): a test case whose name, expectation and date may be left out."""

    name: str = ""
    as_of: date | None = None  # type: ignore[assignment]  # the command's --as-of, else today
    expect: Expectation | None = None


class EvalSuite(Frozen):
    tests: tuple[EvalCase, ...] = Field(min_length=1)


class TestSuite(Frozen):
    tests: tuple[TestCase, ...] = Field(min_length=1)
    """The test cases, each with facts and its expectation."""
