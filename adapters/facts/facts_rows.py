"""One row per subject holding its facts, so a check reads one row where it read three tables.

``subject_facts`` keeps, per subject, what its ``SubjectFacts`` are built from: its type, name,
birth date and event head, and its records (their ``Record`` fields), as one orjson array. It is
written in the transaction of the events that change it (``jrp.adapters.facts.ingest``, which
bulk imports go through too), rebuilt from the tables by an erasure and by the migration that
created it, so it never says anything the ``subjects`` and ``records`` rows do not.

An organisation's facts stay in the organisation's own row; a person's read takes its row and
the rows of the organisations it is related to in ONE statement (the relations it holds, joined
by ``person_id``, give the roles and reach those rows by key). Copying the organisations' facts
into each related person's row instead would make an event on an organisation rewrite the row
of every person ever related to it, in that event's transaction: one penalty of a large employer,
thousands of rows, and a bulk import of organisations' records paying it for every related person;
while the read would save only the probe of the relations index it needs anyway for the roles.
So an event changes exactly its own subject's row, whatever the number of relations.

A batch reads all its subjects' rows in that same one statement: the ids go in as one parameter
(a JSON array on SQLite, an array on PostgreSQL), so its text, and its prepared plan, is the same
for one subject or ten thousand.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from jrp.adapters.facts.orm import RecordRow, SubjectFactsRow, SubjectRow
from jrp.adapters.store.dbapi import Driver

facts_t = SubjectFactsRow.__table__
subjects_t = SubjectRow.__table__
records_t = RecordRow.__table__

# the fields of ``jrp.engine.facts.Record``, in order (``jrp.adapters.facts.source.record_from`` reads them so)
RECORD_COLUMNS = (
    "record_id", "subject_id", "record_type", "start", "end", "list_id", "severity", "domain", "procedure", "impact",
    "amount", "authority", "doc_no", "region", "first_violation", "corrected_in_time", "scheme", "grade", "value",
    "matter", "commitment_state", "commitment_date", "status", "status_date", "objection", "objection_date",
    "sanctions", "ground", "industry", "project_type", "persons", "rectification_due", "rectified_on",
)
# each value as its column reads back (a float column gives 500.0 for an event's 500: the facts digest sees it)
_AS_COLUMN = {"severity": int, "amount": float, "value": float, "first_violation": bool, "corrected_in_time": bool}
_CONVERSIONS = tuple((i, _AS_COLUMN[c]) for i, c in enumerate(RECORD_COLUMNS) if c in _AS_COLUMN)
_DATES = tuple(i for i, c in enumerate(RECORD_COLUMNS) if c in {
    "start", "end", "commitment_date", "status_date", "objection_date", "rectification_due", "rectified_on"})
_PAGE = 2000  # subjects per statement where a writer reads or rebuilds rows

# one statement for any number of subjects: their rows, and the rows of the organisations the persons among them
# are related to (with the relation); the ids are one parameter (a JSON array on SQLite, an array on PostgreSQL)
READ = (
    'SELECT f.subject_id, NULL AS entity_id, NULL AS role, NULL AS "start", NULL AS "end", f.facts '
    "FROM subject_facts f WHERE f.subject_id IN ({ids}) UNION ALL "
    'SELECT r.person_id, r.entity_id, r.role, r."start", r."end", o.facts '
    "FROM relations r JOIN subject_facts o ON o.subject_id = r.entity_id WHERE r.person_id IN ({ids})"
)
_READS = {postgres: READ.format(ids=ids) for postgres, ids in
          ((False, "SELECT value FROM json_each(?)"), (True, "SELECT unnest(?::text[])"))}


def encode(subject: Mapping[str, Any], records: Iterable[Sequence[Any]]) -> bytes:
    """A subject's row: ``subject`` (a ``subjects`` row) and its records (``record_values`` of each)."""
    birth = subject["birth_date"]
    return orjson.dumps([subject["subject_type"], subject["name"], birth.isoformat() if birth else None,
                         subject["event_head"], list(records)])


def record_values(record: Mapping[str, Any]) -> list[Any]:
    """A ``records`` row (read, or made by the projection) as the row keeps it: its ``RECORD_COLUMNS`` values, each
    as the column reads back, dates in ISO form."""
    values = [record[column] for column in RECORD_COLUMNS]
    for index, convert in _CONVERSIONS:
        if values[index] is not None:
            values[index] = convert(values[index])
    for index in _DATES:
        if isinstance(values[index], date):
            values[index] = values[index].isoformat()
    return values


def decode(subject_id: str, row: bytes) -> tuple[dict[str, Any], list[list[Any]]]:
    """A row as its ``subjects`` row (the columns the facts use) and its records' values."""
    subject_type, name, birth, head, records = orjson.loads(row)
    return ({"subject_id": subject_id, "subject_type": subject_type, "name": name, "birth_date": birth,
             "event_head": head}, records)


def read(driver: Driver, connection: Any, subject_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """The rows of ``subject_ids`` and of the organisations they are related to, in one statement: tuples of
    (subject or person id, organisation id, role, start, end, row); organisation, role and dates None for a
    subject's own row."""
    ids = list(subject_ids)
    parameter: Any = ids if driver.postgres else orjson.dumps(ids).decode()
    return driver.values(connection, _READS[driver.postgres], (parameter, parameter))


def records_by_id(connection: Connection, subject_ids: Iterable[str]) -> dict[str, dict[str, list[Any]]]:
    """The records the rows of ``subject_ids`` hold, by record id, for a writer to change (rows not stored: absent)."""
    ids = list(subject_ids)
    rows: dict[str, dict[str, list[Any]]] = {}
    for start in range(0, len(ids), _PAGE):
        for subject_id, facts in connection.execute(
                select(facts_t.c.subject_id, facts_t.c.facts).where(facts_t.c.subject_id.in_(ids[start:start + _PAGE]))):
            rows[subject_id] = {values[0]: values for values in decode(subject_id, facts)[1]}
    return rows


def write(connection: Connection, subjects: Mapping[str, Mapping[str, Any]],
          records: Mapping[str, dict[str, list[Any]]], stored: Iterable[str]) -> None:
    """Write the rows of ``subjects`` (``subjects`` rows by id) with ``records`` (by subject, then record id);
    ``stored``: those whose row exists (updated; the others inserted)."""
    existing = set(stored)
    rows = [{"b_id": s, "b_facts": encode(subject, records.get(s, {}).values())} for s, subject in subjects.items()]
    updates = [row for row in rows if row["b_id"] in existing]
    inserts = [{"subject_id": row["b_id"], "facts": row["b_facts"]} for row in rows if row["b_id"] not in existing]
    if inserts:
        connection.execute(insert(facts_t), inserts)
    if updates:
        connection.execute(update(facts_t).where(facts_t.c.subject_id == bindparam("b_id"))
                           .values(facts=bindparam("b_facts")), updates)


_SUBJECT_COLUMNS = (subjects_t.c.subject_id, subjects_t.c.subject_type, subjects_t.c.name, subjects_t.c.birth_date,
                    subjects_t.c.event_head)


def rebuild(connection: Connection, subject_ids: Iterable[str]) -> None:
    """Write the rows of ``subject_ids`` afresh from the ``subjects`` and ``records`` tables (a subject no longer
    there loses its row): after a change made to the tables themselves, such as an erasure."""
    ids = sorted(set(subject_ids))
    for start in range(0, len(ids), _PAGE):
        page = ids[start:start + _PAGE]
        subjects = {row["subject_id"]: dict(row) for row in connection.execute(
            select(*_SUBJECT_COLUMNS).where(subjects_t.c.subject_id.in_(page))).mappings()}
        records: dict[str, dict[str, list[Any]]] = {}
        for row in connection.execute(select(*(getattr(records_t.c, c) for c in RECORD_COLUMNS))
                                      .where(records_t.c.subject_id.in_(page))).mappings():
            records.setdefault(row["subject_id"], {})[row["record_id"]] = record_values(row)
        connection.execute(delete(facts_t).where(facts_t.c.subject_id.in_(page)))
        write(connection, subjects, records, ())


def every_subject(connection: Connection) -> Iterator[list[str]]:
    """Every subject id, a page at a time (keyset)."""
    after = ""
    while page := list(connection.execute(select(subjects_t.c.subject_id).where(subjects_t.c.subject_id > after)
                                          .order_by(subjects_t.c.subject_id).limit(_PAGE)).scalars()):
        yield page
        after = page[-1]


def rebuild_all(engine: Engine) -> None:
    """Every subject's row afresh from the tables, a page per transaction (a store whose heads were just set)."""
    with engine.connect() as reader:
        pages = list(every_subject(reader))
    for page in pages:
        with engine.begin() as connection:
            rebuild(connection, page)
