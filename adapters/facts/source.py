"""Reading subject facts for the engine (implements ``jrp.ports.FactsSource``).

Reads use the projections and indexed queries only: ``load_many`` costs one statement
whatever the number of subjects (their ``subject_facts`` rows, ``jrp.adapters.facts.facts_rows``),
``facts_version`` one. ``facts_as_of`` is the
exception by design: it replays the history to show facts as they were known at a past
time (audits, replays of old decisions).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, select

from jrp.adapters.facts import facts_rows
from jrp.adapters.facts.events import parse_event
from jrp.adapters.facts.facts_rows import RECORD_COLUMNS
from jrp.adapters.facts.identity import fits_mask, review_key
from jrp.adapters.facts.orm import EventRow, RecordRow, SubjectRow
from jrp.adapters.facts.projection import State, apply
from jrp.adapters.store.dbapi import Driver, as_date
from jrp.engine.facts import Record, RelatedParty, Subject, SubjectFacts
from jrp.ports import UNKNOWN
from jrp.vocabulary.records import (
    CommitmentState,
    Impact,
    ObjectionState,
    Procedure,
    RecordStatus,
    RecordType,
    Severity,
)
from jrp.vocabulary.scope import ProjectType, Sanction
from jrp.vocabulary.subjects import SubjectType

E = TypeVar("E", bound=Enum)
PERSON = SubjectType.natural_person.value
Restore = Callable[[Any], Any]
"""A stored payload (or an erased subject id) as it was before erasure (``FactsStore.facts_at_heads``)."""

subjects_t = SubjectRow.__table__
events_t = EventRow.__table__
records_t = RecordRow.__table__

VERSIONS = (
    "SELECT subject_id, event_head FROM subjects WHERE subject_id = ? UNION ALL "
    "SELECT s.subject_id, s.event_head FROM subjects s JOIN relations r ON r.entity_id = s.subject_id "
    "WHERE r.person_id = ?"
)


NO_EVENTS_VERSION = "0"  # an organisation only named by a relation: no event of its own yet


def version_string(own: str, related: Iterable[tuple[str, str]]) -> str:
    """The facts version: the subject's event head (the leaf hash of its last event, which chains every earlier
    one), followed by ``-<digest>`` of its related organisations' heads when it has any.

    Two different histories never share a version (``jrp.adapters.log.event_leaves``), so nothing keyed on it
    (a cached evaluation, a worker's held version) can alias two states of the facts.
    """
    pairs = sorted(set(related))
    if not pairs:
        return own or NO_EVENTS_VERSION
    digest = hashlib.blake2b(repr(pairs).encode(), digest_size=6).hexdigest()
    return f"{own or NO_EVENTS_VERSION}-{digest}"


def _members(enum: type[E]) -> dict[Any, E]:
    """``enum``'s members by value: a dict lookup costs a tenth of ``enum(value)`` (records are read by the million)."""
    return {member.value: member for member in enum}


_RECORD_TYPES, _SEVERITIES, _PROCEDURES, _IMPACTS = (_members(RecordType), _members(Severity), _members(Procedure),
                                                     _members(Impact))
_COMMITMENTS, _STATUSES, _OBJECTIONS = _members(CommitmentState), _members(RecordStatus), _members(ObjectionState)
_SANCTIONS, _PROJECT_TYPES = _members(Sanction), _members(ProjectType)


def record_of(row: Mapping[str, Any]) -> Record:
    """A ``records`` row (or projected row) as the engine's ``Record``."""
    return record_from(tuple(row[column] for column in RECORD_COLUMNS))


def record_from(values: Sequence[Any]) -> Record:
    """A ``records`` row read as a tuple in ``RECORD_COLUMNS`` order (the order of ``Record``'s fields) as a ``Record``.

    Positional: a dozen records are built per check, and keywords cost a third more.
    """
    (record_id, subject_id, record_type, start, end, list_id, severity, domain, procedure, impact, amount, authority,
     doc_no, region, first_violation, corrected_in_time, scheme, grade, value, matter, commitment_state,
     commitment_date, status, status_date, objection, objection_date, sanctions, ground, industry, project_type,
     persons, rectification_due, rectified_on) = values
    return Record(
        record_id, subject_id, _RECORD_TYPES[record_type], as_date(start), as_date(end), list_id,
        _SEVERITIES[severity] if severity is not None else None, domain,
        _PROCEDURES[procedure] if procedure else None, _IMPACTS[impact] if impact else None, amount,
        authority, doc_no, region, bool(first_violation), bool(corrected_in_time), scheme, grade, value, matter,
        _COMMITMENTS[commitment_state] if commitment_state else None, as_date(commitment_date),
        _STATUSES[status], as_date(status_date), _OBJECTIONS[objection], as_date(objection_date),
        tuple(_SANCTIONS[s] for s in sanctions.split()) if sanctions else (), ground, industry,
        _PROJECT_TYPES[project_type] if project_type else None, tuple(persons.split()) if persons else (),
        as_date(rectification_due), as_date(rectified_on),
    )


def _subject_of(row: Mapping[str, Any]) -> Subject:
    return Subject(row["subject_id"], SubjectType(row["subject_type"]), row["name"], as_date(row["birth_date"]))


def _sorted(records: Iterable[Record]) -> tuple[Record, ...]:
    return tuple(sorted(records, key=lambda r: (r.start, r.record_id)))


def _facts(subject: Mapping[str, Any], relations: Sequence[Mapping[str, Any]], entities: Mapping[str, Mapping[str, Any]],
           records: Mapping[str, list[Record]]) -> SubjectFacts:
    related = tuple(
        RelatedParty(_subject_of(entities[r["entity_id"]]), r["role"], _sorted(records.get(r["entity_id"], ())),
                     as_date(r["start"]), as_date(r["end"]))
        for r in sorted(relations, key=lambda r: (r["entity_id"], r["role"], as_date(r["start"]) or date.min))
    )
    version = version_string(subject["event_head"],
                             ((r["entity_id"], entities[r["entity_id"]]["event_head"]) for r in relations))
    return SubjectFacts(_subject_of(subject), _sorted(records.get(subject["subject_id"], ())), related, version)


def _facts_of_rows(rows: Iterable[tuple[Any, ...]]) -> dict[str, SubjectFacts]:
    """The facts of the subjects ``facts_rows.read`` returned rows of (each organisation's row decoded once)."""
    subjects: dict[str, Mapping[str, Any]] = {}
    records: dict[str, list[Record]] = {}
    relations: dict[str, list[Mapping[str, Any]]] = {}
    entities: dict[str, Mapping[str, Any]] = {}

    def decoded(subject_id: str, row: bytes) -> Mapping[str, Any]:
        subject, values = facts_rows.decode(subject_id, row)
        records[subject_id] = [record_from(v) for v in values]
        return subject

    for subject_id, entity_id, role, start, end, row in rows:
        if entity_id is None:
            subjects[subject_id] = decoded(subject_id, row)
            continue
        if entity_id not in entities:
            entities[entity_id] = subjects[entity_id] if entity_id in subjects else decoded(entity_id, row)
        relations.setdefault(subject_id, []).append({"entity_id": entity_id, "role": role, "start": start, "end": end})
    return {s: _facts(row, relations.get(s, []) if row["subject_type"] == PERSON else [], entities, records)
            for s, row in subjects.items()}


class FactsStore:
    """Subject facts from the store: current (projection) or as known at a past time (history)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.driver = Driver(engine)

    def load(self, subject_id: str) -> SubjectFacts | None:
        """The subject's facts with its related organisations, or None if the store never saw it."""
        return self.load_many([subject_id]).get(subject_id)

    def load_many(self, subject_ids: Sequence[str]) -> dict[str, SubjectFacts]:
        """Facts of many subjects in one statement (``jrp.adapters.facts.facts_rows``); unknown ids are left out."""
        ids = list(dict.fromkeys(subject_ids))
        if not ids:
            return {}
        return _facts_of_rows(self.driver.read(lambda connection: facts_rows.read(self.driver, connection, ids)))

    def iter_subject_ids(self, page_size: int = 2000) -> Iterator[list[str]]:
        """Every subject id in key order, a page at a time (keyset pagination: no OFFSET scans)."""
        after = ""
        while True:
            query = (select(subjects_t.c.subject_id).where(subjects_t.c.subject_id > after)
                     .order_by(subjects_t.c.subject_id).limit(page_size))
            with self.engine.connect() as connection:
                page = list(connection.execute(query).scalars())
            if not page:
                return
            yield page
            after = page[-1]

    def names(self, subject_ids: Sequence[str]) -> dict[str, str]:
        """The stored names of these subjects (one query; unknown ids are left out): for lists of decisions."""
        ids = list(dict.fromkeys(subject_ids))
        if not ids:
            return {}
        query = select(subjects_t.c.subject_id, subjects_t.c.name).where(subjects_t.c.subject_id.in_(ids))
        with self.engine.connect() as connection:
            return {row.subject_id: row.name for row in connection.execute(query)}

    def facts_version(self, subject_id: str) -> str:
        """The version of the subject's facts and of its related organisations' (``UNKNOWN``): one query."""
        return self.version_and_related(subject_id)[0]

    def version_and_facts(self, subject_id: str) -> tuple[str, SubjectFacts | None]:
        """The version alone: one query, where the facts take three (a cached evaluation needs only the version)."""
        return self.facts_version(subject_id), None

    def held_versions(self, subject_ids: Sequence[str]) -> dict[str, str]:
        """None: every version is read from the store (``jrp.adapters.facts.subject_versions`` holds them in memory)."""
        return {}

    def version_and_related(self, subject_id: str) -> tuple[str, frozenset[str]]:
        """``facts_version`` and the organisations it covers (whose events change it too): one query."""
        heads = self.event_heads(subject_id)
        if heads is None:
            return UNKNOWN, frozenset()
        own, related = heads
        return version_string(own, related.items()), frozenset(related)

    def event_heads(self, subject_id: str) -> tuple[str, dict[str, str]] | None:
        """The subject's event head and its related organisations' (by id), which its version is made of; None
        for a subject the store never saw. One query."""
        rows = self.driver.read(lambda connection: self.driver.rows(connection, VERSIONS, (subject_id, subject_id)))
        versions = {row["subject_id"]: row["event_head"] for row in rows}
        if subject_id not in versions:
            return None
        own = versions.pop(subject_id)
        return own, versions

    def facts_at_heads(self, head: str, related_heads: Iterable[str],
                       restore: Restore | None = None) -> SubjectFacts | None:
        """The facts as they were when the subject's event chain ended at ``head`` and its related organisations'
        at ``related_heads`` (organisations with no head given: none of their own events); None if ``head`` is
        no stored event's leaf.

        The history replayed is each chain up to its head, nothing by time: a decision that names these heads
        gets back exactly the facts it saw (``jrp.adapters.log.fact_references``). The caller compares the
        version and digest it named: an event edited, removed or added inside a chain changes them.

        ``restore`` reads events erasure pseudonymised (``jrp.adapters.facts.erasure``): it gives each stored
        payload, and the erased subject id of the chain, back as they were before erasure (raising
        ``EventError`` for a payload that is not exactly erasure's form of what it gives back); its events are
        then parsed as stored ones, where a pseudonym it could not give back stays an erased person's id.
        """
        wanted = {head, *related_heads} - {""}
        with self.engine.connect() as connection:
            ends = {bytes(leaf).hex(): (subject, seq) for leaf, subject, seq in connection.execute(
                select(events_t.c.leaf_hash, events_t.c.subject_id, events_t.c.seq)
                .where(events_t.c.leaf_hash.in_([bytes.fromhex(h) for h in wanted])))}
            if head not in ends:
                return None
            chain, last = ends.pop(head)
            state = State()
            self._replay(connection, state, [chain], events_t.c.seq <= last, restore)
            subject_id = chain if restore is None else restore(chain)
            if subject_id not in state.subjects:
                return None
            entity_ids = sorted({r["entity_id"] for r in state.relations if r["person_id"] == subject_id})
            organisations = State(subjects={e: dict(state.subjects[e], facts_version=0, event_head="")
                                            for e in entity_ids})
            for organisation, seq in ends.values():
                if organisation in organisations.subjects:
                    self._replay(connection, organisations, [organisation], events_t.c.seq <= seq, restore)
        return self._assembled(subject_id, state, organisations)

    def facts_as_of(self, subject_id: str, known_at: datetime) -> SubjectFacts | None:
        """The facts as the store knew them at ``known_at``: the history recorded up to then, replayed."""
        if known_at.tzinfo is not None:
            known_at = known_at.astimezone(UTC).replace(tzinfo=None) if self.engine.dialect.name == "sqlite" \
                else known_at
        state = State()
        with self.engine.connect() as connection:
            self._replay(connection, state, [subject_id], events_t.c.recorded_at <= known_at)
            if subject_id not in state.subjects:  # an organisation only relations name: they made its row
                self._replay_naming(connection, state, subject_id, known_at)
            if subject_id not in state.subjects:
                return None
            entity_ids = sorted({r["entity_id"] for r in state.relations if r["person_id"] == subject_id})
            organisations = State(subjects={e: dict(state.subjects[e], facts_version=0, event_head="")
                                            for e in entity_ids})
            self._replay(connection, organisations, entity_ids, events_t.c.recorded_at <= known_at)
        return self._assembled(subject_id, state, organisations)

    @staticmethod
    def _assembled(subject_id: str, state: State, organisations: State) -> SubjectFacts:
        """The subject's facts from its replayed history and its related organisations'."""
        records: dict[str, list[Record]] = {}
        for row in [*state.records.values(), *organisations.records.values()]:
            records.setdefault(row["subject_id"], []).append(record_of(row))
        relations = [r for r in state.relations if r["person_id"] == subject_id]
        return _facts(state.subjects[subject_id], relations, organisations.subjects, records)

    @staticmethod
    def _replay_naming(connection: Any, state: State, organisation: str, known_at: datetime) -> None:
        """Replay the relation events naming ``organisation`` (read whole: only for one without events of its own)."""
        query = (select(events_t.c.payload, events_t.c.recorded_at)
                 .where(events_t.c.event_type.in_(("relation_set", "relation_ended")),
                        events_t.c.recorded_at <= known_at)
                 .order_by(events_t.c.seq))
        for payload, recorded_at in connection.execute(query):
            if payload["organisation"]["id"] == organisation:
                apply(state, parse_event(payload), recorded_at)

    @staticmethod
    def _replay(connection: Any, state: State, subject_ids: Sequence[str], until: ColumnElement[bool],
                restore: Restore | None = None) -> None:
        """Apply the subjects' events that meet ``until`` (recorded by a time, or up to a chain's head); with
        ``restore``, erased events as they were (see ``facts_at_heads``)."""
        if not subject_ids:
            return
        query = (select(events_t.c.payload, events_t.c.recorded_at, events_t.c.leaf_hash)
                 .where(events_t.c.subject_id.in_(subject_ids), until)
                 .order_by(events_t.c.seq))
        for payload, recorded_at, leaf in connection.execute(query):
            event = parse_event(payload) if restore is None else parse_event(restore(payload), stored=True)
            apply(state, event, recorded_at, head=bytes(leaf).hex() if leaf else None)

    def possible_matches(self, resident_id: str, name: str) -> list[Record]:
        """Records published under a masked ID and this name that the full ``resident_id`` fits.

        They are candidates for a person to confirm (outcome ``review``), never facts of the subject.
        """
        query = select(records_t).where(records_t.c.review_key == review_key(resident_id, name))
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [record_of(row) for row in rows if fits_mask(row["subject_id"], resident_id)]
