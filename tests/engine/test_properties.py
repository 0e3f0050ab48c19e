"""Properties of the rule semantics, on random bundles and random facts.

- differential: durable_rules, the indexed fast path and the reference oracle fire
  exactly the same (rule, measure, evidence) triples;
- monotonicity: more or worse dishonesty never removes a penalty nor weakens the outcome;
- repair: repair, removal and revocation never add a penalty;
- determinism, grounding (every measure has a basis and a triggering fact), incentives
  never beside a serious record in force, related-party extension only where declared;
- precision (精准惩戒): a measure applies only where its records' scope covers what is
  applied for (or its basis reaches every matter); where the facts do not say, it asks for
  review and never denies or restricts; saying more only settles what was in doubt; a
  listing never applies beyond what its legal ground allows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jrp.engine.compile import compile_bundle
from jrp.engine.decide import EFFECT_OUTCOME
from jrp.engine.evaluate import Engine, make_evaluator
from jrp.engine.evidence import build_evidence
from jrp.engine.facts import NOTHING_SAID, CheckContext, Record, Subject, SubjectFacts
from jrp.engine.types import OUTCOME_STRENGTH, Outcome
from jrp.rulesets.library import Library
from jrp.rulesets.schema import PeriodRange
from jrp.vocabulary.measures import Effect
from jrp.vocabulary.periods import shift
from jrp.vocabulary.records import RecordStatus, RecordType, Severity
from jrp.vocabulary.scenarios import SCENARIO_ROLES, Scenario
from jrp.vocabulary.scope import Consumption
from jrp.vocabulary.subjects import SubjectType

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
    if build_evidence(facts, context, compiled).serious_from:  # random bundles are national: every level counts
        assert decision.incentives == ()


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts)
def test_related_party_measures_only_where_the_list_or_the_rule_extends_them(bundle, facts, context):
    """A related party's record reaches a person only through a list's extension or a rule's own ``persons``; one
    pending an order (``persons.pending``) never applies, and a rule for the persons alone never reaches the unit."""
    compiled = compile_bundle(bundle)
    decision = Engine(compiled).check(facts, context)
    rules = {r.id: r for ruleset in bundle.rulesets for r in ruleset.rules}
    for measure in decision.measures:
        fired = [rules[rule_id] for rule_id in measure.rule_ids]
        if measure.via is None:
            assert not all(r.persons is not None and r.persons.only for r in fired), measure.measure_id
            continue
        listed = {r.list_id for r in measure.triggered_by}
        by_list = any(measure.via.role in {role.value for role in compiled.lists[i].extends_to} for i in listed)
        by_rule = [r.persons for r in fired if r.persons and measure.via.role in {p.value for p in r.persons.roles}]
        assert by_list or by_rule, measure.measure_id
        if not by_list and all(p.pending for p in by_rule):
            assert not measure.applies, measure.measure_id



def _covers(measure, context: CheckContext) -> bool:
    """Independently of the engine: does some triggering record's scope reach what the check applies for?"""
    reach, applied, records = measure.reach, context.application, measure.records
    if reach.matter and (applied.matter is None or all(r.matter != applied.matter for r in records)):
        return False
    if reach.industry and (applied.industry is None or
                           not any(r.industry and applied.industry.startswith(r.industry) for r in records)):
        return False
    if reach.project_types and applied.project_type not in reach.project_types:
        return False
    if reach.tender_required and applied.tender_required is not True:
        return False
    if reach.consumption and applied.consumption in (None, Consumption.essential):
        return False
    if reach.public_safety and applied.public_safety is not True:
        return False
    if reach.rectification_overdue and not any(
            r.rectification_due and r.rectification_due < context.as_of
            and (r.rectified_on is None or r.rectified_on > context.as_of) for r in records):
        return False
    return True


@dataclass(frozen=True)
class _Applied:
    reach: object
    records: tuple


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts)
def test_a_measure_applies_only_where_its_records_scope_reaches_what_is_applied_for(bundle, facts, context):
    """The issue's property: a category-1 (or any) measure never applies unless the record's scope covers the
    request's matter (industry, project…), or its basis reaches every matter (no reach declared)."""
    compiled = compile_bundle(bundle)
    for measure in Engine(compiled).check(facts, context).measures:
        if measure.applies:
            reach = compiled.measures[measure.measure_id].measure.reach
            assert _covers(_Applied(reach, measure.triggered_by), context), measure.measure_id


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts)
def test_a_measure_in_doubt_never_denies_or_restricts(bundle, facts, context):
    decision = Engine(compile_bundle(bundle)).check(facts, context)
    strongest = max((OUTCOME_STRENGTH[EFFECT_OUTCOME[Effect(m.effect)]] for m in decision.measures if m.applies),
                    default=OUTCOME_STRENGTH[Outcome.allow])
    if any(not m.applies for m in decision.measures):
        strongest = max(strongest, OUTCOME_STRENGTH[Outcome.review])
    assert OUTCOME_STRENGTH[decision.outcome] == strongest
    for measure in decision.measures:
        assert measure.applies or measure.review_reasons


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts)
def test_saying_what_is_applied_for_only_settles_what_was_in_doubt(bundle, facts, context):
    engine = Engine(compile_bundle(bundle))
    told = engine.check(facts, context)
    untold = engine.check(facts, replace(context, application=NOTHING_SAID))
    applied = {m.measure_id for m in told.measures if m.applies}
    applied_untold = {m.measure_id for m in untold.measures if m.applies}
    in_doubt_untold = {m.measure_id for m in untold.measures if not m.applies}
    assert applied <= applied_untold | in_doubt_untold, "a stated application never brings an unforeseen measure"
    assert applied_untold <= applied, "what applied without knowing the application applies whatever it is"


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts)
def test_naming_the_role_only_settles_what_was_in_doubt(bundle, facts, context):
    """A check without a role lets no measure of the role through (it fires, in doubt) and denies on no guess: what
    applies without a role applies in each role of the scenario, and a role brings no measure unforeseen."""
    engine = Engine(compile_bundle(bundle))
    untold = engine.check(facts, replace(context, role=None))
    applied_untold = {m.measure_id for m in untold.measures if m.applies}
    in_doubt_untold = {m.measure_id for m in untold.measures if not m.applies}
    for role in SCENARIO_ROLES[Scenario(context.scenario)]:
        told = engine.check(facts, replace(context, role=role.value))
        applied = {m.measure_id for m in told.measures if m.applies}
        assert applied <= applied_untold | in_doubt_untold, role
        assert applied_untold <= applied, role


@SEMANTIC
@given(bundle=bundles, facts=subject_facts(), context=contexts)
def test_a_listing_never_applies_beyond_what_its_legal_ground_allows(bundle, facts, context):
    """Beyond it a measure may still ask for review (a stated end later than the ground allows), never apply."""
    compiled = compile_bundle(bundle)
    for measure in Engine(compiled).check(facts, context).measures:
        if not measure.applies:
            continue
        for record in measure.triggered_by:
            credit_list = compiled.lists.get(record.list_id or "")
            ground = next((g for g in credit_list.grounds if g.id == record.ground), None) if credit_list else None
            if ground is not None and isinstance(ground.period, PeriodRange) and ground.longest is None:
                assert context.as_of < shift(record.start, ground.period.max), (measure.measure_id, record)


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
