"""Reads: load, load_many (one statement), facts_version (incl. through a related organisation) and facts_as_of."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

from jrp.adapters.facts.demo import make_resident_id
from jrp.adapters.facts.ingest import ingest
from jrp.adapters.facts.source import RECORD_COLUMNS, FactsStore
from jrp.engine.facts import Record
from jrp.ports import UNKNOWN
from jrp.vocabulary.records import RecordStatus

from .factory import ORG, ORG2, PERSON, event, listing, penalty, relation

PERSON2 = make_resident_id("320500", date(1985, 2, 3), 45)


def test_unknown_subject(engine):
    store = FactsStore(engine)
    assert store.load(ORG) is None and store.facts_version(ORG) == UNKNOWN and store.load_many([ORG]) == {}


def test_version_changes_on_own_and_related_events_only(engine):
    ingest(engine, [relation("rel"), listing("l", subject=ORG2)])
    store = FactsStore(engine)
    person_v, org_v, org2_v = store.facts_version(PERSON), store.facts_version(ORG), store.facts_version(ORG2)
    assert person_v == store.load(PERSON).version
    ingest(engine, [penalty("p")])  # an event of the related organisation
    assert store.facts_version(PERSON) != person_v and store.facts_version(ORG) != org_v
    assert store.facts_version(PERSON) == store.load(PERSON).version
    person_v = store.facts_version(PERSON)
    ingest(engine, [penalty("p2", subject=ORG2)])  # unrelated to the person
    assert store.facts_version(PERSON) == person_v and store.facts_version(ORG2) != org2_v
    ingest(engine, [event("score_published", "s", PERSON, scheme="loucheng-score", value=120)])
    assert store.facts_version(PERSON) != person_v
    ingest(engine, [penalty("p")])  # a duplicate bumps nothing
    assert store.facts_version(PERSON) == store.load(PERSON).version


def test_load_many_is_one_statement_and_matches_load(engine, monkeypatch):
    ingest(engine, [relation("rel"), relation("rel2", organisation=ORG2, role="principal"), listing("l"),
                    penalty("p", subject=ORG2), relation("rel3", person=PERSON2)])
    store = FactsStore(engine)
    statements: list[str] = []
    render = store.driver.sql
    monkeypatch.setattr(store.driver, "sql", lambda statement: statements.append(statement) or render(statement))
    many = store.load_many([PERSON, ORG, ORG2, PERSON, PERSON2, "91320500MA1X00099A"])
    assert len(statements) == 1
    assert set(many) == {PERSON, ORG, ORG2, PERSON2}
    assert all(many[s] == store.load(s) for s in many)  # ORG's record once each, though three of them reach it
    assert [r.record_id for r in many[ORG].records] == [r.record_id for p in many[PERSON2].related
                                                        for r in p.records]
    assert {(p.subject.subject_id, p.role) for p in many[PERSON].related} == {(ORG, "legal_representative"),
                                                                               (ORG2, "principal")}
    statements.clear()
    store.facts_version(PERSON)
    assert len(statements) == 1


def test_records_are_read_in_the_order_of_their_fields():
    """Records are built from positional row values: a column added to the query or a field added to ``Record``
    in another place than the other would shift every value after it."""
    assert RECORD_COLUMNS == tuple(field.name for field in fields(Record))


def test_facts_as_of_replays_history_known_at_a_past_time(engine, clock):
    ingest(engine, [relation("rel"), listing("l", start="2024-01-01")], now=clock)
    first = clock.advance(hours=12)  # known then: the listing, not yet its removal
    clock.advance(hours=12)
    ingest(engine, [event("list_entry_removed", "l-removed", ORG, "2024-06-01", record_id="l")], now=clock)
    second = clock.advance(hours=12)
    clock.advance(hours=12)
    ingest(engine, [penalty("p"), event("relation_ended", "rel-end", PERSON, organisation={"id": ORG},
                                         role="legal_representative", end="2025-01-02")], now=clock)
    store = FactsStore(engine)
    past = store.facts_as_of(PERSON, first)
    assert past is not None
    (party,) = past.related
    assert [r.status for r in party.records] == [RecordStatus.active] and party.end is None
    middle = store.facts_as_of(PERSON, second)
    assert [r.status for r in middle.related[0].records] == [RecordStatus.removed]
    assert middle.version != past.version
    now = store.facts_as_of(PERSON, clock.advance(days=1))
    assert now == store.load(PERSON)
    assert now.related[0].end == date(2025, 1, 2)
    assert store.facts_as_of(ORG, first) == FactsStore(engine).facts_as_of(ORG, first)
    assert store.facts_as_of(PERSON, clock.current.replace(year=2020)) is None
