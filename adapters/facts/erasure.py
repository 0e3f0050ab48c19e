"""Erasing natural persons' data from the facts store once its retention has passed (个人信息保护法 art. 47).

The decision log erases by deleting a month's data key (``jrp.adapters.log.personal_data_keys``);
the facts store holds the plaintext of the persons it knows (``subjects``, ``events``,
``relations``, ``records``, ``subject_facts``, the results of screenings), so erasure overwrites it there with
the same keyed pseudonyms the log uses (``pd:id:…``, ``pd:name:…``), in place:

- an event's payload becomes exactly :func:`pseudonymised_event` of itself, the form the
  verifiable log hashes, so every hash and proof still holds after erasure;
- a person's birth date (``subjects.birth_date``) and review key (the masked-ID join) are dropped;
- the source row (``raw``) of a person's event keeps no text: every text in it is a pseudonym;
- the ``subject_facts`` rows of the persons and of the organisations whose records name them are
  rebuilt from the overwritten tables (a person's row under its plain ID is deleted).
- the subscriptions watching a person lose the sealed originals and watch the pseudonym, and their
  notifications keep only pseudonyms (``jrp.adapters.tracking.subscriptions.forget_persons``).

A person is past retention when nothing about them is recent or in force: no event of theirs
recorded since the cut-off, no role in an organisation that had not ended before it, no
record of theirs (or naming them among its ``persons``) still in force on it. A person still
under a consumption restriction, or still a legal representative, is kept: the law that
requires the data has not stopped requiring it.

SQLite keeps overwritten rows in free pages and in its write-ahead log until both are
rewritten: the erasure ends with ``VACUUM`` and a truncating checkpoint, so no byte of the
erased plaintext stays in the data files. (PostgreSQL reuses the space of dead rows after its
autovacuum; run ``VACUUM FULL`` on the five tables to rewrite them at once.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, Text, cast, inspect, or_, select, update

from jrp.adapters.facts import facts_rows
from jrp.adapters.facts.identity import RESIDENT_ID_SHAPE
from jrp.adapters.facts.orm import EventRow, RecordRow, RelationRow, SubjectRow
from jrp.adapters.facts.transactions import lock_subjects
from jrp.adapters.log.crypto.personal_data import NATURAL_PERSON, Pseudonymiser, is_resident_id
from jrp.adapters.tracking.subscriptions import forget_persons
from jrp.vocabulary.records import RecordStatus

subjects_t = SubjectRow.__table__
events_t = EventRow.__table__
relations_t = RelationRow.__table__
records_t = RecordRow.__table__
CHUNK = 500  # persons erased per transaction
_TOKEN = r"pd:[a-z]+:[0-9a-f]{32}"
PSEUDONYM = re.compile(f"^{_TOKEN}$")  # of an identifier, a name, a birth date or a source text
# inside longer text (an idempotency key, a document number): a pseudonym, kept whole, or a resident-ID-shaped run
EMBEDDED = re.compile(f"({_TOKEN})|{RESIDENT_ID_SHAPE.pattern}")


@dataclass(frozen=True)
class FactsErasure:
    """What one erasure overwrote."""

    persons: int
    events: int
    records: int
    relations: int
    kept: int  # natural persons still within retention, or with facts still in force

    def __str__(self) -> str:
        return (f"erased the facts of {self.persons} natural person(s) past retention ({self.events} events, "
                f"{self.records} records, {self.relations} relations); {self.kept} kept (recent or still in force)")


def is_person(subject: Mapping[str, Any]) -> bool:
    """Whether an event's subject object is a natural person (stated, or by a resident ID, masked or full)."""
    identifier = subject.get("id")
    return subject.get("type") == NATURAL_PERSON or (isinstance(identifier, str) and is_resident_id(identifier))


def pseudonymised_event(payload: Mapping[str, Any], pseudonyms: Pseudonymiser) -> dict[str, Any]:
    """An event with natural persons' data as pseudonyms: the form the verifiable log hashes, and what an erased
    person's events are overwritten with. Idempotent: a pseudonymised event is its own pseudonymised form.

    Besides :meth:`Pseudonymiser.protect` (resident IDs standing alone, a person's name and birth date), every
    text of a person's source row (``raw``) becomes a pseudonym (its columns name no field the walk could know),
    and a resident ID inside longer text becomes its pseudonym in place, a mistyped one too.
    """
    event = pseudonyms.protect(dict(payload), {})
    raw, subject = payload.get("raw"), payload.get("subject")
    if isinstance(raw, dict) and isinstance(subject, dict) and is_person(subject):
        event["raw"] = _tokens(raw, pseudonyms)
    return _embedded(event, pseudonyms)


def _embedded(value: Any, pseudonyms: Pseudonymiser) -> Any:
    if isinstance(value, str):
        if len(value) <= 18:
            return value  # an identifier alone: protect decided it
        return EMBEDDED.sub(lambda m: m.group(1) or pseudonyms.token("id", m.group().upper()), value)
    if isinstance(value, list):
        return [_embedded(item, pseudonyms) for item in value]
    if isinstance(value, dict):
        return {key: _embedded(item, pseudonyms) for key, item in value.items()}
    return value


def _tokens(value: Any, pseudonyms: Pseudonymiser) -> Any:
    if isinstance(value, str):
        return value if not value or PSEUDONYM.match(value) else pseudonyms.token("raw", value)
    if isinstance(value, list):
        return [_tokens(item, pseudonyms) for item in value]
    if isinstance(value, dict):
        return {key: _tokens(item, pseudonyms) for key, item in value.items()}
    return value


def erase_persons(engine: Engine, pseudonyms: Pseudonymiser, cutoff: date) -> FactsErasure:
    """Overwrite the facts of every natural person past retention on ``cutoff`` with pseudonyms (see the module)."""
    with engine.connect() as connection:
        people = _natural_persons(connection)
        keep = _still_needed(connection, cutoff)
    erasable = {subject_id: name for subject_id, name in people if subject_id not in keep}
    totals = [0, 0, 0]
    ids = sorted(erasable)
    for start in range(0, len(ids), CHUNK):
        chunk = {subject_id: erasable[subject_id] for subject_id in ids[start:start + CHUNK]}
        with engine.begin() as connection:
            counts = _erase(connection, pseudonyms, chunk)
        totals = [a + b for a, b in zip(totals, counts)]
    if erasable:
        rewrite_files(engine)
    return FactsErasure(len(erasable), *totals, kept=len(people) - len(erasable))


def _natural_persons(connection: Connection) -> list[tuple[str, str]]:
    query = select(subjects_t.c.subject_id, subjects_t.c.name).where(
        subjects_t.c.subject_type == NATURAL_PERSON, subjects_t.c.subject_id.not_like("pd:%"))
    return [(row.subject_id, row.name) for row in connection.execute(query)]


def _still_needed(connection: Connection, cutoff: date) -> set[str]:
    """The persons with an event since ``cutoff``, a role not ended before it, or a record in force on it."""
    since = datetime.combine(cutoff, time(), UTC)
    needed = set(connection.execute(select(events_t.c.subject_id).where(events_t.c.recorded_at >= since)).scalars())
    needed.update(connection.execute(select(relations_t.c.person_id).where(
        or_(relations_t.c.end.is_(None), relations_t.c.end >= cutoff))).scalars())
    in_force = select(records_t.c.subject_id, records_t.c.persons).where(
        records_t.c.status == RecordStatus.active.value, or_(records_t.c.end.is_(None), records_t.c.end >= cutoff))
    for subject_id, persons in connection.execute(in_force):
        needed.add(subject_id)
        needed.update((persons or "").split())
    naming = select(events_t.c.payload).where(events_t.c.recorded_at >= since, _names_persons())
    for payload in connection.execute(naming).scalars():
        needed.update(payload.get("persons") or ())
    return needed


def _erase(connection: Connection, pseudonyms: Pseudonymiser, persons: Mapping[str, str]) -> tuple[int, int, int]:
    """Overwrite the rows of ``persons`` (id: name) and the mentions of them; returns (events, records, relations)."""
    tokens = {subject_id: pseudonyms.token("id", subject_id) for subject_id in persons}
    if connection.dialect.name == "postgresql":  # SQLite: this transaction is the only writer already
        lock_subjects(connection, {*persons, *_naming(connection, persons)})
    for subject_id, name in persons.items():
        connection.execute(update(subjects_t).where(subjects_t.c.subject_id == subject_id).values(
            subject_id=tokens[subject_id], name=pseudonyms.token("name", name) if name else "", birth_date=None))
    own = events_t.c.subject_id.in_(tokens)
    naming = _names_persons()
    events = 0
    for seq, subject_id, payload in connection.execute(
            select(events_t.c.seq, events_t.c.subject_id, events_t.c.payload).where(or_(own, naming))).all():
        if subject_id not in tokens and not tokens.keys() & set(payload.get("persons") or ()):
            continue
        event = pseudonymised_event(payload, pseudonyms)
        connection.execute(update(events_t).where(events_t.c.seq == seq).values(
            payload=event, source=event["source"], subject_id=tokens.get(subject_id, subject_id)))
        events += 1
    records, owners = 0, set()
    for record_id, owner, names, raw in connection.execute(
            select(records_t.c.record_id, records_t.c.subject_id, records_t.c.persons, records_t.c.raw).where(
                or_(records_t.c.subject_id.in_(tokens), records_t.c.persons.is_not(None)))).all():
        named = set((names or "").split()) & tokens.keys()
        if owner not in tokens and not named:
            continue
        values: dict[str, Any] = {"persons": _persons(names, tokens)}
        if owner in tokens:
            name = persons[owner]
            values.update(subject_id=tokens[owner], subject_name=pseudonyms.token("name", name) if name else "",
                          review_key=None, raw=_tokens(raw, pseudonyms) if raw else raw)
        connection.execute(update(records_t).where(records_t.c.record_id == record_id).values(**values))
        records += 1
        owners.add(tokens.get(owner, owner))
    relations, others = 0, _other_tables(connection)
    for subject_id, token in tokens.items():
        relations += connection.execute(update(relations_t).where(relations_t.c.person_id == subject_id)
                                        .values(person_id=token)).rowcount
        for table in others:
            connection.execute(update(table).where(table.c.subject_id == subject_id).values(subject_id=token))
    facts_rows.rebuild(connection, {*persons, *tokens.values(), *owners})  # the plain ids' rows go
    if inspect(connection).has_table("subscriptions"):
        forget_persons(connection, pseudonyms, tokens)
    return events, records, relations


def _naming(connection: Connection, persons: Iterable[str]) -> set[str]:
    """The subjects whose records name one of ``persons``: their ``subject_facts`` rows are rebuilt by the erasure,
    so an event's writer must not write them meanwhile from what it read before (it takes the same locks)."""
    wanted = set(persons)
    return {owner for owner, names in connection.execute(
        select(records_t.c.subject_id, records_t.c.persons).where(records_t.c.persons.is_not(None)))
        if wanted & set(names.split())}


def _names_persons() -> Any:
    """Events that name persons among theirs (a decision on an organisation reaching its responsible persons)."""
    return cast(events_t.c.payload, Text).like('%"persons": ["%')  # both databases write JSON so


def _persons(persons: str | None, tokens: Mapping[str, str]) -> str | None:
    return None if persons is None else " ".join(tokens.get(p, p) for p in persons.split())


def _other_tables(connection: Connection) -> Iterable[Table]:
    """Tables beyond the facts that key rows by subject: the results of screenings (jrp.adapters.screenings)."""
    names = set(inspect(connection).get_table_names())
    metadata = MetaData()
    return [Table(name, metadata, autoload_with=connection) for name in ("screening_results",) if name in names]


def rewrite_files(engine: Engine) -> None:
    """SQLite: rewrite the file and empty the write-ahead log, so the overwritten bytes are gone from disk."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
