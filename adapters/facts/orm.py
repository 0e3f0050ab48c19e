"""Tables of the subject facts store (SQLAlchemy 2 typed ORM).

``events`` is the history: append-only, one row per accepted administrative event.
``subjects``, ``relations`` and ``records`` are projections of it, updated in the same
transaction as the event is appended, so reads never replay history. The schema is
created by the Alembic migrations in ``adapters/store/migrations/``; keep both in step.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, Index, Integer, LargeBinary, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = String(64)  # a USCC, a resident ID or a masked resident ID (possible matches)
Json = JSON().with_variant(JSONB(), "postgresql")
Seq = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only


class Base(DeclarativeBase):
    pass


class SubjectRow(Base):
    """A credit subject; ``facts_version`` counts the subject's events, ``event_head`` names the last one.

    The facts version checks and decisions use is made of ``event_head`` (``jrp.adapters.facts.source``).
    """

    __tablename__ = "subjects"

    subject_id: Mapped[str] = mapped_column(ID, primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(300), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    facts_version: Mapped[int] = mapped_column(Integer, default=0)
    event_head: Mapped[str] = mapped_column(String(64), default="")  # leaf hash of its last event (hex)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RelationRow(Base):
    """A person's role in an organisation; ended roles keep their row (history), new ones add rows."""

    __tablename__ = "relations"
    __table_args__ = (Index("ix_relations_person_id", "person_id"), Index("ix_relations_entity_id", "entity_id"))

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    entity_id: Mapped[str] = mapped_column(ID)
    person_id: Mapped[str] = mapped_column(ID)
    role: Mapped[str] = mapped_column(String(64))
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)


class EventRow(Base):
    """One accepted event, never updated or deleted; ``digest`` tells a re-send from a conflicting reuse.

    ``key_id`` names the API key that sent it (``"before attribution"`` for events stored before keys
    were recorded, ``cli:<login>`` for the terminal), ``recorded_at`` when it was received.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_subject_id", "subject_id"),)

    seq: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(ID)
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[dict[str, Any]] = mapped_column(Json)
    key_id: Mapped[str] = mapped_column(String(64))
    # the event as a leaf of the decision log (jrp.adapters.log.event_leaves): its entry, leaf hash, signed receipt
    entry: Mapped[str | None] = mapped_column(Text)
    leaf_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    receipt: Mapped[str | None] = mapped_column(Text)
    leaf_index: Mapped[int | None] = mapped_column(Seq, unique=True)


class RecordRow(Base):
    """A record as it stands now: the fields of ``jrp.engine.facts.Record`` plus provenance.

    ``under_18`` flags records dated before the person's 18th birthday (kept, but the
    engine excludes them). ``possible_match`` rows hang on a masked ID: they are never
    part of a subject's facts, only offered for review through ``review_key``.
    """

    __tablename__ = "records"
    __table_args__ = (Index("ix_records_subject_id", "subject_id"), Index("ix_records_review_key", "review_key"))

    record_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    subject_id: Mapped[str] = mapped_column(ID)
    record_type: Mapped[str] = mapped_column(String(20))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    list_id: Mapped[str | None] = mapped_column(String(100))
    severity: Mapped[int | None] = mapped_column(Integer)
    domain: Mapped[str | None] = mapped_column(String(100))
    procedure: Mapped[str | None] = mapped_column(String(20))
    impact: Mapped[str | None] = mapped_column(String(20))
    amount: Mapped[float | None] = mapped_column(Float)
    authority: Mapped[str] = mapped_column(String(300), default="")
    doc_no: Mapped[str] = mapped_column(String(300), default="")
    region: Mapped[str | None] = mapped_column(String(20))
    first_violation: Mapped[bool] = mapped_column(Boolean, default=False)
    corrected_in_time: Mapped[bool] = mapped_column(Boolean, default=False)
    scheme: Mapped[str | None] = mapped_column(String(100))
    grade: Mapped[str | None] = mapped_column(String(40))
    value: Mapped[float | None] = mapped_column(Float)
    matter: Mapped[str | None] = mapped_column(String(300))
    commitment_state: Mapped[str | None] = mapped_column(String(20))
    commitment_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_date: Mapped[date | None] = mapped_column(Date)
    objection: Mapped[str] = mapped_column(String(20), default="none")
    objection_date: Mapped[date | None] = mapped_column(Date)
    # scope of the decision (精准惩戒); lists of values are stored space-separated
    sanctions: Mapped[str | None] = mapped_column(String(300))
    ground: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(20))
    project_type: Mapped[str | None] = mapped_column(String(20))
    persons: Mapped[str | None] = mapped_column(Text)
    rectification_due: Mapped[date | None] = mapped_column(Date)
    rectified_on: Mapped[date | None] = mapped_column(Date)
    under_18: Mapped[bool] = mapped_column(Boolean, default=False)
    possible_match: Mapped[bool] = mapped_column(Boolean, default=False)
    subject_name: Mapped[str] = mapped_column(String(300), default="")
    review_key: Mapped[str | None] = mapped_column(String(400))
    raw: Mapped[dict[str, Any] | None] = mapped_column(Json)  # the imported source row, verbatim (None if native)


class SubjectFactsRow(Base):
    """A subject's facts in one row: its own, its event head and its records, as ``jrp.adapters.facts.facts_rows``
    encodes them; written in the transaction of the events that change them, so a check reads one row."""

    __tablename__ = "subject_facts"

    subject_id: Mapped[str] = mapped_column(ID, primary_key=True)
    facts: Mapped[bytes] = mapped_column(LargeBinary)
