"""Ingestion of native events: every type, duplicates, conflicts, partial failures (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from jrp.adapters.facts.event_rules import EventContext
from jrp.adapters.facts.events import EVENT_TYPES
from jrp.adapters.facts.ingest import POSSIBLE_MATCH, UNDER_18, ingest
from jrp.adapters.facts.orm import EventRow, RecordRow
from jrp.adapters.facts.source import FactsStore
from jrp.vocabulary.records import CommitmentState, ObjectionState, RecordStatus, RecordType, Severity
from jrp.vocabulary.scope import ProjectType, Sanction
from jrp.vocabulary.subjects import SubjectType

from .factory import MINOR, ORG, ORG2, PERSON, event, listing, penalty, relation


def _count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def every_event_type() -> list[dict]:
    return [
        {**event("subject_registered", "reg", ORG), "subject": {"id": ORG, "name": "苏州测试科技有限公司",
                                                                "type": "legal_person"}},
        relation("rel", on="2020-01-01"),
        relation("rel2", organisation=ORG2, role="principal", on="2019-01-01"),
        event("relation_ended", "rel2-end", PERSON, "2024-06-30", organisation={"id": ORG2}, role="principal"),
        listing("l1", start="2024-05-01", end="2027-05-01", region="CN-JS"),
        event("list_entry_removed", "l1-removed", ORG, "2025-02-01", record_id="l1"),
        penalty("p1", impact="high", first_violation=True, corrected_in_time=True),
        event("penalty_revoked", "p1-revoked", ORG, "2025-03-01", record_id="p1"),
        penalty("p2", severity="serious"),
        event("repair_completed", "p2-repair", ORG, "2025-04-01", record_id="p2"),
        event("commitment_made", "c1", ORG, matter="government_procurement"),
        event("commitment_fulfilled", "c1-kept", ORG, "2025-05-01", record_id="c1"),
        event("commitment_made", "c2", ORG, matter="administrative_licensing"),
        event("commitment_breached", "c2-broken", ORG, "2025-05-02", record_id="c2"),
        event("evaluation_published", "e1", ORG, scheme="tax-credit", grade="A"),
        event("points_recorded", "pt1", ORG, scheme="medical-bad-practice", value=6),
        event("score_published", "s1", PERSON, scheme="loucheng-score", value=128),
        listing("l2"),
        event("objection_filed", "l2-obj", ORG, "2025-01-20", record_id="l2"),
        event("objection_resolved", "l2-res", ORG, "2025-02-20", record_id="l2", outcome="upheld"),
        penalty("p3"),
        event("objection_filed", "p3-obj", ORG, "2025-01-20", record_id="p3"),
        event("objection_resolved", "p3-res", ORG, "2025-02-20", record_id="p3", outcome="rejected"),
        penalty("p4", sanctions=["fine", "permit_suspended"], amount=2500000, rectification_due="2025-02-10",
                matter="食品经营许可", industry="H62"),
        event("rectification_accepted", "p4-rectified", ORG, "2025-02-05", record_id="p4"),
        listing("l3", list_id="trade-ban-decision", ground="wsl-94", industry="C26", project_type="construction",
                persons=[PERSON], start="2024-05-01"),
    ]


def test_every_event_type_projects_into_facts(engine):
    events = every_event_type()
    assert {e["type"] for e in events} == set(EVENT_TYPES)
    report = ingest(engine, events)
    assert [i.status for i in report.items] == ["accepted"] * len(events), report.items
    store = FactsStore(engine)
    org = store.load(ORG)
    assert org.subject.name == "苏州测试科技有限公司" and org.subject.subject_type is SubjectType.legal_person
    records = {r.record_id: r for r in org.records}
    assert records["l1"].status is RecordStatus.removed and records["l1"].status_date == date(2025, 2, 1)
    assert records["l1"].end == date(2027, 5, 1) and records["l1"].region == "CN-JS"
    assert records["l1"].severity is Severity.serious and records["l1"].start == date(2024, 5, 1)
    assert records["p1"].status is RecordStatus.revoked and records["p1"].first_violation
    assert records["p2"].status is RecordStatus.repaired and records["p2"].amount == 5000
    assert records["c1"].commitment_state is CommitmentState.fulfilled
    assert records["c2"].commitment_state is CommitmentState.breached
    assert records["c2"].commitment_date == date(2025, 5, 2)
    assert records["e1"].record_type is RecordType.evaluation and records["e1"].grade == "A"
    assert records["pt1"].value == 6
    assert records["l2"].objection is ObjectionState.upheld and records["l2"].status is RecordStatus.revoked
    assert records["p3"].objection is ObjectionState.rejected and records["p3"].status is RecordStatus.active
    p4 = records["p4"]
    assert (p4.sanctions, p4.amount) == ((Sanction.fine, Sanction.permit_suspended), 2500000)
    assert (p4.matter, p4.industry, p4.rectification_due, p4.rectified_on) == (
        "食品经营许可", "H62", date(2025, 2, 10), date(2025, 2, 5))
    l3 = records["l3"]
    assert (l3.ground, l3.industry, l3.project_type, l3.persons) == ("wsl-94", "C26", ProjectType.construction, (PERSON,))
    person = store.load(PERSON)
    assert person.subject.birth_date == date(1980, 5, 17)
    assert [r.record_id for r in person.records] == ["s1"]
    roles = {(p.subject.subject_id, p.role): p for p in person.related}
    assert roles[(ORG, "legal_representative")].records == org.records
    assert roles[(ORG2, "principal")].end == date(2024, 6, 30)
    assert roles[(ORG2, "principal")].start == date(2019, 1, 1)
    assert _count(engine, EventRow.__table__) == len(events)


def test_resending_changes_nothing_and_reports_duplicates(engine):
    events = every_event_type()
    ingest(engine, events)
    store = FactsStore(engine)
    before = (store.load(ORG), store.facts_version(ORG), store.facts_version(PERSON))
    again = ingest(engine, events)
    assert again.duplicate == len(events) and again.accepted == again.rejected == 0
    assert (store.load(ORG), store.facts_version(ORG), store.facts_version(PERSON)) == before
    assert _count(engine, EventRow.__table__) == len(events)


def test_duplicate_within_one_batch_and_key_reused_for_another_event(engine):
    report = ingest(engine, [listing("k"), listing("k"), {**listing("k"), "list_id": "other-list"}])
    assert [i.status for i in report.items] == ["accepted", "duplicate", "rejected"]
    assert report.items[2].field == "idempotency_key" and "different event" in report.items[2].reason


def test_invalid_items_are_rejected_with_field_path_and_siblings_kept(engine):
    bad_code = ORG[:-1] + ("0" if ORG[-1] != "0" else "1")
    items = [
        listing("ok1"),
        listing("bad-code", subject=bad_code),
        {**listing("bad-type"), "type": "list_entry_exploded"},
        {k: v for k, v in penalty("no-domain").items() if k != "domain"},
        listing("bad-date", start="2025-02-30"),
        event("list_entry_removed", "orphan", ORG, record_id="nope"),
        {**listing("typo"), "lsit_id": "x"},
        "not an object",
        listing("ok2"),
    ]
    report = ingest(engine, items, chunk_size=3)
    by_key = {i.idempotency_key: i for i in report.items}
    assert [i.status for i in report.items].count("accepted") == 2
    assert by_key["bad-code"].field == "subject.id" and "checksum" in by_key["bad-code"].reason
    assert by_key["bad-type"].field == "type" and "list_entry_added" in by_key["bad-type"].reason
    assert by_key["no-domain"].field == "domain" and "required" in by_key["no-domain"].reason.lower()
    assert by_key["bad-date"].field == "start"
    assert by_key["orphan"].field == "record_id" and "no record 'nope'" in by_key["orphan"].reason
    assert by_key["typo"].field == "lsit_id" and "unknown field" in by_key["typo"].reason
    assert report.items[7].status == "rejected" and report.items[7].idempotency_key is None
    assert {r.record_id for r in FactsStore(engine).load(ORG).records} == {"ok1", "ok2"}
    assert _count(engine, EventRow.__table__) == 2


def test_illegal_transitions_are_rejected(engine):
    ingest(engine, [listing("l"), penalty("p"), event("commitment_made", "c", ORG, matter="m"),
                    listing("other", subject=ORG2)])
    report = ingest(engine, [
        event("commitment_fulfilled", "x1", ORG, record_id="l"),
        event("list_entry_removed", "x2", ORG, record_id="p"),
        event("list_entry_removed", "x3", ORG, record_id="other"),
        event("list_entry_removed", "x4", ORG, record_id="l"),
        event("list_entry_removed", "x5", ORG, record_id="l"),
        event("objection_resolved", "x6", ORG, record_id="p", outcome="upheld"),
        event("commitment_breached", "x7", ORG, record_id="c"),
        event("commitment_fulfilled", "x8", ORG, record_id="c"),
        listing("x9", record_id="l"),
        event("relation_ended", "x10", PERSON, organisation={"id": ORG}, role="principal"),
    ])
    assert [i.status for i in report.items] == ["rejected", "rejected", "rejected", "accepted", "rejected",
                                                "rejected", "accepted", "rejected", "rejected", "rejected"]
    reasons = [i.reason for i in report.items]
    assert "belongs to" in reasons[2] and "already removed" in reasons[4] and "already breached" in reasons[7]
    assert "already exists" in reasons[8] and "no open 'principal' role" in reasons[9]


def test_minors_and_masked_ids_are_kept_and_flagged(engine):
    masked = PERSON[:4] + "*" * 10 + PERSON[-4:]
    report = ingest(engine, [
        penalty("minor-penalty", subject=MINOR, start="2024-03-01"),
        penalty("adult-penalty", subject=MINOR, start="2028-03-01"),
        {**listing("masked"), "subject": {"id": masked, "name": "张三"}},
        {**event("subject_registered", "masked-reg", masked)},
    ], context=EventContext(today=lambda: date(2030, 1, 1)))  # the minor comes of age in 2028
    assert [i.note for i in report.items[:3]] == [UNDER_18, "", POSSIBLE_MATCH]
    assert report.items[3].status == "rejected" and "masked ID cannot be registered" in report.items[3].reason
    minor = FactsStore(engine).load(MINOR)
    assert minor.subject.birth_date == date(2010, 2, 1) and len(minor.records) == 2
    with engine.connect() as connection:
        flags = dict(connection.execute(select(RecordRow.record_id, RecordRow.under_18)).all())
    assert flags["minor-penalty"] and not flags["adult-penalty"]
    store = FactsStore(engine)
    assert store.load(PERSON) is None  # a possible match is never a fact of the person
    assert [r.record_id for r in store.possible_matches(PERSON, "张三")] == ["masked"]
    assert store.possible_matches(PERSON, "李四") == []


def test_a_native_event_is_kept_once_in_the_history_not_copied_into_its_record(engine):
    ingest(engine, [listing("l")])
    with engine.connect() as connection:
        payload = connection.execute(select(EventRow.payload).where(EventRow.idempotency_key == "l")).scalar_one()
        raw = connection.execute(select(RecordRow.raw).where(RecordRow.record_id == "l")).scalar_one()
    assert payload["list_id"] and raw is None
