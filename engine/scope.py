"""What a fired measure reaches (精准惩戒): the record's scope against the check's application.

Evaluators decide which triggers hold; this module decides, once for every evaluator, whether the
measure reaches what is applied for. Each condition has three answers: it holds (the measure
applies), it fails (the measure is left out, with the reason), or the check or the record does not
say (the measure answers ``review`` with what is missing). A measure is never applied on a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from jrp.engine.facts import CheckContext, Record
from jrp.engine.types import CompiledRule, Doubt, Evidence, ExclusionReason, ReviewReason
from jrp.rulesets.schema import Reach
from jrp.vocabulary.scope import Sanction, industry_within


@dataclass(frozen=True, slots=True)
class Verdict:
    """``excluded`` set: the measure does not reach the application; else ``doubts`` (empty: it applies)."""

    doubts: tuple[Doubt, ...] = ()
    excluded: tuple[ExclusionReason, str] | None = None


APPLIES = Verdict()
Condition = Callable[[Reach, CompiledRule, tuple[Record, ...], CheckContext], Verdict]


def _any_record(records: Iterable[Record], test: Callable[[Record], bool | None], missing: Doubt,
                failed: tuple[ExclusionReason, str]) -> Verdict:
    """Holds if some record passes ``test``; doubtful if none passes and some cannot tell (None); else fails."""
    answers = [test(record) for record in records]
    if any(answer is True for answer in answers):
        return APPLIES
    if any(answer is None for answer in answers):
        return Verdict((missing,))
    return Verdict(excluded=failed)


def _qualifying_penalty(_reach: Reach, rule: CompiledRule, records: tuple[Record, ...], _ctx: CheckContext) -> Verdict:
    """A trigger limited to penalty types: one of ``sanctions`` imposed, or a fine of at least ``fine_at_least``."""
    if not rule.sanctions and rule.fine_at_least is None:
        return APPLIES
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

    missing_amount = any(Sanction.fine in r.sanctions and r.amount is None for r in records)
    missing = Doubt(ReviewReason.amount_not_stated if missing_amount and all(r.sanctions for r in records)
                    else ReviewReason.sanction_not_stated,
                    f"the rule needs a penalty of these types: {wanted}; the record does not say "
                    + ("the fine's amount" if missing_amount else "which penalty was imposed (行政处罚法 art. 9)"))
    return _any_record(records, test, missing,
                       (ExclusionReason.sanction_not_covered, f"the penalty is not of these types: {wanted}"))


def _listed_on_ground(_reach: Reach, rule: CompiledRule, records: tuple[Record, ...], _ctx: CheckContext) -> Verdict:
    """A rule for entries of some legal grounds only (a procurement agency's ban, not a supplier's)."""
    if not rule.grounds:
        return APPLIES
    names = ", ".join(sorted(rule.grounds))
    return _any_record(
        records, lambda r: None if r.ground is None else r.ground in rule.grounds,
        Doubt(ReviewReason.ground_not_stated, f"the rule reaches entries listed on {names}; the record does not "
                                              "say on which legal ground it was listed"),
        (ExclusionReason.ground_not_covered, f"listed on another ground than {names}"))


def _same_matter(reach: Reach, _rule: CompiledRule, records: tuple[Record, ...], ctx: CheckContext) -> Verdict:
    if reach.matter is None:
        return APPLIES
    applied = ctx.application.matter
    if applied is None:
        return Verdict((Doubt(ReviewReason.matter_not_stated,
                              "the measure reaches only the matter its decision concerns; the check names no matter"),))
    return _any_record(
        records, lambda r: None if r.matter is None else r.matter == applied,
        Doubt(ReviewReason.matter_not_stated, "the measure reaches only the matter its decision concerns; "
                                              "the record does not name it"),
        (ExclusionReason.matter_not_covered, f"the decision concerns another matter than {applied!r}"))


def _same_industry(reach: Reach, _rule: CompiledRule, records: tuple[Record, ...], ctx: CheckContext) -> Verdict:
    if reach.industry is None:
        return APPLIES
    applied = ctx.application.industry
    if applied is None:
        return Verdict((Doubt(ReviewReason.industry_not_stated,
                              "the measure reaches only the industry its decision names; the check names none"),))
    return _any_record(
        records, lambda r: None if r.industry is None else industry_within(applied, r.industry),
        Doubt(ReviewReason.industry_not_stated, "the measure reaches only the industry its decision names; "
                                                "the record names none"),
        (ExclusionReason.industry_not_covered, f"the decision names another industry than {applied}"))


def _project(reach: Reach, _rule: CompiledRule, records: tuple[Record, ...], ctx: CheckContext) -> Verdict:
    """Project types the basis reaches, and the type a decision is limited to, if it is."""
    decided = {r.project_type for r in records if r.project_type is not None}
    allowed = set(reach.project_types) or decided
    if not allowed or not (reach.project_types or reach.tender_required):
        return APPLIES
    applied = ctx.application.project_type
    names = ", ".join(sorted(p.value for p in allowed))
    if applied is None:
        return Verdict((Doubt(ReviewReason.project_type_not_stated,
                              f"the measure reaches only {names} projects; the check does not say which"),))
    if applied not in allowed or (decided and applied not in decided):
        return Verdict(excluded=(ExclusionReason.project_type_not_covered,
                                 f"the measure reaches only {names} projects, not {applied.value}"))
    return APPLIES


def _tender(reach: Reach, _rule: CompiledRule, _records: tuple[Record, ...], ctx: CheckContext) -> Verdict:
    if not reach.tender_required or ctx.application.tender_required is True:
        return APPLIES
    if ctx.application.tender_required is None:
        return Verdict((Doubt(ReviewReason.tender_not_stated,
                              "the measure reaches only projects that must be tendered by law; "
                              "the check does not say whether this one must"),))
    return Verdict(excluded=(ExclusionReason.tender_not_required,
                             "the measure reaches only projects that must be tendered by law"))


def _overdue(as_of: date) -> Callable[[Record], bool | None]:
    """Unrectified past its deadline on ``as_of``; None where the record gives no deadline."""
    def test(record: Record) -> bool | None:
        if record.rectification_due is None:
            return None
        if record.rectified_on is not None and record.rectified_on <= as_of:
            return False
        return record.rectification_due < as_of
    return test


def _rectification(reach: Reach, _rule: CompiledRule, records: tuple[Record, ...], ctx: CheckContext) -> Verdict:
    if not reach.rectification_overdue:
        return APPLIES
    return _any_record(
        records, _overdue(ctx.as_of),
        Doubt(ReviewReason.rectification_not_stated,
              "the measure follows a failure to rectify in time (整改不到位); the record gives no deadline"),
        (ExclusionReason.rectified, "rectified in time, or the deadline has not passed"))


CONDITIONS: tuple[tuple[str, Condition], ...] = (
    ("qualifying_penalty", _qualifying_penalty),
    ("listed_on_ground", _listed_on_ground),
    ("same_matter", _same_matter),
    ("same_industry", _same_industry),
    ("project", _project),
    ("tender", _tender),
    ("rectification", _rectification),
)


def resolve(reach: Reach, rule: CompiledRule, evidence: Evidence, context: CheckContext) -> Verdict:
    """Whether the measure of ``rule``, fired by ``evidence``, reaches what ``context`` applies for."""
    doubts: list[Doubt] = list(evidence.doubts)
    for _name, condition in CONDITIONS:
        verdict = condition(reach, rule, evidence.records, context)
        if verdict.excluded is not None:
            return verdict
        doubts.extend(verdict.doubts)
    return Verdict(tuple(doubts)) if doubts else APPLIES
