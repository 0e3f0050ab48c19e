"""Properties of the rule semantics, on random bundles and random facts.

- differential: durable_rules, the indexed fast path and the reference oracle fire
  exactly the same (rule, measure, evidence) triples;
- monotonicity: more or worse dishonesty never removes a penalty nor weakens the outcome;
- repair: repair, removal and revocation never add a penalty;
- determinism, grounding (every measure has a basis and a triggering fact), incentives
  never beside a serious record in force, related-party extension only where declared.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jrp.engine.compile import compile_bundle
from jrp.engine.evaluate import Engine, make_evaluator
from jrp.engine.evidence import build_evidence
from jrp.engine.facts import CheckContext, Record, Subject, SubjectFacts
from jrp.vocabulary.records import RecordStatus, RecordType, Severity
from jrp.vocabulary.subjects import SubjectType
from jrp.engine.types import OUTCOME_STRENGTH
from jrp.rulesets.library import Library

from .strategies import bundles, contexts, dates, records, subject_facts

# Drawing and compiling a random bundle dominates the cost of an example, so the
# differential tests evaluate several fact sets per bundle: thousands of evaluations.
DIFFERENTIAL = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEMANTIC = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CASES = st.lists(st.tuples(subject_facts(), contexts), min_size=1, max_size=8)


def _firings(evaluator, evidence, context):
    return sorted((f.rule.rule_id, f.rule.measure_id, f.evidence.evidence_id) for f in evaluator.fire(evidence, context))


@DIFFERENTIAL
@given(bundle=bundles, cases=CASES)
def test_durable_rules_fires_exactly_what_the_reference_fires(bundle, cases):
    compiled = compile_bundle(bundle)
    durable, reference = make_evaluator(compiled, "durable"), make_evaluator(compiled, "reference")
    for facts, context in cases:
        evidence = build_evidence(facts, context, compiled).items
        assert _firings(durable, evidence, context) == _firings(reference, evidence, context)


@DIFFERENTIAL
@given(bundle=bundles, cases=CASES)
def test_indexed_fast_path_fires_exactly_what_the_reference_fires(bundle, cases):
    compiled = compile_bundle(bundle)
    indexed, reference = make_evaluator(compiled, "indexed"), make_evaluator(compiled, "reference")
    for facts, context in cases:
        evidence = build_evidence(facts, context, compiled).items
        assert _firings(indexed, evidence, context) == _firings(reference, evidence, context)


def _penalties(decision):
    return {(m.measure_id, m.via.subject if m.via else "") for m in decision.measures}


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts, extra=records("subject-1", prefix="x"))
def test_adding_dishonesty_records_never_removes_a_penalty(bundle, facts, context, extra):
    engine = Engine(compile_bundle(bundle))
    added = tuple(r for r in extra if r.record_type in (RecordType.list_entry, RecordType.penalty))
    before = engine.check(facts, context)
    after = engine.check(replace(facts, records=facts.records + added), context)
    assert _penalties(before) <= _penalties(after)
    assert OUTCOME_STRENGTH[after.outcome] >= OUTCOME_STRENGTH[before.outcome]


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts, data=st.data())
def test_raising_a_severity_never_removes_a_penalty(bundle, facts, context, data):
    engine = Engine(compile_bundle(bundle))
    raisable = [i for i, r in enumerate(facts.records) if r.severity is not None and r.severity < Severity.serious]
    if not raisable:
        return
    index = data.draw(st.sampled_from(raisable))
    record = facts.records[index]
    worse = replace(record, severity=Severity(record.severity + 1))
    after = engine.check(replace(facts, records=facts.records[:index] + (worse,) + facts.records[index + 1:]), context)
    before = engine.check(facts, context)
    assert _penalties(before) <= _penalties(after)
    assert OUTCOME_STRENGTH[after.outcome] >= OUTCOME_STRENGTH[before.outcome]


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts, data=st.data())
def test_repair_removal_and_revocation_never_add_a_penalty(bundle, facts, context, data):
    engine = Engine(compile_bundle(bundle))
    active = [i for i, r in enumerate(facts.records) if r.status is RecordStatus.active]
    if not active:  # ending a record that already ended at another date is not a repair
        return
    index = data.draw(st.sampled_from(active))
    status = data.draw(st.sampled_from([RecordStatus.repaired, RecordStatus.removed, RecordStatus.revoked]))
    ended: Record = replace(facts.records[index], status=status, status_date=data.draw(dates))
    after = engine.check(replace(facts, records=facts.records[:index] + (ended,) + facts.records[index + 1:]), context)
    assert _penalties(after) <= _penalties(engine.check(facts, context))


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts)
def test_same_inputs_same_decision_and_hash(bundle, facts, context):
    rebuilt = type(bundle).build(bundle.jurisdiction, bundle.rulesets, bundle.instruments)
    assert rebuilt.hash == bundle.hash
    assert Engine(compile_bundle(bundle)).check(facts, context) == Engine(compile_bundle(rebuilt)).check(facts, context)


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts)
def test_every_measure_has_a_basis_and_a_triggering_fact(bundle, facts, context):
    decision = Engine(compile_bundle(bundle)).check(facts, context)
    for measure in (*decision.measures, *decision.incentives):
        assert measure.legal_basis
        assert measure.triggered_by
        record_ids = {r.record_id for r in facts.records} | {r.record_id for p in facts.related for r in p.records}
        assert {r.record_id for r in measure.triggered_by} <= record_ids


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts)
def test_no_incentive_while_a_serious_record_is_in_force(bundle, facts, context):
    compiled = compile_bundle(bundle)
    decision = Engine(compiled).check(facts, context)
    if build_evidence(facts, context, compiled).serious_in_force:
        assert decision.incentives == ()


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts)
def test_related_party_measures_only_where_the_list_extends_them(bundle, facts, context):
    compiled = compile_bundle(bundle)
    decision = Engine(compiled).check(facts, context)
    for measure in decision.measures:
        if measure.via is not None:
            listed = {r.list_id for r in measure.triggered_by}
            assert any(measure.via.role in {role.value for role in compiled.lists[i].extends_to} for i in listed)



def test_durable_sessions_are_released_even_when_nothing_matches():
    """Regression: sessions whose facts all went unhandled were never deleted and the C core
    ran out of memory after ~1,400 checks; 5,000 such checks must pass."""
    library = Library.load(Path(__file__).parents[1] / "rulesets" / "fixture")
    compiled = compile_bundle(library.bundle("CN", date(2025, 6, 1)))
    durable = make_evaluator(compiled, "durable")
    unmatched = Record("r1", "s1", RecordType.penalty, date(2025, 1, 1), severity=Severity.serious, domain="tax")
    facts = SubjectFacts(Subject("s1", SubjectType.legal_person), (unmatched,))
    context = CheckContext("government_procurement", date(2025, 6, 1), "supplier")
    evidence = build_evidence(facts, context, compiled).items
    assert evidence
    for _ in range(5000):
        assert durable.fire(evidence, context) == []
