"""The types handed between the engine's stages: compiled rules, evidence, firings, decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from jrp.engine.facts import Record


class Trigger(StrEnum):
    """The kinds of evidence a rule can be triggered by (one per ``when`` key of a rule)."""

    list = "list"
    penalty = "penalty"
    repeated_penalties = "repeated_penalties"
    points = "points"
    grade = "grade"
    score = "score"
    commitment_breach = "commitment_breach"
    commitments_kept = "commitments_kept"


class Outcome(StrEnum):
    """The answer to the approval system, strongest first: deny > restrict > review > allow."""

    deny = "deny"
    restrict = "restrict"
    review = "review"
    allow = "allow"


OUTCOME_STRENGTH = {Outcome.allow: 0, Outcome.review: 1, Outcome.restrict: 2, Outcome.deny: 3}


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One (rule, measure) pair flattened into a single-fact condition.

    Every field is a plain value, so the same rule can be evaluated by durable_rules
    and by the pure-Python evaluators and the results compared.
    """

    rule_id: str
    measure_id: str
    trigger: Trigger
    keys: frozenset[str]  # list id, domain, scheme or matter; empty = any
    min_severity: int
    min_value: float | None
    grades: frozenset[str]
    window: str  # ISO period of aggregate triggers, "" otherwise
    scenarios: frozenset[str]
    roles: frozenset[str]  # empty = any role
    extends_to: frozenset[str]  # related roles reached through the list's basis
    incentive: bool
    ruleset_id: str
    ruleset_version: str
    jurisdiction: str
    # Which penalties qualify, by type (resolved with the measure's reach after firing: ``jrp.engine.scope``).
    sanctions: frozenset[str] = frozenset()
    fine_at_least: float | None = None
    grounds: frozenset[str] = frozenset()  # list entries of these legal grounds only
    in_force_from: date | None = None  # the ruleset's effective_from: before it, the rule only asks for review
    persons_only: bool = False  # reaches the listed unit's persons, never the unit itself
    pending_roles: frozenset[str] = frozenset()  # related roles reached only once ``persons_pending`` is shown
    persons_pending: str = ""  # what the facts must show first (the court's order), else review


class ReviewReason(StrEnum):
    """Why a measure that fired answers ``review`` instead of applying: the facts lack what it needs."""

    period_open = "period_open"
    ground_not_stated = "ground_not_stated"
    sanction_not_stated = "sanction_not_stated"
    amount_not_stated = "amount_not_stated"
    matter_not_stated = "matter_not_stated"
    industry_not_stated = "industry_not_stated"
    project_type_not_stated = "project_type_not_stated"
    tender_not_stated = "tender_not_stated"
    rectification_not_stated = "rectification_not_stated"
    domain_not_stated = "domain_not_stated"
    persons_not_named = "persons_not_named"
    role_not_stated = "role_not_stated"
    consumption_not_stated = "consumption_not_stated"
    public_safety_not_stated = "public_safety_not_stated"
    severity_not_stated = "severity_not_stated"  # the class of a penalty: stated by no one, implied by no type
    end_beyond_maximum = "end_beyond_maximum"  # a stated end later than the basis allows: decision and rules disagree
    repaired_within_look_back = "repaired_within_look_back"  # does repair end a record the basis looks back to?
    rules_not_in_force = "rules_not_in_force"  # the date is before jrp's rules for this measure take effect
    order_not_in_records = "order_not_in_records"  # the basis binds these persons once an order is made


@dataclass(frozen=True, slots=True)
class Doubt:
    """A missing fact that keeps a measure from applying, and what would settle it."""

    reason: ReviewReason
    detail: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """A normalised fact the rules match: one record in force, or an aggregate of records."""

    evidence_id: str
    trigger: Trigger
    key: str
    severity: int = 0
    value: float = 0.0
    grade: str = ""
    window: str = ""
    via_role: str = ""
    via_subject: str = ""
    records: tuple[Record, ...] = ()
    since: date | None = None  # the day the evidence began to hold; measure durations run from it
    until: date | None = None
    disputed: bool = False
    doubts: tuple[Doubt, ...] = ()  # what the record leaves open (a period the decision alone fixes…)


@dataclass(frozen=True, slots=True)
class Firing:
    """A compiled rule matched by a piece of evidence."""

    rule: CompiledRule
    evidence: Evidence


class ExclusionReason(StrEnum):
    """Why something was considered and did not apply ("why not")."""

    not_yet_in_force = "not_yet_in_force"
    expired = "expired"
    removed = "removed"
    repaired = "repaired"
    revoked = "revoked"
    exempt_minor = "exempt_minor"
    exempt_first_violation = "exempt_first_violation"
    under_18 = "under_18"
    suspended_objection = "suspended_objection"
    unknown_list = "unknown_list"
    unmapped_cross_region = "unmapped_cross_region"
    relation_not_in_force = "relation_not_in_force"
    scenario_not_covered = "scenario_not_covered"
    role_not_covered = "role_not_covered"
    below_min_severity = "below_min_severity"
    below_threshold = "below_threshold"
    grade_not_covered = "grade_not_covered"
    basis_does_not_extend = "basis_does_not_extend"
    incentive_withheld = "incentive_withheld"
    ruleset_not_in_force = "ruleset_not_in_force"
    sanction_not_covered = "sanction_not_covered"
    ground_not_covered = "ground_not_covered"
    matter_not_covered = "matter_not_covered"
    industry_not_covered = "industry_not_covered"
    project_type_not_covered = "project_type_not_covered"
    tender_not_required = "tender_not_required"
    consumption_not_restricted = "consumption_not_restricted"
    not_public_safety = "not_public_safety"
    rectified = "rectified"
    domain_not_recognised = "domain_not_recognised"
    person_not_named = "person_not_named"


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A record or measure left out of a decision, and why."""

    reason: ExclusionReason
    detail: str
    record_id: str | None = None
    measure_id: str | None = None
    rule_id: str | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    instrument_id: str
    title: str
    doc_no: str
    article: str
    level: str
    in_force: bool = True
    quote: str = ""


@dataclass(frozen=True, slots=True)
class Via:
    subject: str
    role: str


@dataclass(frozen=True, slots=True)
class RepairOption:
    """How the consequences of one triggering record can end before ``until``, and where to ask.

    ``earliest`` is the first day an application can be made (None: no date can be given, the
    conditions decide — on performance, or six months after a correction not yet made); ``until``
    the day the record stops applying by itself (None: open-ended).
    """

    record_id: str
    earliest: date | None
    until: date | None
    where: str
    where_en: str
    conditions: str
    conditions_en: str
    legal_basis: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class Proportionality:
    """The proportionality (过惩相当) trace of a matched measure, as data: what the strongest evidence weighs
    (trigger, severity, domain, impact, value, grade) against what the measure requires and does.

    Pages render it in their language; ``str()`` is the English sentence the API has always returned.
    """

    trigger: Trigger
    kind: str  # penalty | incentive
    category: int
    effect: str
    intensity: int
    min_severity: str | None = None  # penalties only: the floor the evidence had to reach
    severity: str | None = None
    domain: str | None = None
    impact: str | None = None
    value: float | None = None
    grade: str | None = None

    def __str__(self) -> str:
        parts = [f"trigger {self.trigger.value}"]
        parts += [f"{name} {getattr(self, name)}" for name in ("severity", "domain", "impact") if getattr(self, name)]
        if self.value:
            parts.append(f"value {self.value:g}")
        if self.grade:
            parts.append(f"grade {self.grade}")
        floor = f"minimum severity {self.min_severity}" if self.kind == "penalty" else "incentive"
        return f"{', '.join(parts)}; {floor}; category {self.category} {self.effect} at intensity {self.intensity}/5"


@dataclass(frozen=True, slots=True)
class MatchedMeasure:
    """A measure that applies, with everything an auditor needs to see why."""

    measure_id: str
    name: str
    name_en: str
    kind: str
    category: int
    effect: str
    intensity: int
    jurisdiction: str
    ruleset_id: str
    ruleset_version: str
    rule_ids: tuple[str, ...]
    legal_basis: tuple[Citation, ...]
    triggered_by: tuple[Record, ...]
    proportionality: str
    until: date | None
    disputed: bool = False
    via: Via | None = None
    basis_warnings: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()  # the check roles of the rules that fired; empty: some rule applies to any role
    trace: Proportionality | None = None  # ``proportionality`` as data
    review_reasons: tuple[Doubt, ...] = ()  # non-empty: the measure may apply, a person must check these first
    repair: tuple[RepairOption, ...] = ()

    @property
    def applies(self) -> bool:
        """Whether the measure applies; if not, it answers review with ``review_reasons``."""
        return not self.review_reasons


@dataclass(frozen=True, slots=True)
class Supervision:
    """Graded supervision: the class and how many more (or fewer) random inspections."""

    supervision_class: str
    inspection_multiplier: float
    grounds: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """The engine's answer to one check."""

    outcome: Outcome
    measures: tuple[MatchedMeasure, ...]
    incentives: tuple[MatchedMeasure, ...]
    supervision: Supervision | None  # for inspection checks, or when asked for
    bundle_hash: str
    excluded: tuple[Exclusion, ...] = field(default=())
