"""Does the projection equal its history? Rebuild ``subjects``, ``records``, ``relations`` and the ``subject_facts``
rows from ``events``.

Checks read the projection, never the history, so a lost or half-applied update keeps
(or lifts) a measure silently. The audit replays every event in ``seq`` order through
the same :func:`jrp.adapters.facts.projection.apply` the write path uses and reports every
column where the stored row differs from the replayed one, every row that exists on
one side only, and every stored event that no longer applies.

It works a page of subjects at a time, so memory does not grow with the store: a page
replays its subjects' own events plus the relation events that name one of them as the
organisation (they create the organisation's row and fill its name). Everything is read
in one snapshot, so writers running meanwhile cannot make it report a false difference.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from jrp.adapters.facts import facts_rows
from jrp.adapters.facts.events import EventError, parse_event
from jrp.adapters.facts.orm import EventRow, RecordRow, RelationRow, SubjectFactsRow, SubjectRow
from jrp.adapters.facts.projection import State, apply
from jrp.adapters.facts.transactions import read_snapshot
from jrp.adapters.log.event_leaves import EVENT_COLUMNS, EventChains, EventSealer, sealer_for

subjects_t = SubjectRow.__table__
records_t = RecordRow.__table__
relations_t = RelationRow.__table__
events_t = EventRow.__table__
facts_t = SubjectFactsRow.__table__

SUBJECT_COLUMNS = tuple(c.name for c in subjects_t.columns if c.name != "subject_id")
RECORD_COLUMNS = tuple(c.name for c in records_t.columns if c.name != "record_id")
RELATION_COLUMNS = ("entity_id", "person_id", "role", "start", "end")
FACTS_ROW_COLUMNS = ("subject_type", "name", "birth_date", "event_head", "records")
RELATION_EVENTS = ("relation_set", "relation_ended")
MISSING = "(no row)"


@dataclass(frozen=True)
class Difference:
    """One disagreement: ``table`` and ``key`` name the row, ``column`` the field (or ``row``, ``replay``)."""

    table: str
    key: str
    column: str
    stored: Any
    replayed: Any

    def __str__(self) -> str:
        return f"{self.table} {self.key} {self.column}: stored {self.stored!r}, history gives {self.replayed!r}"


@dataclass
class FactsAudit:
    """Counts of what was compared, and the differences found (the first ``keep`` of them)."""

    subjects: int = 0
    records: int = 0
    relations: int = 0
    events: int = 0
    difference_count: int = 0
    differences: list[Difference] = field(default_factory=list)
    keep: int = 1000

    @property
    def ok(self) -> bool:
        return self.difference_count == 0

    def add(self, difference: Difference) -> None:
        self.difference_count += 1
        if len(self.differences) < self.keep:
            self.differences.append(difference)


def audit_facts(engine: Engine, *, page_size: int = 2000, keep: int = 1000,
                sealer: EventSealer | None = None) -> FactsAudit:
    """Compare the whole projection with the replayed history (read in one snapshot).

    Each event is first checked against its sealed entry in the decision log (``sealer``: the
    store's, whose pseudonym key recomputes the entry's form of the payload): an event edited,
    back-dated, inserted without its entry or moved in its subject's chain is named.
    """
    audit = FactsAudit(keep=keep)
    sealer = sealer or sealer_for(engine)
    with engine.connect() as connection:
        connection = read_snapshot(connection)
        organisations = _relation_events_by_organisation(connection)
        for page in _pages(_every_subject_id(connection, organisations), page_size):
            _audit_page(connection, page, organisations, audit, sealer)
        connection.rollback()
    return audit


def _relation_events_by_organisation(connection: Connection) -> dict[str, list[int]]:
    """``seq`` of every relation event, by the organisation it names."""
    by_organisation: dict[str, list[int]] = {}
    query = select(events_t.c.seq, events_t.c.payload).where(events_t.c.event_type.in_(RELATION_EVENTS))
    for seq, payload in connection.execute(query):
        organisation = (payload.get("organisation") or {}).get("id")
        if organisation:
            by_organisation.setdefault(organisation, []).append(seq)
    return by_organisation


def _every_subject_id(connection: Connection, organisations: dict[str, list[int]]) -> Iterator[str]:
    """Subject ids of the projection and of the history, in order, each once."""
    stored = _keyset(connection, subjects_t.c.subject_id)
    historic = _keyset(connection, events_t.c.subject_id)
    previous = None
    for subject_id in heapq.merge(stored, historic, iter(sorted(organisations))):
        if subject_id != previous:
            yield subject_id
            previous = subject_id


def _keyset(connection: Connection, column: Any, page_size: int = 5000) -> Iterator[str]:
    after = ""
    while True:
        page = list(connection.execute(select(column).where(column > after).distinct().order_by(column)
                                       .limit(page_size)).scalars())
        yield from page
        if len(page) < page_size:
            return
        after = page[-1]


def _pages(ids: Iterator[str], size: int) -> Iterator[list[str]]:
    page: list[str] = []
    for subject_id in ids:
        page.append(subject_id)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


def _audit_page(connection: Connection, page: list[str], organisations: dict[str, list[int]],
                audit: FactsAudit, sealer: EventSealer) -> None:
    replayed = _replay(connection, page, organisations, audit, sealer)
    members = set(page)
    stored_subjects = {row["subject_id"]: row for row in connection.execute(
        select(subjects_t).where(subjects_t.c.subject_id.in_(page))).mappings()}
    _compare("subjects", stored_subjects, {s: r for s, r in replayed.subjects.items() if s in members},
             SUBJECT_COLUMNS, audit)
    stored_records = {row["record_id"]: row for row in connection.execute(
        select(records_t).where(records_t.c.subject_id.in_(page))).mappings()}
    _compare("records", stored_records, {r: row for r, row in replayed.records.items() if row["subject_id"] in members},
             RECORD_COLUMNS, audit)
    stored_relations = [dict(row) for row in connection.execute(
        select(relations_t).where(relations_t.c.person_id.in_(page))).mappings()]
    _compare_relations(stored_relations, [r for r in replayed.relations if r["person_id"] in members], audit)
    _compare_facts_rows(connection, page, replayed, audit)
    audit.subjects += len(stored_subjects)
    audit.records += len(stored_records)
    audit.relations += len(stored_relations)


def _replay(connection: Connection, page: Sequence[str], organisations: dict[str, list[int]],
            audit: FactsAudit, sealer: EventSealer) -> State:
    """The page's subjects as their history makes them: own events (each checked against its sealed entry
    and its subject's chain), and relation events naming them."""
    own = select(*EVENT_COLUMNS).where(events_t.c.subject_id.in_(page))
    rows = {row.seq: row for row in connection.execute(own)}
    audit.events += len(rows)
    chains = EventChains(sealer)
    for seq in sorted(rows):
        for column, stored, logged in chains.problems(rows[seq]):
            audit.add(Difference("events", f"{seq} ({rows[seq].idempotency_key})", column, stored, logged))
    naming = sorted({seq for subject_id in page for seq in organisations.get(subject_id, ())} - rows.keys())
    for start in range(0, len(naming), 5000):
        query = select(*EVENT_COLUMNS).where(events_t.c.seq.in_(naming[start:start + 5000]))
        rows.update({row.seq: row for row in connection.execute(query)})
    state = State()
    for seq in sorted(rows):
        row = rows[seq]
        try:
            apply(state, parse_event(row.payload, stored=True), row.recorded_at,
                  head=bytes(row.leaf_hash).hex() if row.leaf_hash else None)
        except EventError as error:
            audit.add(Difference("events", str(seq), "replay", row.payload.get("type"), f"does not apply: {error}"))
    return state


def _compare(table: str, stored: dict[str, Any], replayed: dict[str, Any], columns: Sequence[str],
             audit: FactsAudit) -> None:
    for key in sorted(stored.keys() | replayed.keys()):
        if key not in replayed:
            audit.add(Difference(table, key, "row", "present", MISSING))
        elif key not in stored:
            audit.add(Difference(table, key, "row", MISSING, "present"))
        else:
            for column in columns:
                before, after = _comparable(stored[key][column]), _comparable(replayed[key][column])
                if before != after:
                    audit.add(Difference(table, key, column, before, after))


def _compare_facts_rows(connection: Connection, page: list[str], replayed: State, audit: FactsAudit) -> None:
    """The ``subject_facts`` rows the checks read against the replayed subjects and records they hold."""
    stored = {subject_id: _facts_row(*facts_rows.decode(subject_id, facts)) for subject_id, facts in
              connection.execute(select(facts_t.c.subject_id, facts_t.c.facts).where(facts_t.c.subject_id.in_(page)))}
    members = set(page)
    records: dict[str, list[list[Any]]] = {}
    for row in replayed.records.values():
        if row["subject_id"] in members:
            records.setdefault(row["subject_id"], []).append(facts_rows.record_values(row))
    expected = {s: _facts_row(*facts_rows.decode(s, facts_rows.encode(row, records.get(s, []))))
                for s, row in replayed.subjects.items() if s in members}
    _compare("subject_facts", stored, expected, FACTS_ROW_COLUMNS, audit)


def _facts_row(subject: dict[str, Any], records: list[list[Any]]) -> dict[str, Any]:
    return {**subject, "records": sorted(records, key=lambda values: values[0])}


def _compare_relations(stored: list[dict[str, Any]], replayed: list[dict[str, Any]], audit: FactsAudit) -> None:
    """Relations have no natural key: compare them as multisets of their columns."""
    def tally(rows: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
        return Counter(tuple(_comparable(row[c]) for c in RELATION_COLUMNS) for row in rows)

    before, after = tally(stored), tally(replayed)
    for row in sorted((before - after).keys() | (after - before).keys(), key=repr):
        key = f"{row[1]} {row[2]} in {row[0]}"
        audit.add(Difference("relations", key, "row", before[row], after[row]))


def _comparable(value: Any) -> Any:
    """Datetimes as aware UTC: SQLite returns them naive (in UTC)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value
