"""The JSON forms of facts and decisions: orjson's output equals pydantic's, and facts read back unchanged."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from pydantic import TypeAdapter

from jrp.engine.codec import decision_to_json, facts_from_json, facts_to_json
from jrp.engine.compile import compile_bundle
from jrp.engine.evaluate import Engine
from jrp.engine.facts import SubjectFacts
from jrp.engine.types import Decision

from .strategies import bundles, contexts, subject_facts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bundle=bundles, facts=subject_facts(), context=contexts)
def test_json_forms_equal_pydantics_and_facts_round_trip(bundle, facts, context):
    decision = Engine(compile_bundle(bundle)).check(facts, context, with_explanation=True, with_supervision=True)
    assert facts_to_json(facts) == TypeAdapter(SubjectFacts).dump_python(facts, mode="json")
    assert decision_to_json(decision) == TypeAdapter(Decision).dump_python(decision, mode="json")
    assert facts_from_json(facts_to_json(facts)) == facts
