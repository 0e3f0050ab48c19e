"""Events → current state: the one place that knows what each event does to subjects,
relations and records.

Both the write path (``ingest``, which projects a chunk of events onto the rows it
read, then writes what changed) and ``facts_as_of`` (which replays the history up to a
past time) go through :func:`apply`, so the projection and the history cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jrp.adapters.facts.events import (
    CommitmentBreached,
    CommitmentFulfilled,
    CommitmentMade,
    EvaluationPublished,
    Event,
    EventError,
    ListEntryAdded,
    ListEntryRemoved,
    ObjectionFiled,
    ObjectionResolved,
    PenaltyIssued,
    PenaltyRevoked,
    PointsRecorded,
    RectificationAccepted,
    RelationEnded,
    RelationSet,
    RepairCompleted,
    ScorePublished,
    SubjectRef,
    SubjectRegistered,
)
from jrp.adapters.facts.identity import birth_date_of, is_erased_id, review_key, subject_type_of
from jrp.vocabulary.periods import add_years
from jrp.vocabulary.records import CommitmentState, ObjectionState, RecordStatus, RecordType
from jrp.vocabulary.subjects import SubjectType

Row = dict[str, Any]

RECORD_TYPE_OF = {
    ListEntryAdded: RecordType.list_entry,
    PenaltyIssued: RecordType.penalty,
    CommitmentMade: RecordType.commitment,
    EvaluationPublished: RecordType.evaluation,
    PointsRecorded: RecordType.points,
    ScorePublished: RecordType.score,
}
DISHONESTY = {RecordType.list_entry, RecordType.penalty, RecordType.judgment, RecordType.commitment, RecordType.points}
# status event → (new status, record types it may act on)
STATUS_CHANGES = {
    ListEntryRemoved: (RecordStatus.removed, {RecordType.list_entry}),
    PenaltyRevoked: (RecordStatus.revoked, {RecordType.penalty, RecordType.judgment, RecordType.list_entry}),
    RepairCompleted: (RecordStatus.repaired, DISHONESTY),
}
MUTABLE_RECORD_COLUMNS = ("status", "status_date", "objection", "objection_date", "commitment_state", "commitment_date",
                          "rectified_on")
RECTIFIABLE = {RecordType.list_entry, RecordType.penalty}


@dataclass
class State:
    """Rows of the subjects, records and relations an event batch touches, and what changed.

    ``relations`` rows carry ``id`` None until written.
    """

    subjects: dict[str, Row] = field(default_factory=dict)
    records: dict[str, Row] = field(default_factory=dict)
    relations: list[Row] = field(default_factory=list)
    new_subjects: set[str] = field(default_factory=set)
    changed_subjects: set[str] = field(default_factory=set)
    bumps: dict[str, int] = field(default_factory=dict)
    new_records: list[str] = field(default_factory=list)
    changed_records: set[str] = field(default_factory=set)
    ended_relations: list[Row] = field(default_factory=list)


def apply(state: State, event: Event, now: datetime, head: str | None = None) -> None:
    """Project ``event`` onto ``state``; :class:`EventError` (state untouched) if it cannot apply.

    ``head``: the event's leaf hash (``jrp.adapters.log.event_leaves``), which becomes its subject's event head.
    """
    if isinstance(event, RelationSet | RelationEnded):
        _apply_relation(state, event, now)
    elif isinstance(event, SubjectRegistered):
        _apply_subject(state, event.subject, now, authoritative=True)
    elif type(event) in RECORD_TYPE_OF:
        if event.record_id_or_key in state.records:  # type: ignore[union-attr]
            raise EventError("record_id", f"record {event.record_id_or_key!r} already exists; "  # type: ignore[union-attr]
                                          "use a status event to change it, or another record_id")
        _apply_subject(state, event.subject, now)
        state.records[event.record_id_or_key] = new_record(event, state.subjects[event.subject.id])  # type: ignore[union-attr]
        state.new_records.append(event.record_id_or_key)  # type: ignore[union-attr]
    else:
        changes = _status_changes(state, event)
        _apply_subject(state, event.subject, now)
        state.records[event.record_id].update(changes)  # type: ignore[union-attr]
        state.changed_records.add(event.record_id)  # type: ignore[union-attr]
    subject_id = event.subject.id
    state.bumps[subject_id] = state.bumps.get(subject_id, 0) + 1
    state.subjects[subject_id]["facts_version"] += 1
    if head is not None:
        state.subjects[subject_id]["event_head"] = head


def _apply_subject(state: State, ref: SubjectRef, now: datetime, authoritative: bool = False) -> None:
    """Create the subject on first sight; a registration may rename or retype it."""
    row = state.subjects.get(ref.id)
    if row is None:
        subject_type = SubjectType.natural_person if ref.masked else (ref.type or subject_type_of(ref.id))
        known = subject_type is SubjectType.natural_person and not ref.masked and not is_erased_id(ref.id)
        birth = birth_date_of(ref.id) if known else None  # an erased person's birth date is erased with them
        state.subjects[ref.id] = {"subject_id": ref.id, "subject_type": subject_type.value, "name": ref.name or "",
                                  "birth_date": birth, "facts_version": 0, "event_head": "", "created_at": now}
        state.new_subjects.add(ref.id)
        return
    if ref.name and (authoritative or not row["name"]):
        row["name"] = ref.name
        state.changed_subjects.add(ref.id)
    if ref.type and authoritative:
        row["subject_type"] = ref.type.value
        state.changed_subjects.add(ref.id)


def _apply_relation(state: State, event: RelationSet | RelationEnded, now: datetime) -> None:
    person, organisation = event.subject.id, event.organisation.id
    open_rows = [r for r in state.relations if r["person_id"] == person and r["entity_id"] == organisation
                 and r["role"] == event.role and r["end"] is None]
    if isinstance(event, RelationEnded):
        if not open_rows:
            raise EventError("organisation.id", f"{event.subject.id} holds no open {event.role!r} role in "
                                                f"{organisation}; send relation_set first")
        _apply_subject(state, event.subject, now)
        for row in open_rows:
            row["end"] = event.end or event.occurred_on
            state.ended_relations.append(row)
        return
    if open_rows:
        raise EventError("role", f"{event.subject.id} already holds {event.role!r} in {organisation} since "
                                 f"{open_rows[0]['start']}; end it first")
    _apply_subject(state, event.subject, now)
    _apply_subject(state, event.organisation, now)
    state.relations.append({"id": None, "entity_id": organisation, "person_id": person, "role": event.role,
                            "start": event.start or event.occurred_on, "end": None})


def new_record(event: Any, subject: Row) -> Row:
    """The records row an event creates (every column, so Core inserts need no defaults)."""
    start: date = event.start or event.occurred_on
    record_type = RECORD_TYPE_OF[type(event)]
    birth = subject["birth_date"]
    masked = event.subject.masked
    name = event.subject.name or subject["name"]
    severity = getattr(event, "severity", None)
    return {
        "record_id": event.record_id_or_key, "subject_id": event.subject.id, "record_type": record_type.value,
        "start": start, "end": event.end, "list_id": getattr(event, "list_id", None),
        "severity": int(severity) if severity is not None else None,
        "domain": getattr(event, "domain", None), "procedure": _value(getattr(event, "procedure", None)),
        "impact": _value(getattr(event, "impact", None)), "amount": getattr(event, "amount", None),
        "authority": event.source.authority, "doc_no": event.source.doc_no, "region": event.region,
        "first_violation": getattr(event, "first_violation", False),
        "corrected_in_time": getattr(event, "corrected_in_time", False),
        "scheme": getattr(event, "scheme", None), "grade": getattr(event, "grade", None),
        "value": getattr(event, "value", None), "matter": getattr(event, "matter", None),
        "commitment_state": CommitmentState.made.value if record_type is RecordType.commitment else None,
        "commitment_date": None, "status": RecordStatus.active.value, "status_date": None,
        "objection": ObjectionState.none.value, "objection_date": None,
        "sanctions": _joined(v.value for v in getattr(event, "sanctions", ())), "ground": getattr(event, "ground", None),
        "industry": getattr(event, "industry", None), "project_type": _value(getattr(event, "project_type", None)),
        "persons": _joined(getattr(event, "persons", ())), "rectification_due": getattr(event, "rectification_due", None),
        "rectified_on": None,
        "under_18": birth is not None and start < add_years(birth, 18),
        "possible_match": masked, "subject_name": name,
        "review_key": review_key(event.subject.id, name) if masked else None,
        # the source row an importer mapped; a native event's payload is in ``events`` already
        # (copying it here doubled the record rows every cold check reads)
        "raw": event.raw,
    }


def _value(member: Any) -> str | None:
    return member.value if member is not None else None


def _joined(values: Any) -> str | None:
    """Values of a list column, space-separated (None when empty: the source did not say)."""
    return " ".join(values) or None


def _status_changes(state: State, event: Any) -> Row:
    """The column changes a status event makes, after checking it may act on the record."""
    record = state.records.get(event.record_id)
    if record is None:
        raise EventError("record_id", f"no record {event.record_id!r}; send the event that creates it first")
    if record["subject_id"] != event.subject.id:
        raise EventError("subject.id", f"record {event.record_id!r} belongs to {record['subject_id']}, "
                                       f"not {event.subject.id}")
    on = event.occurred_on
    record_type = RecordType(record["record_type"])
    if type(event) in STATUS_CHANGES:
        status, allowed = STATUS_CHANGES[type(event)]
        if record_type not in allowed:
            raise EventError("record_id", f"{event.type} does not apply to a {record_type.value} record; "
                                          f"it applies to {', '.join(sorted(t.value for t in allowed))}")
        _require_active(record, event.record_id)
        return {"status": status.value, "status_date": on}
    if isinstance(event, CommitmentFulfilled | CommitmentBreached):
        if record_type is not RecordType.commitment:
            raise EventError("record_id", f"{event.type} applies to commitment records, not {record_type.value}")
        if record["commitment_state"] != CommitmentState.made.value:
            raise EventError("record_id", f"commitment {event.record_id!r} is already {record['commitment_state']} "
                                          f"(on {record['commitment_date']})")
        state_ = CommitmentState.fulfilled if isinstance(event, CommitmentFulfilled) else CommitmentState.breached
        return {"commitment_state": state_.value, "commitment_date": on}
    if isinstance(event, RectificationAccepted):
        if record_type not in RECTIFIABLE:
            raise EventError("record_id", f"{event.type} applies to list entries and penalties, not {record_type.value}")
        return {"rectified_on": on}
    if isinstance(event, ObjectionFiled):
        if record["objection"] == ObjectionState.open.value:
            raise EventError("record_id", f"an objection to {event.record_id!r} is already open since "
                                          f"{record['objection_date']}")
        return {"objection": ObjectionState.open.value, "objection_date": on}
    assert isinstance(event, ObjectionResolved)
    if record["objection"] != ObjectionState.open.value:
        raise EventError("record_id", f"no open objection to {event.record_id!r}; send objection_filed first")
    if event.outcome == "upheld":
        return {"objection": ObjectionState.upheld.value, "objection_date": on,
                "status": RecordStatus.revoked.value, "status_date": on}
    return {"objection": ObjectionState.rejected.value, "objection_date": on}


def _require_active(record: Row, record_id: str) -> None:
    if record["status"] != RecordStatus.active.value:
        raise EventError("record_id", f"record {record_id!r} is already {record['status']} since {record['status_date']}")
