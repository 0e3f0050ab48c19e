"""The shared evaluation loop: bundles rebuilt from shipped content, and tallies that do not depend on partitioning."""

from __future__ import annotations

import json
from datetime import date
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jrp.adapters.facts.source import FactsStore
from jrp.bulk.evaluation import BulkJob, BundleMismatch, Verdict, engine_of, evaluate_facts, fold
from jrp.bulk.screening import ScreeningTally
from jrp.engine.compile import compile_bundle
from jrp.engine.evaluate import Engine
from jrp.engine.facts import CheckContext, SubjectFacts
from jrp.impact import ImpactTally
from jrp.rulesets.bundle import Bundle
from jrp.rulesets.library import Library

AS_OF = date(2025, 6, 1)
PROCUREMENT = CheckContext("government_procurement", AS_OF, "supplier", "CN-JS-NT")


@pytest.fixture(scope="module")
def facts(demo_store: FactsStore) -> list[SubjectFacts]:
    return [f for page in demo_store.iter_subject_ids(500) for f in demo_store.load_many(page).values()]


def test_a_bundle_rebuilt_from_its_content_has_the_same_hash_in_every_jurisdiction(library: Library) -> None:
    for jurisdiction in library.jurisdictions:
        bundle = library.bundle(jurisdiction, AS_OF)
        shipped = Bundle.from_content(bundle.content())
        assert Bundle.build(shipped.jurisdiction, shipped.rulesets, shipped.instruments).hash == bundle.hash


def test_content_that_does_not_match_its_hash_is_refused(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jrp.bulk.evaluation._engines", {})  # nothing compiled yet in this process
    bundle = library.bundle("CN-JS-NT", AS_OF)
    content = json.loads(bundle.content())
    content["rulesets"][0]["measures"][0]["intensity"] = 1 + content["rulesets"][0]["measures"][0]["intensity"] % 5
    with pytest.raises(BundleMismatch, match="same jrp version"):
        engine_of(bundle.hash, json.dumps(content).encode())
    assert engine_of(bundle.hash, bundle.content())  # the content as sent compiles under its hash


def test_the_loop_gives_the_service_engines_verdicts(library: Library, facts: list[SubjectFacts]) -> None:
    bundle = library.bundle("CN-JS-NT", AS_OF)
    engine = Engine(compile_bundle(bundle))
    bidding = CheckContext("bidding", AS_OF, "bidder", "CN-JS-NT")
    job = BulkJob.of([(bundle, PROCUREMENT), (bundle, bidding)])
    results = list(evaluate_facts(job, facts))
    assert [r.subject_id for r in results] == [f.subject.subject_id for f in facts]
    for subject, result in zip(facts, results):
        assert result.verdicts == (Verdict.of(engine.check(subject, PROCUREMENT)),
                                   Verdict.of(engine.check(subject, bidding)))
    assert any(r.verdicts[0].hit for r in results) and any(not r.verdicts[0].hit for r in results)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_merged_partition_tallies_equal_one_pass(data: st.DataObject, library: Library,
                                                 facts: list[SubjectFacts]) -> None:
    """Spark's result equals the in-process one whatever the partitioning: folding is partition-independent."""
    current = library.bundle("CN-JS-NT", AS_OF)
    other = library.bundle("CN-JS", AS_OF)
    job = BulkJob.of([(current, PROCUREMENT), (other, PROCUREMENT)])
    ids = [f.subject.subject_id for f in facts]
    previously_hit = frozenset(data.draw(st.lists(st.sampled_from(ids), max_size=20)))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(facts)), max_size=6)))
    parts = [facts[start:end] for start, end in zip([0, *cuts], [*cuts, len(facts)])]
    order = data.draw(st.permutations(range(len(parts))))  # partitions finish in any order
    for new_tally in (partial(ScreeningTally, previously_hit),
                      partial(ImpactTally, (("government_procurement", "supplier", "CN-JS-NT"),))):
        whole = fold(job, new_tally, facts)
        assert whole != new_tally()  # the bundles differ: there is something to count
        merged = new_tally()
        for index in order:
            merged = merged.merge(fold(job, new_tally, parts[index]))
        assert merged == whole
