"""The facts a check reads from ``subject_facts`` rows are exactly the facts the ``subjects``, ``relations`` and
``records`` tables give (the three reads a check made before the rows), after any sequence of events and erasures,
on both stores; an erasure leaves nothing of a person in the rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text

from jrp.adapters.facts import facts_rows
from jrp.adapters.facts.demo import make_resident_id
from jrp.adapters.facts.erasure import erase_persons
from jrp.adapters.facts.ingest import ingest
from jrp.adapters.facts.orm import RecordRow, RelationRow, SubjectFactsRow, SubjectRow
from jrp.adapters.facts.source import FactsStore, _facts, record_of
from jrp.adapters.log.crypto.personal_data import PersonalDataKey
from jrp.adapters.store.database import alembic_config, make_engine, upgrade_database
from jrp.engine.facts import Record, SubjectFacts
from jrp.vocabulary.subjects import SubjectType

from ..conftest import TABLES
from .factory import ORG, ORG2, PERSON, event, listing, penalty, relation

PERSON2 = make_resident_id("320500", date(1985, 2, 3), 45)
PERSONS, ORGS, SUBJECTS = [PERSON, PERSON2], [ORG, ORG2], [PERSON, PERSON2, ORG, ORG2]
RECORD_KEYS = [f"r{n}" for n in range(5)]
PSEUDONYMS = PersonalDataKey.generate().pseudonymiser()
ERASE = {"type": "erase"}

subjects_t, relations_t, records_t = SubjectRow.__table__, RelationRow.__table__, RecordRow.__table__


def facts_from_tables(engine: Engine, subject_id: str) -> SubjectFacts | None:
    """The facts as a check built them before the rows: the subject, its relations, then the records."""
    with engine.connect() as connection:
        subject = connection.execute(select(subjects_t).where(subjects_t.c.subject_id == subject_id)).mappings().first()
        if subject is None:
            return None
        relations: list[Mapping[str, Any]] = []
        if subject["subject_type"] == SubjectType.natural_person.value:
            relations = list(connection.execute(select(relations_t).where(relations_t.c.person_id == subject_id))
                             .mappings())
        entities = {row["subject_id"]: row for row in connection.execute(select(subjects_t).where(
            subjects_t.c.subject_id.in_([r["entity_id"] for r in relations]))).mappings()}
        records: dict[str, list[Record]] = {}
        for row in connection.execute(select(records_t).where(records_t.c.subject_id.in_([subject_id, *entities])))\
                .mappings():
            records.setdefault(row["subject_id"], []).append(record_of(row))
    return _facts(subject, relations, entities, records)


def _day(n: int) -> str:
    return date(2024, 1 + n % 12, 1 + n % 28).isoformat()


@st.composite
def steps(draw: st.DrawFn, index: int) -> dict[str, Any]:
    """One event (valid or not: a refused one must change nothing either) or an erasure."""
    key = f"e{index}"
    kind = draw(st.sampled_from(["listing", "penalty", "relation", "ended", "repair", "objection", "resolved",
                                 "erase"]))
    subject = draw(st.sampled_from(SUBJECTS))
    record = draw(st.sampled_from(RECORD_KEYS))
    if kind == "listing":
        return listing(record, subject=subject, start=_day(draw(st.integers(0, 40))))
    if kind == "penalty":
        return penalty(record, subject=subject, amount=draw(st.integers(1, 10_000)), start=_day(draw(st.integers(0, 40))),
                       persons=draw(st.lists(st.sampled_from(PERSONS), max_size=2, unique=True)))
    if kind in {"relation", "ended"}:
        person, organisation = draw(st.sampled_from(PERSONS)), draw(st.sampled_from(ORGS))
        role = draw(st.sampled_from(["legal_representative", "principal"]))
        if kind == "relation":
            return relation(key, person=person, organisation=organisation, role=role, start=_day(draw(st.integers(0, 9))))
        return event("relation_ended", key, person, organisation={"id": organisation}, role=role)
    if kind == "repair":
        return event("repair_completed", key, subject, record_id=record)
    if kind == "objection":
        return event("objection_filed", key, subject, record_id=record)
    if kind == "resolved":
        return event("objection_resolved", key, subject, record_id=record,
                     outcome=draw(st.sampled_from(["upheld", "rejected"])))
    return ERASE


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    return [draw(steps(index)) for index in range(draw(st.integers(1, 14)))]


def _empty(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in TABLES:
            connection.execute(text(f"DELETE FROM {table}"))


def _stored_ids(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(select(subjects_t.c.subject_id)).scalars())


def _assert_rows_give_the_tables_facts(engine: Engine) -> None:
    store = FactsStore(engine)
    ids = _stored_ids(engine)
    with engine.connect() as connection:
        rows = sorted(connection.execute(select(SubjectFactsRow.subject_id)).scalars())
    assert rows == ids  # a row for each subject, none for a subject gone (an erased person's plain ID)
    wanted = [*ids, "91320500MA1X00099A"]  # and a stranger
    expected = {subject_id: facts for subject_id in ids if (facts := facts_from_tables(engine, subject_id))}
    loaded = store.load_many(wanted)
    assert loaded == expected
    assert repr(sorted(loaded.items())) == repr(sorted(expected.items()))  # 5000 and 5000.0 are equal, yet not the same facts digest
    assert all(store.load(subject_id) == expected[subject_id] for subject_id in ids)
    assert all(facts.version == store.facts_version(subject_id) for subject_id, facts in loaded.items())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories())
def test_the_rows_give_the_facts_the_tables_give(engine: Engine, history: list[dict[str, Any]]) -> None:
    _empty(engine)
    for step in history:
        if step is ERASE:
            erase_persons(engine, PSEUDONYMS, date(2200, 1, 1))
        else:
            ingest(engine, [step])
        _assert_rows_give_the_tables_facts(engine)


def test_an_erased_person_leaves_nothing_in_the_rows(engine: Engine) -> None:
    name = "张三丰"
    ingest(engine, [
        relation("rel", start="2024-01-01"),
        event("relation_ended", "rel-end", PERSON, organisation={"id": ORG}, role="legal_representative"),
        listing("mine", subject=PERSON, start="2024-02-01") | {"subject": {"id": PERSON, "name": name}},
        event("repair_completed", "mine-repaired", PERSON, record_id="mine"),
        penalty("theirs", persons=[PERSON], start="2024-03-01"),
        event("penalty_revoked", "theirs-revoked", ORG, record_id="theirs"),
    ])
    before = _row_bytes(engine)
    assert any(PERSON.encode() in row for row in before)
    erased = erase_persons(engine, PSEUDONYMS, date(2200, 1, 1))
    assert erased.persons == 1
    after = _row_bytes(engine)
    token = PSEUDONYMS.token("id", PERSON)
    assert not any(PERSON.encode() in row or name.encode() in row or b"1980-05-17" in row for row in after)
    assert any(token.encode() in row for row in after)  # its records, and the organisation's naming it, are kept
    _assert_rows_give_the_tables_facts(engine)
    assert facts_rows.decode(token, _row(engine, token))[0]["birth_date"] is None


def _row_bytes(engine: Engine) -> list[bytes]:
    with engine.connect() as connection:
        return [bytes(row) for row in connection.execute(select(SubjectFactsRow.facts)).scalars()]


def _row(engine: Engine, subject_id: str) -> bytes:
    with engine.connect() as connection:
        return bytes(connection.execute(select(SubjectFactsRow.facts)
                                        .where(SubjectFactsRow.subject_id == subject_id)).scalar_one())


def test_the_migration_fills_the_rows_of_a_store_that_had_none(db_url: str) -> None:
    engine = make_engine(db_url)
    ingest(engine, [relation("rel"), listing("l", subject=PERSON), penalty("p", persons=[PERSON]),
                    penalty("p2", subject=ORG2), event("repair_completed", "l-repaired", PERSON, record_id="l")])
    expected = {subject_id: facts_from_tables(engine, subject_id) for subject_id in _stored_ids(engine)}
    config = alembic_config()
    with engine.begin() as connection:  # the store as it was before 0017_subject_rows (later migrations undone too)
        config.attributes["connection"] = connection
        command.downgrade(config, "0016_subscriptions")
    upgrade_database(engine)
    assert FactsStore(engine).load_many(list(expected)) == expected and len(expected) == 3
    _assert_rows_give_the_tables_facts(engine)
    engine.dispose()
