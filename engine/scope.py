"""What a fired measure reaches (精准惩戒): the record's scope against the check's application.

Evaluators decide which triggers hold; this module decides, once for every evaluator, whether the
measure reaches what is applied for. Each condition has three answers: it holds (the measure
applies), it fails (the measure is left out, with the reason), or the check or the record does not
say (the measure answers ``review`` with what is missing). A measure is never applied on a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from jrp.engine.facts import CheckContext, Record
from jrp.engine.types import CompiledRule, Doubt, Evidence, ExclusionReason, ReviewReason
from jrp.rulesets.schema import Reach
from jrp.vocabulary.scenarios import SCENARIO_ROLES
from jrp.vocabulary.scope import Consumption, Sanction, industry_within


@dataclass(frozen=True, slots=True)
class Verdict:
    """``excluded`` set: the measure does not reach the application; else ``doubts`` (empty: it applies)."""

    doubts: tuple[Doubt, ...] = ()
    excluded: tuple[ExclusionReason, str] | None = None


APPLIES = Verdict()


@dataclass(frozen=True, slots=True)
class RecordTest:
    """A condition one triggering record must meet: True it does, False it does not, None it does not say."""

    test: Callable[[Record], bool | None]
    missing: Callable[[Record], Doubt]
    failed: tuple[ExclusionReason, str]


Condition = Callable[[Reach, CompiledRule, CheckContext], Verdict | RecordTest | None]
"""A condition of reach: None where the rule and measure set none; a Verdict where the application alone settles
it; else the test each triggering record must pass."""


_ROLES_OF = {scenario.value: frozenset(role.value for role in roles) for scenario, roles in SCENARIO_ROLES.items()}


def _role_named(_reach: Reach, rule: CompiledRule, ctx: CheckContext) -> Verdict | None:
    """A rule for some roles, in a check that names none: it fires (a listed debtor is not let through for want of
    a role), but its measure applies only where the scenario has no role the rule leaves out; else review."""
    if not rule.roles or ctx.role is not None:
        return None
    others = _ROLES_OF.get(ctx.scenario, frozenset()) - rule.roles
    if ctx.scenario in _ROLES_OF and not others:
        return None
    names, left_out = ", ".join(sorted(rule.roles)), ", ".join(sorted(others)) or "another role"
    return Verdict((Doubt(ReviewReason.role_not_stated,
                          f"the measure reaches only the roles {names}; the check names no role, and in "
                          f"{ctx.scenario} the subject may be {left_out}"),))


def _qualifying_penalty(_reach: Reach, rule: CompiledRule, _ctx: CheckContext) -> RecordTest | None:
    """A trigger limited to penalty types: one of ``sanctions`` imposed, or a fine of at least ``fine_at_least``."""
    if not rule.sanctions and rule.fine_at_least is None:
        return None
    wanted = ", ".join(sorted(rule.sanctions)) + (f"; or a fine of at least {rule.fine_at_least:,.0f}"
                                                  if rule.fine_at_least is not None else "")

    def test(record: Record) -> bool | None:
        if not record.sanctions:
            return None
        if rule.sanctions.intersection(record.sanctions):
            return True
        if rule.fine_at_least is not None and Sanction.fine in record.sanctions:
            return None if record.amount is None else record.amount >= rule.fine_at_least
        return False

    def missing(record: Record) -> Doubt:
        if record.sanctions:  # a fine whose amount is not stated
            return Doubt(ReviewReason.amount_not_stated,
                         f"the rule needs a penalty of these types: {wanted}; the record does not say the fine's amount")
        return Doubt(ReviewReason.sanction_not_stated,
                     f"the rule needs a penalty of these types: {wanted}; the record does not say which penalty "
                     "was imposed (行政处罚法 art. 9)")

    return RecordTest(test, missing, (ExclusionReason.sanction_not_covered, f"the penalty is not of these types: {wanted}"))


def _listed_on_ground(_reach: Reach, rule: CompiledRule, _ctx: CheckContext) -> RecordTest | None:
    """A rule for entries of some legal grounds only (a procurement agency's ban, not a supplier's)."""
    if not rule.grounds:
        return None
    names = ", ".join(sorted(rule.grounds))
    doubt = Doubt(ReviewReason.ground_not_stated, f"the rule reaches entries listed on {names}; the record does not "
                                                  "say on which legal ground it was listed")
    return RecordTest(lambda r: None if r.ground is None else r.ground in rule.grounds, lambda _r: doubt,
                      (ExclusionReason.ground_not_covered, f"listed on another ground than {names}"))


def _same_matter(reach: Reach, _rule: CompiledRule, ctx: CheckContext) -> Verdict | RecordTest | None:
    if reach.matter is None:
        return None
    applied = ctx.application.matter
    if applied is None:
        return Verdict((Doubt(ReviewReason.matter_not_stated,
                              "the measure reaches only the matter its decision concerns; the check names no matter"),))
    doubt = Doubt(ReviewReason.matter_not_stated, "the measure reaches only the matter its decision concerns; "
                                                  "the record does not name it")
    return RecordTest(lambda r: None if r.matter is None else r.matter == applied, lambda _r: doubt,
                      (ExclusionReason.matter_not_covered, f"the decision concerns another matter than {applied!r}"))


def _same_industry(reach: Reach, _rule: CompiledRule, ctx: CheckContext) -> Verdict | RecordTest | None:
    if reach.industry is None:
        return None
    applied = ctx.application.industry
    if applied is None:
        return Verdict((Doubt(ReviewReason.industry_not_stated,
                              "the measure reaches only the industry its decision names; the check names none"),))
    doubt = Doubt(ReviewReason.industry_not_stated, "the measure reaches only the industry its decision names; "
                                                    "the record names none")
    return RecordTest(lambda r: None if r.industry is None else industry_within(applied, r.industry), lambda _r: doubt,
                      (ExclusionReason.industry_not_covered, f"the decision names another industry than {applied}"))


def _project(reach: Reach, _rule: CompiledRule, ctx: CheckContext) -> Verdict | RecordTest | None:
    """Project types the basis reaches (the application settles them), and the type a decision is limited to, if it
    is (each record settles its own: a decision not limited to a type reaches every type)."""
    if not (reach.project_types or reach.tender_required):
        return None
    applied = ctx.application.project_type
    if reach.project_types:
        names = ", ".join(sorted(p.value for p in reach.project_types))
        if applied is None:
            return Verdict((Doubt(ReviewReason.project_type_not_stated,
                                  f"the measure reaches only {names} projects; the check does not say which"),))
        if applied not in reach.project_types:
            return Verdict(excluded=(ExclusionReason.project_type_not_covered,
                                     f"the measure reaches only {names} projects, not {applied.value}"))

    def test(record: Record) -> bool | None:
        if record.project_type is None:
            return True
        return None if applied is None else applied == record.project_type

    def missing(record: Record) -> Doubt:
        return Doubt(ReviewReason.project_type_not_stated, f"the decision reaches only {record.project_type.value} "
                                                           "projects; the check does not say which")

    shown = applied.value if applied is not None else ""
    return RecordTest(test, missing, (ExclusionReason.project_type_not_covered,
                                      f"the decision reaches another type of project than {shown}"))


def _yes_or_no(needed: bool, said: bool | None, missing: ReviewReason, refused: ExclusionReason, reaches: str,
               unsaid: str) -> Verdict | None:
    """A condition the application settles with yes or no: yes applies, no leaves the measure out, unsaid asks."""
    if not needed or said is True:
        return None
    if said is None:
        return Verdict((Doubt(missing, f"{reaches}; {unsaid}"),))
    return Verdict(excluded=(refused, reaches))


def _tender(reach: Reach, _rule: CompiledRule, ctx: CheckContext) -> Verdict | None:
    return _yes_or_no(reach.tender_required, ctx.application.tender_required, ReviewReason.tender_not_stated,
                      ExclusionReason.tender_not_required, "the measure reaches only projects that must be tendered "
                      "by law", "the check does not say whether this one must")


def _consumption(reach: Reach, _rule: CompiledRule, ctx: CheckContext) -> Verdict | None:
    """A restriction of the consumption 最高法 2015 art. 3 lists: what the check is about must be one of them."""
    if reach.consumption is None:
        return None
    bought = ctx.application.consumption
    if bought is None:
        return Verdict((Doubt(ReviewReason.consumption_not_stated,
                              "the measure restricts only the consumption 最高法 2015 art. 3 lists (flights, soft "
                              "sleepers, G trains, star hotels…); the check does not say what is bought"),))
    if bought is Consumption.essential:
        return Verdict(excluded=(ExclusionReason.consumption_not_restricted,
                                 "consumption needed for living or work (生活和工作必需) is not restricted"))
    return None


def _public_safety(reach: Reach, _rule: CompiledRule, ctx: CheckContext) -> Verdict | None:
    return _yes_or_no(reach.public_safety, ctx.application.public_safety, ReviewReason.public_safety_not_stated,
                      ExclusionReason.not_public_safety, "the bar reaches only licences directly concerning public "
                      "safety, health or life and property (行政许可法 arts. 78, 79: "
                      "直接关系公共安全、人身健康、生命财产安全)", "the check does not say whether this one does")


def _overdue(as_of: date) -> Callable[[Record], bool | None]:
    """Unrectified past its deadline on ``as_of``; None where the record gives no deadline."""
    def test(record: Record) -> bool | None:
        if record.rectification_due is None:
            return None
        if record.rectified_on is not None and record.rectified_on <= as_of:
            return False
        return record.rectification_due < as_of
    return test


def _rectification(reach: Reach, _rule: CompiledRule, ctx: CheckContext) -> RecordTest | None:
    if not reach.rectification_overdue:
        return None
    doubt = Doubt(ReviewReason.rectification_not_stated,
                  "the measure follows a failure to rectify in time (整改不到位); the record gives no deadline")
    return RecordTest(_overdue(ctx.as_of), lambda _r: doubt,
                      (ExclusionReason.rectified, "rectified in time, or the deadline has not passed"))


def _rules_in_force(_reach: Reach, rule: CompiledRule, ctx: CheckContext) -> Verdict | None:
    """A rule of an edition that takes effect after the check date (the first edition of a list jrp reads): the law
    behind it may already have applied then, so the measure answers review, never allow nor deny."""
    if rule.in_force_from is None or rule.in_force_from <= ctx.as_of:
        return None
    return Verdict((Doubt(ReviewReason.rules_not_in_force,
                          f"jrp's rules for this measure ({rule.ruleset_id}@{rule.ruleset_version}) take effect on "
                          f"{rule.in_force_from}; on {ctx.as_of} the law behind it may already have applied: a person "
                          "decides"),))


CONDITIONS: tuple[Condition, ...] = (
    _rules_in_force, _role_named, _qualifying_penalty, _listed_on_ground, _same_matter, _same_industry, _project,
    _tender, _consumption, _public_safety, _rectification,
)


def _record_verdict(record: Record, tests: list[RecordTest]) -> Verdict:
    """One triggering record against every record test: the first failure excludes, else what it leaves open."""
    doubts = []
    for check in tests:
        answer = check.test(record)
        if answer is False:
            return Verdict(excluded=check.failed)
        if answer is None:
            doubts.append(check.missing(record))
    return Verdict(tuple(doubts))


def resolve(reach: Reach, rule: CompiledRule, evidence: Evidence, context: CheckContext) -> Verdict:
    """Whether the measure of ``rule``, fired by ``evidence``, reaches what ``context`` applies for.

    The application's own answers come first; then each triggering record is held against all the record
    tests together, because one decision must reach the whole application: the measure applies through a
    record that meets them all, asks for review through one that meets them as far as it says, and is left
    out when every record fails one. So a further record can only add reach, and ending one only take it away.
    """
    doubts: list[Doubt] = list(evidence.doubts)
    if evidence.via_role in rule.pending_roles:
        doubts.append(Doubt(ReviewReason.order_not_in_records,
                            f"the basis binds the {evidence.via_role} of the listed unit once there is "
                            f"{rule.persons_pending}; the records do not show it"))
    said = {d.reason for d in evidence.doubts}
    tests: list[RecordTest] = []
    for condition in CONDITIONS:
        outcome = condition(reach, rule, context)
        if isinstance(outcome, RecordTest):
            tests.append(outcome)
        elif outcome is not None:
            if outcome.excluded is not None:
                return outcome
            doubts.extend(d for d in outcome.doubts if d.reason not in said)
    if tests:
        verdicts = [_record_verdict(record, tests) for record in evidence.records]
        open_ = [v for v in verdicts if v.excluded is None]
        if not open_:
            return verdicts[0] if verdicts else Verdict(excluded=tests[0].failed)
        if all(v.doubts for v in open_):
            doubts.extend(dict.fromkeys(d for v in open_ for d in v.doubts))
    return Verdict(tuple(doubts)) if doubts else APPLIES
