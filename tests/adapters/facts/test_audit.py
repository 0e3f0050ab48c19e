"""The facts audit: the projection rebuilt from the history, every difference named (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from jrp.adapters.facts.audit import audit_facts
from jrp.adapters.facts.event_rules import RECORD_EVENTS
from jrp.adapters.facts.ingest import ingest
from jrp.adapters.facts.orm import EventRow, RecordRow, RelationRow, SubjectFactsRow, SubjectRow
from jrp.adapters.facts.source import FactsStore

from .factory import ORG, ORG2, PERSON, event, listing, penalty, relation
from .test_ingest import every_event_type


def test_a_store_written_by_ingest_equals_its_replayed_history(engine):
    events = every_event_type()
    ingest(engine, events, chunk_size=4)
    audit = audit_facts(engine, page_size=2)  # pages split person and organisations apart
    assert audit.differences == [] and audit.ok
    records = sum(event["type"] in RECORD_EVENTS for event in events)
    assert (audit.events, audit.subjects, audit.records, audit.relations) == (len(events), 3, records, 2)


def test_every_tampered_row_is_reported(engine):
    events = every_event_type()
    ingest(engine, events)
    with engine.begin() as connection:
        connection.execute(update(RecordRow).where(RecordRow.record_id == "p2").values(status="active"))
        connection.execute(delete(RecordRow).where(RecordRow.record_id == "e1"))
        connection.execute(update(SubjectRow).where(SubjectRow.subject_id == ORG).values(facts_version=1))
        connection.execute(delete(RelationRow).where(RelationRow.entity_id == ORG2))
        facts = connection.execute(select(SubjectFactsRow.facts).where(SubjectFactsRow.subject_id == PERSON)).scalar_one()
        connection.execute(update(SubjectFactsRow).where(SubjectFactsRow.subject_id == PERSON)
                           .values(facts=bytes(facts).replace(b'"natural_person"', b'"legal_person"')))
    audit = audit_facts(engine)
    found = {(d.table, d.key, d.column): (d.stored, d.replayed) for d in audit.differences}
    assert found == {
        ("records", "p2", "status"): ("active", "repaired"),
        ("records", "e1", "row"): ("(no row)", "present"),
        ("subjects", ORG, "facts_version"): (1, sum(e["subject"]["id"] == ORG for e in events)),
        ("relations", f"{PERSON} principal in {ORG2}", "row"): (0, 1),
        ("subject_facts", PERSON, "subject_type"): ("legal_person", "natural_person"),
    }
    assert audit.difference_count == 5 and not audit.ok


def test_an_event_that_no_longer_applies_is_reported(engine):
    ingest(engine, [listing("l"), event("list_entry_removed", "l-removed", ORG, "2025-02-01", record_id="l")])
    with engine.begin() as connection:  # the creating event vanishes from the history
        connection.execute(delete(EventRow).where(EventRow.idempotency_key == "l"))
    differences = audit_facts(engine).differences
    assert [(d.table, d.column, d.stored) for d in differences] == [
        ("events", "prev", "(first event)"),  # the chain names the event before it, which is gone
        ("events", "replay", "list_entry_removed"), ("subjects", "row", "present"), ("records", "row", "present"),
        ("subject_facts", "row", "present")]
    assert differences[0].key.endswith("(l-removed)")
    assert "no record 'l'" in differences[1].replayed


def test_a_relation_fills_an_organisations_missing_name_in_the_store_too(engine):
    ingest(engine, [penalty("p", subject=ORG)])
    ingest(engine, [relation("r", organisation=ORG, on="2020-01-01") | {
        "organisation": {"id": ORG, "name": "苏州测试科技有限公司"}}])
    assert FactsStore(engine).load(ORG).subject.name == "苏州测试科技有限公司"
    assert audit_facts(engine).ok


def test_an_empty_store_has_nothing_to_report(engine):
    audit = audit_facts(engine)
    assert audit.ok and (audit.events, audit.subjects, audit.records) == (0, 0, 0)
