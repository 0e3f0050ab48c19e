"""Why not: the rules that were considered for a check and did not fire, with the reason."""

from __future__ import annotations

from dataclasses import replace

from jrp.engine.compile import CompiledBundle
from jrp.engine.evidence import EvidenceSet
from jrp.engine.facts import CheckContext
from jrp.engine.types import CompiledRule, Decision, Evidence, Exclusion, ExclusionReason


def _reason(rule: CompiledRule, evidence: Evidence, context: CheckContext) -> tuple[ExclusionReason, str] | None:
    """The first condition of ``rule`` that ``evidence`` fails, or None if it is not a candidate at all."""
    if rule.trigger is not evidence.trigger or rule.window != evidence.window:
        return None
    if rule.keys and evidence.key not in rule.keys:
        return None
    if context.scenario not in rule.scenarios:
        return ExclusionReason.scenario_not_covered, f"applies in {', '.join(sorted(rule.scenarios)) or 'no scenario'}"
    if rule.roles and context.role is not None and context.role not in rule.roles:
        return ExclusionReason.role_not_covered, f"applies to roles {', '.join(sorted(rule.roles))}"
    if evidence.via_role and evidence.via_role not in rule.extends_to:
        return ExclusionReason.basis_does_not_extend, f"the list's basis does not extend to {evidence.via_role}"
    if evidence.severity < rule.min_severity:
        return ExclusionReason.below_min_severity, f"severity {evidence.severity} below the minimum {rule.min_severity}"
    if rule.min_value is not None and evidence.value < rule.min_value:
        return ExclusionReason.below_threshold, f"{evidence.value:g} below the threshold {rule.min_value:g}"
    if rule.grades and evidence.grade not in rule.grades:
        return ExclusionReason.grade_not_covered, f"grade {evidence.grade} not in {', '.join(sorted(rule.grades))}"
    return None


def explain(decision: Decision, evidence: EvidenceSet, context: CheckContext, bundle: CompiledBundle) -> Decision:
    """``decision`` with, beside what applied, every considered rule that did not and why."""
    excluded = list(decision.excluded)
    applied = {m.measure_id for m in (*decision.measures, *decision.incentives)}
    seen: set[tuple[str, str, ExclusionReason]] = set()
    for item in evidence.items:
        for rule in bundle.rules:
            reason = _reason(rule, item, context)
            if reason is None or rule.measure_id in applied or (rule.measure_id, rule.rule_id, reason[0]) in seen:
                continue
            seen.add((rule.measure_id, rule.rule_id, reason[0]))
            excluded.append(Exclusion(reason[0], reason[1], record_id=item.records[0].record_id if item.records else None,
                                      measure_id=rule.measure_id, rule_id=rule.rule_id))
    return replace(decision, excluded=tuple(excluded))
