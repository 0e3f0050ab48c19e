"""From firings to a decision: measures with basis, triggers, proportionality trace and end date."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from jrp.engine.compile import CompiledBundle, MeasureEntry
from jrp.engine.evidence import EvidenceSet
from jrp.engine.facts import CheckContext, Record
from jrp.engine.repair import repair_options
from jrp.engine.scope import Verdict, resolve
from jrp.engine.supervision import supervision_of
from jrp.engine.types import (
    OUTCOME_STRENGTH,
    Decision,
    Doubt,
    Evidence,
    Exclusion,
    ExclusionReason,
    Firing,
    MatchedMeasure,
    Outcome,
    Proportionality,
    RepairOption,
    ReviewReason,
    Trigger,
    Via,
)
from jrp.vocabulary.jurisdictions import chain_of
from jrp.vocabulary.measures import Effect, MeasureKind
from jrp.vocabulary.periods import shift
from jrp.vocabulary.records import Severity

EFFECT_OUTCOME = {
    Effect.prohibit: Outcome.deny,
    Effect.restrict: Outcome.restrict,
    Effect.heightened_review: Outcome.review,
    Effect.key_supervision: Outcome.review,
}


INSPECTION = "inspection"


def decide(
    firings: list[Firing],
    evidence: EvidenceSet,
    context: CheckContext,
    bundle: CompiledBundle,
    *,
    with_supervision: bool = False,
) -> Decision:
    """Group firings by measure (and by related party), then derive the outcome."""
    groups: dict[tuple[str, str, str], list[tuple[Firing, Verdict]]] = defaultdict(list)
    excluded = list(evidence.excluded)
    for firing in firings:
        ev, entry = firing.evidence, bundle.measures[firing.rule.measure_id]
        ends = _duration_end(entry, ev)
        if ends is not None and ends <= context.as_of:
            verdict = Verdict(excluded=(ExclusionReason.expired, f"the measure's duration ended on {ends}"))
        else:
            verdict = resolve(entry.measure.reach, firing.rule, ev, context)
        if verdict.excluded is not None:
            if evidence.explain:
                excluded.append(Exclusion(*verdict.excluded, record_id=ev.records[0].record_id if ev.records else None,
                                          measure_id=firing.rule.measure_id, rule_id=firing.rule.rule_id))
            continue
        groups[(firing.rule.measure_id, ev.via_subject, ev.via_role)].append((firing, verdict))
    penalties, incentives = [], []
    for (measure_id, via_subject, via_role), group in sorted(groups.items()):
        entry = bundle.measures[measure_id]
        matched = _matched(entry, group, context, bundle, via_subject, via_role)
        if group[0][0].rule.incentive:
            withheld_by = evidence.serious_from.intersection(chain_of(entry.jurisdiction))
            if withheld_by:
                excluded.append(Exclusion(ExclusionReason.incentive_withheld,
                                          "no incentive while a serious-dishonesty record is in force (a record of "
                                          f"{', '.join(sorted(withheld_by))})", measure_id=measure_id))
            else:
                incentives.append(matched)
        else:
            penalties.append(matched)
    outcome = Outcome.allow
    for measure in penalties:
        candidate = Outcome.review if measure.review_reasons else EFFECT_OUTCOME[Effect(measure.effect)]
        if OUTCOME_STRENGTH[candidate] > OUTCOME_STRENGTH[outcome]:
            outcome = candidate
    return Decision(
        outcome=outcome,
        measures=tuple(penalties),
        incentives=tuple(incentives),
        supervision=supervision_of(evidence, bundle) if with_supervision or context.scenario == INSPECTION else None,
        bundle_hash=bundle.hash,
        excluded=tuple(excluded),
    )


def _matched(
    entry: MeasureEntry, group: list[tuple[Firing, Verdict]], context: CheckContext, bundle: CompiledBundle,
    via_subject: str, via_role: str,
) -> MatchedMeasure:
    """One matched measure; it applies if some firing applies, else it asks for review with every open question."""
    measure = entry.measure
    certain = [firing for firing, verdict in group if not verdict.doubts]
    firings = certain or [firing for firing, _ in group]
    doubts = () if certain else _open_questions([verdict for _, verdict in group])
    records: dict[str, Record] = {}
    for firing in firings:
        for record in firing.evidence.records:
            records.setdefault(record.record_id, record)
    strongest = max((f.evidence for f in firings), key=lambda ev: (ev.severity, ev.value, ev.evidence_id))
    legal_basis, warnings = entry.basis_on(context.as_of, *_triggering_lists(firings))
    trace = _trace(entry, strongest)
    return MatchedMeasure(
        measure_id=measure.id,
        name=measure.name.zh,
        name_en=measure.name.en,
        kind=measure.kind.value,
        category=measure.category,
        effect=measure.effect.value,
        intensity=measure.intensity,
        jurisdiction=entry.jurisdiction,
        ruleset_id=entry.ruleset_id,
        ruleset_version=entry.ruleset_version,
        rule_ids=tuple(sorted({f.rule.rule_id for f in firings})),
        legal_basis=legal_basis,
        triggered_by=tuple(sorted(records.values(), key=lambda r: (r.start, r.record_id))),
        proportionality=str(trace),
        until=_until(entry, firings),
        disputed=any(f.evidence.disputed for f in firings),
        via=Via(via_subject, via_role) if via_subject else None,
        basis_warnings=warnings,
        roles=_roles(firings),
        trace=trace,
        review_reasons=doubts,
        repair=() if measure.kind is MeasureKind.incentive else _repair(firings, bundle),
    )


def _open_questions(verdicts: list[Verdict]) -> tuple[Doubt, ...]:
    """What would settle a measure no firing applies: the doubts of each firing, except a firing that only adds doubts
    to another's (the court's order a second rule asks about is moot where the order itself fired the measure)."""
    sets = [frozenset(v.doubts) for v in verdicts]
    return tuple(dict.fromkeys(d for v, own in zip(verdicts, sets) if not any(other < own for other in sets)
                               for d in v.doubts))


def _triggering_lists(firings: list[Firing]) -> tuple[frozenset[str], frozenset[str] | None]:
    """The lists whose entries triggered a measure, and their grounds (None: some entry does not state its ground)."""
    lists = frozenset(f.evidence.key for f in firings if f.evidence.trigger is Trigger.list)
    grounds = [record.ground for f in firings if f.evidence.trigger is Trigger.list for record in f.evidence.records]
    return lists, None if None in grounds else frozenset(grounds)  # type: ignore[arg-type]


def _roles(firings: list[Firing]) -> tuple[str, ...]:
    """The roles the measure applies to here: those of its fired rules, none (any role) if one has no roles."""
    if any(not f.rule.roles for f in firings):
        return ()
    return tuple(sorted({role for f in firings for role in f.rule.roles}))


def _repair(firings: list[Firing], bundle: CompiledBundle) -> tuple[RepairOption, ...]:
    options: dict[str, RepairOption] = {}
    for firing in firings:
        for option in repair_options(firing.evidence, bundle):
            options.setdefault(option.record_id, option)
    return tuple(sorted(options.values(), key=lambda o: o.record_id))


def _duration_end(entry: MeasureEntry, evidence: Evidence) -> date | None:
    """The end of the measure's own duration counted from when the evidence began, if it has one."""
    if entry.measure.duration and evidence.since:
        return shift(evidence.since, entry.measure.duration)
    return None


def _until(entry: MeasureEntry, group: list[Firing]) -> date | None:
    """The measure lasts while any triggering evidence lasts, capped by the measure's own duration."""
    ends: list[date | None] = []
    for firing in group:
        end, capped = firing.evidence.until, _duration_end(entry, firing.evidence)
        ends.append(capped if end is None else min(end, capped) if capped else end)
    return None if any(end is None for end in ends) else max(ends)  # type: ignore[type-var]


def _trace(entry: MeasureEntry, evidence: Evidence) -> Proportionality:
    measure = entry.measure
    record = evidence.records[0] if evidence.records else None
    return Proportionality(
        trigger=evidence.trigger,
        kind=measure.kind.value,
        category=measure.category,
        effect=measure.effect.value,
        intensity=measure.intensity,
        min_severity=measure.min_severity.name if measure.kind.value == "penalty" else None,
        severity=Severity(evidence.severity).name if evidence.severity and not _class_unknown(evidence) else None,
        domain=record.domain if record is not None and record.domain else None,
        impact=record.impact.value if record is not None and record.impact else None,
        value=evidence.value or None,
        grade=evidence.grade or None,
    )


def _class_unknown(evidence: Evidence) -> bool:
    """A penalty matched at the highest class because nobody states its class: its trace shows no severity."""
    return any(d.reason is ReviewReason.severity_not_stated for d in evidence.doubts)
