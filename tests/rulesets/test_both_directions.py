"""Right in both directions, on the bundled rulesets: a mandatory bar is never answered ``allow`` for want of a fact.

Seeds are the YAML cases in which a category-1 measure of mandatory wording (应当, 不得, 禁止…, in its quotes or
the paragraphs they cite) applies. Hypothesis
removes one scope or class field the case states — of a record (severity, sanctions, amount, ground, matter,
industry, domain, end, persons) or of the application (role, matter, industry, project type, tender, consumption,
public safety) — and the answer must stay at least ``review``: some completion of the missing fact applies the bar.
A record that cannot matter (one that starts after the check, or a decision revoked before it) changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jrp.engine.types import Decision, Outcome
from jrp.measures_catalog.legal_texts import find_legal_texts
from jrp.rulesets.doubt_checks import mandatory
from jrp.rulesets import schema
from jrp.rulesets.library import Library
from jrp.tester import Engines, facts_of, iter_cases
from jrp.vocabulary.records import RecordStatus

RECORD_FIELDS = ("severity", "sanctions", "amount", "ground", "matter", "industry", "domain", "end", "persons")
APPLICATION_FIELDS = ("role", "matter", "industry", "project_type", "tender_required", "consumption", "public_safety")
LIBRARY = Library.load()
ENGINES = Engines(LIBRARY, "indexed")


def _seeds() -> list[tuple[str, schema.TestCase]]:
    measures = {m.id: m for f in LIBRARY.live_files for m in f.ruleset.measures}
    return [(ruleset_id, case) for ruleset_id, case, _path, _line in iter_cases(LIBRARY)
            if any(mandatory(measures[m], LIBRARY.instruments, find_legal_texts())
                   for m in set(case.expect.measures) - set(case.expect.needs_review))]


SEEDS = _seeds()


def _decide(ruleset_id: str, case: schema.TestCase) -> Decision:
    engine, context = ENGINES.for_case(ruleset_id, case)
    return engine.check(facts_of(case), context)


def _removals(case: schema.TestCase) -> list[tuple[str, ...]]:
    """Every stated field that can be left out: ("application", name) or (owner, index, name)."""
    found = [("application", name) for name in APPLICATION_FIELDS if getattr(case, name) is not None]
    owners = [("records", case.records)] + [(f"related.{n}", item.records) for n, item in enumerate(case.related)]
    for owner, records in owners:
        for index, record in enumerate(records):
            found += [(owner, str(index), name) for name in RECORD_FIELDS if getattr(record, name) not in (None, ())]
    return found


def _without(case: schema.TestCase, removal: tuple[str, ...]) -> schema.TestCase:
    if removal[0] == "application":
        return case.model_copy(update={removal[1]: None})
    owner, index, name = removal
    empty = () if name in ("sanctions", "persons") else None

    def blank(records: tuple[schema.TestRecord, ...]) -> tuple[schema.TestRecord, ...]:
        return tuple(r.model_copy(update={name: empty}) if i == int(index) else r for i, r in enumerate(records))

    if owner == "records":
        return case.model_copy(update={"records": blank(case.records)})
    n = int(owner.split(".")[1])
    related = tuple(item.model_copy(update={"records": blank(item.records)}) if i == n else item
                    for i, item in enumerate(case.related))
    return case.model_copy(update={"related": related})


def test_the_bundled_cases_seed_every_kind_of_mandatory_bar():
    """The property below runs on real bars: procurement, bidding, consumption, licensing, trade bans, officers."""
    seeded = {m for _, case in SEEDS for m in case.expect.measures}
    assert {"gp-supplier-disqualified", "gp-major-illegal-record", "bidding-disqualification", "consumption-restriction",
            "licence-reapplication-bar-1y", "work-safety-trade-ban", "eidr-officer-bar"} <= seeded


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_leaving_out_a_stated_field_never_turns_a_mandatory_bar_into_allow(data):
    ruleset_id, case = data.draw(st.sampled_from(SEEDS))
    removals = _removals(case)
    if not removals:
        return
    removal = data.draw(st.sampled_from(removals))
    decision = _decide(ruleset_id, _without(case, removal))
    assert decision.outcome is not Outcome.allow, (case.name, removal)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_record_that_cannot_matter_changes_nothing(data):
    ruleset_id, case = data.draw(st.sampled_from(SEEDS))
    if not case.records:
        return
    record = data.draw(st.sampled_from(case.records))
    inert = data.draw(st.sampled_from([
        record.model_copy(update={"start": case.as_of + timedelta(days=1), "end": None, "status_date": None}),
        record.model_copy(update={"status": RecordStatus.revoked, "status_date": record.start}),
    ]))
    before, after = _decide(ruleset_id, case), _decide(ruleset_id, case.model_copy(update={"records": (*case.records, inert)}))
    assert after.outcome is before.outcome
    assert {(m.measure_id, m.applies) for m in after.measures} == {(m.measure_id, m.applies) for m in before.measures}


@pytest.mark.parametrize(("ruleset_id", "case"), SEEDS, ids=[case.name[:60] for _, case in SEEDS])
def test_every_seed_applies_its_bar(ruleset_id, case):
    """The seeds are what they claim: the bar applies (so the property starts from a deny or restrict)."""
    assert _decide(ruleset_id, case).outcome in (Outcome.deny, Outcome.restrict)
