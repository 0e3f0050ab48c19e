"""Writing events: append to the history and update the projections, chunk by chunk.

A chunk is one transaction: the rows it touches are read in a few ``IN`` queries,
events are projected in memory (:mod:`jrp.adapters.facts.projection`), then everything is
written with Core ``executemany`` inserts and updates, the changed subjects' ``subject_facts``
rows too (:mod:`jrp.adapters.facts.facts_rows`, read with the chunk's other rows and patched). An event that cannot apply is
rejected alone while its siblings go through; if the database refuses the chunk (e.g.
a concurrent writer took the same key), it is rolled back and redone one event per
transaction, so no valid event is lost and none is half-written.

Every stored event names the key that sent it (``key_id``) and when it was received
(``recorded_at``). The sender's scope (``jrp.adapters.access.ingest_scope``) is checked for
the whole batch before anything is written: one event out of scope and nothing is stored
(the items say which, status ``forbidden``); it is checked again under the write lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from jrp.access import ApiKey, Role, terminal_operator
from jrp.adapters.access.ingest_scope import refusal
from jrp.adapters.facts import facts_rows
from jrp.adapters.facts.event_rules import EventContext, check_event
from jrp.adapters.facts.events import (
    Event,
    EventError,
    RelationEnded,
    RelationSet,
    StatusEvent,
    event_payload,
    parse_event,
    payload_digest,
)
from jrp.adapters.facts.orm import EventRow, RecordRow, RelationRow, SubjectRow
from jrp.adapters.facts.projection import MUTABLE_RECORD_COLUMNS, RECORD_TYPE_OF, State, apply
from jrp.adapters.facts.transactions import lock_subjects
from jrp.adapters.log.crypto.merkle import leaf_hash
from jrp.adapters.log.event_leaves import NO_EVENTS, sealer_for
from jrp.adapters.store.dbapi import as_date
from jrp.engine.codec import canonical

Status = Literal["accepted", "duplicate", "rejected", "forbidden"]
Clock = Callable[[], datetime]

subjects_t = SubjectRow.__table__
relations_t = RelationRow.__table__
events_t = EventRow.__table__
records_t = RecordRow.__table__

UNDER_18 = "person under 18 on the record date: kept, but checks exclude it"
POSSIBLE_MATCH = "masked ID: kept as a possible match for review, never applied automatically"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What happened to one event; ``index`` is its position in the batch (or its line in a file)."""

    index: int
    idempotency_key: str | None
    status: Status
    field: str = ""
    reason: str = ""
    note: str = ""


@dataclass
class BatchReport:
    items: list[ItemResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def accepted(self) -> int:
        return self.count("accepted")

    @property
    def duplicate(self) -> int:
        return self.count("duplicate")

    @property
    def rejected(self) -> int:
        return self.count("rejected")

    @property
    def forbidden(self) -> list[ItemResult]:
        return [item for item in self.items if item.status == "forbidden"]


def ingest(engine: Engine, events: Iterable[Any], *, chunk_size: int = 1000, now: Clock = utc_now,
           context: EventContext | None = None, sender: ApiKey | None = None) -> BatchReport:
    """Validate every one of ``events`` (dicts in the format of EVENTS.md, or parsed events), then store the valid ones.

    Nothing is written before the whole batch was validated, so a report always describes
    what was stored, whatever an item holds. ``sender`` is the key sending them (default: the
    person at the terminal); if it may not send one of them, nothing is stored.
    """
    context = context or EventContext()
    sender = sender or terminal_operator()
    report = BatchReport()
    valid: list[tuple[int, Event]] = []
    for index, item in enumerate(events):
        try:
            valid.append((index, check_event(parse_event(item), context)))
        except EventError as error:
            report.items.append(ItemResult(index, key_of(item), "rejected", error.field, error.reason))
    forbidden = out_of_scope(engine, valid, sender)
    if forbidden:
        report.items = sorted(report.items + forbidden, key=lambda item: item.index)
        return report
    for start in range(0, len(valid), chunk_size):
        report.items += write_events(engine, valid[start:start + chunk_size], now, sender)
    report.items.sort(key=lambda item: item.index)
    return report


def out_of_scope(engine: Engine, batch: Sequence[tuple[int, Event]], sender: ApiKey) -> list[ItemResult]:
    """The events ``sender`` may not send (read before writing: the records status events name)."""
    if sender.ingest_scope is None and sender.role is not Role.ingester:
        return []
    named = {record_id for _, event in batch if (record_id := acted_on(event))}
    records: dict[str, dict[str, Any]] = {}
    if named:
        with engine.connect() as connection:
            records = {row["record_id"]: dict(row) for row in connection.execute(
                select(records_t.c.record_id, records_t.c.authority, records_t.c.list_id)
                .where(records_t.c.record_id.in_(named))).mappings()}
    refused: list[ItemResult] = []
    for index, event in batch:
        record_id = acted_on(event)
        problem = refusal(sender, event, records.get(record_id) if record_id else None)
        if problem is not None:
            refused.append(ItemResult(index, event.idempotency_key, "forbidden", problem.field, problem.reason))
        elif type(event) in RECORD_TYPE_OF:  # a status event later in the batch may name it
            records[event.record_id_or_key] = {  # type: ignore[union-attr]
                "record_id": event.record_id_or_key, "authority": event.source.authority,  # type: ignore[union-attr]
                "list_id": getattr(event, "list_id", None)}
    return refused


def key_of(item: Any) -> str | None:
    """The idempotency key of a raw item, if it has one that is text (a rejected item may hold anything)."""
    key = item.get("idempotency_key") if isinstance(item, dict) else None
    return key if isinstance(key, str) else None


def write_events(engine: Engine, batch: Sequence[tuple[int, Event]], now: Clock = utc_now,
                 sender: ApiKey | None = None) -> list[ItemResult]:
    """Store one chunk of parsed events atomically, falling back to one transaction per event."""
    sender = sender or terminal_operator()
    try:
        with engine.begin() as connection:
            return _write(connection, batch, now().astimezone(UTC), sender)
    except DBAPIError:
        pass  # redo event by event below: the valid ones still go in
    results: list[ItemResult] = []
    for index, event in batch:
        try:
            with engine.begin() as connection:
                results += _write(connection, [(index, event)], now().astimezone(UTC), sender)
        except DBAPIError as error:
            results.append(ItemResult(index, event.idempotency_key, "rejected", "", _refusal(error)))
    return results


def _refusal(error: DBAPIError) -> str:
    """Why the database refused an event, without its SQL or parameters (they may hold personal data)."""
    if isinstance(error, IntegrityError):
        return "another event with the same key or record_id was stored at the same moment; send it again to see which"
    return f"the database could not store the event now ({type(error.orig).__name__}); nothing was stored: send it again"


def _write(connection: Connection, batch: Sequence[tuple[int, Event]], now: datetime,
           sender: ApiKey) -> list[ItemResult]:
    events = [event for _, event in batch]
    lock_subjects(connection, subjects_touched(events))  # before reading: see jrp.adapters.facts.transactions
    keys = [event.idempotency_key for event in events]
    known = dict(connection.execute(
        select(events_t.c.idempotency_key, events_t.c.digest).where(events_t.c.idempotency_key.in_(keys))
    ).all())
    state = _read_state(connection, events)
    rows = facts_rows.records_by_id(connection, state.subjects)
    sealer = sealer_for(connection.engine)
    results: list[ItemResult] = []
    event_rows: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for index, event in batch:
        key = event.idempotency_key
        payload = event_payload(event)
        digest = payload_digest(payload)
        if key in known:
            if known[key] == digest:
                results.append(ItemResult(index, key, "duplicate"))
            else:
                results.append(ItemResult(index, key, "rejected", "idempotency_key",
                                          "already used by a different event; give a new event a new key"))
            continue
        problem = _refused_now(state, event, sender)
        if problem is not None:
            results.append(ItemResult(index, key, "rejected", *problem))
            continue
        subject = state.subjects.get(event.subject.id)
        entry = sealer.entry(payload, sender.key_id, now, subject["event_head"] if subject else NO_EVENTS)
        try:
            apply(state, event, now, head=leaf_hash(canonical(entry)).hex())
        except EventError as error:
            results.append(ItemResult(index, key, "rejected", error.field, error.reason))
            continue
        known[key] = digest
        entries.append(entry)
        event_rows.append({"idempotency_key": key, "digest": digest, "event_type": event.type,
                           "subject_id": event.subject.id, "payload": payload, "occurred_on": event.occurred_on,
                           "recorded_at": now, "source": payload["source"], "key_id": sender.key_id})
        results.append(ItemResult(index, key, "accepted", note=_note(state, event)))
    for row, sealed in zip(event_rows, sealer.seal(entries)):  # one signature for the chunk's receipts
        row.update(entry=sealed.entry, leaf_hash=sealed.leaf, receipt=sealed.receipt)
    _flush(connection, state, event_rows)
    if event_rows:
        _write_rows(connection, state, rows)
    return results


def _refused_now(state: State, event: Event, sender: ApiKey) -> tuple[str, str] | None:
    """Why a status event may not apply under the write lock: out of the sender's scope, or dated before its record."""
    record_id = acted_on(event)
    record = state.records.get(record_id) if record_id else None
    if record is None:
        return None  # ``apply`` refuses it, naming the missing record
    problem = refusal(sender, event, record)
    if problem is not None:
        return problem.field, problem.reason
    if event.occurred_on < as_date(record["start"]):
        return "occurred_on", (f"{event.occurred_on} is before record {record_id} started ({record['start']}): "
                               "a record's state cannot change before it exists; send the date of the act")
    return None


def acted_on(event: Event) -> str | None:
    """The record a status event changes, or None."""
    return event.record_id if isinstance(event, StatusEvent) else None


def _note(state: State, event: Event) -> str:
    if type(event) not in RECORD_TYPE_OF:
        return ""
    record = state.records[event.record_id_or_key]  # type: ignore[union-attr]
    return POSSIBLE_MATCH if record["possible_match"] else UNDER_18 if record["under_18"] else ""


def subjects_touched(events: Sequence[Event]) -> set[str]:
    """The subjects whose rows (or records, or relations) the events may change."""
    subject_ids = {event.subject.id for event in events}
    subject_ids.update(event.organisation.id for event in events if isinstance(event, RelationSet | RelationEnded))
    return subject_ids


def _read_state(connection: Connection, events: Sequence[Event]) -> State:
    """The subjects, records and open relations the chunk's events refer to."""
    subject_ids = subjects_touched(events)
    record_ids: set[str] = set()
    persons: set[str] = set()
    for event in events:
        if isinstance(event, RelationSet | RelationEnded):
            persons.add(event.subject.id)
        else:
            record_ids.add(getattr(event, "record_id", None) or event.idempotency_key)
    state = State()
    for row in connection.execute(select(subjects_t).where(subjects_t.c.subject_id.in_(subject_ids))).mappings():
        state.subjects[row["subject_id"]] = dict(row)
    if record_ids:
        for row in connection.execute(select(records_t).where(records_t.c.record_id.in_(record_ids))).mappings():
            state.records[row["record_id"]] = dict(row)
    if persons:
        state.relations = [dict(row) for row in connection.execute(
            select(relations_t).where(relations_t.c.person_id.in_(persons), relations_t.c.end.is_(None))).mappings()]
    return state


def _write_rows(connection: Connection, state: State, rows: dict[str, dict[str, list[Any]]]) -> None:
    """The ``subject_facts`` rows of the subjects the chunk changed: read before it, the chunk's records put in."""
    changed = {*state.bumps, *state.changed_subjects, *state.new_subjects}
    stored = rows.keys() & changed
    for record_id in [*state.new_records, *state.changed_records]:
        record = state.records[record_id]
        rows.setdefault(record["subject_id"], {})[record_id] = facts_rows.record_values(record)
    facts_rows.write(connection, {s: state.subjects[s] for s in changed}, rows, stored)


def _flush(connection: Connection, state: State, event_rows: list[dict[str, Any]]) -> None:
    if not event_rows:
        return
    # subjects before events: the transaction holds an id before it takes a seq
    # (jrp.adapters.facts.change_feed relies on it)
    if state.new_subjects:
        connection.execute(insert(subjects_t), [state.subjects[s] for s in state.new_subjects])
    # bumped subjects, and organisations whose missing name a relation_set filled in
    existing = sorted({*state.bumps, *state.changed_subjects} - state.new_subjects)
    if existing:
        connection.execute(
            update(subjects_t).where(subjects_t.c.subject_id == bindparam("b_id")).values(
                facts_version=subjects_t.c.facts_version + bindparam("b_n"),
                name=bindparam("b_name"), subject_type=bindparam("b_type"), event_head=bindparam("b_head")),
            [{"b_id": s, "b_n": state.bumps.get(s, 0), "b_name": state.subjects[s]["name"],
              "b_type": state.subjects[s]["subject_type"], "b_head": state.subjects[s]["event_head"]}
             for s in existing],
        )
    connection.execute(insert(events_t), event_rows)
    created = set(state.new_records)
    if created:
        connection.execute(insert(records_t), [state.records[r] for r in state.new_records])
    changed = [r for r in state.changed_records if r not in created]
    if changed:
        connection.execute(
            update(records_t).where(records_t.c.record_id == bindparam("b_id")).values(
                {column: bindparam(f"b_{column}") for column in MUTABLE_RECORD_COLUMNS}),
            [{"b_id": r, **{f"b_{c}": state.records[r][c] for c in MUTABLE_RECORD_COLUMNS}} for r in changed],
        )
    new_relations = [{k: v for k, v in row.items() if k != "id"} for row in state.relations if row["id"] is None]
    if new_relations:
        connection.execute(insert(relations_t), new_relations)
    ended = [row for row in state.ended_relations if row["id"] is not None]
    if ended:
        connection.execute(update(relations_t).where(relations_t.c.id == bindparam("b_id")).values(end=bindparam("b_end")),
                           [{"b_id": row["id"], "b_end": row["end"]} for row in ended])
