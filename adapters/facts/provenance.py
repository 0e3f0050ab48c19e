"""Where a subject's facts came from: each of its events with the key that sent it and when it arrived.

A back-dated event shows as such: its ``occurred_on`` sits beside the day it was received,
and one received more than :data:`TIMELY_DAYS` after it occurred is marked ``late`` (Suzhou's
2024 credit tasks count information as timely when provided within 30 days of its creation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select

from jrp.adapters.facts.event_rules import RECORD_EVENTS, china_date
from jrp.adapters.facts.orm import EventRow
from jrp.adapters.store.dbapi import as_date

TIMELY_DAYS = 30
events_t = EventRow.__table__


@dataclass(frozen=True)
class EventOrigin:
    """One stored event of a subject: what it did, who sent it, when it occurred and when it was received."""

    seq: int
    event_type: str
    idempotency_key: str
    record_id: str | None
    occurred_on: date
    received_at: datetime
    key_id: str
    authority: str

    @property
    def days_late(self) -> int:
        """Days between the event's date and the day (China time) it was received."""
        return (china_date(self.received_at) - self.occurred_on).days

    @property
    def late(self) -> bool:
        return self.days_late > TIMELY_DAYS

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "type": self.event_type, "idempotency_key": self.idempotency_key,
                "record_id": self.record_id, "occurred_on": self.occurred_on.isoformat(),
                "received_at": self.received_at.isoformat(), "key_id": self.key_id, "authority": self.authority,
                "days_late": self.days_late, "late": self.late}


def event_origins(engine: Engine, subject_id: str) -> list[EventOrigin]:
    """The subject's own events, oldest first."""
    query = (select(events_t.c.seq, events_t.c.event_type, events_t.c.idempotency_key, events_t.c.payload,
                    events_t.c.occurred_on, events_t.c.recorded_at, events_t.c.key_id, events_t.c.source)
             .where(events_t.c.subject_id == subject_id).order_by(events_t.c.seq))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [EventOrigin(row.seq, row.event_type, row.idempotency_key, _record_of(row),
                        as_date(row.occurred_on) or date.min, _utc(row.recorded_at), row.key_id,
                        (row.source or {}).get("authority", "")) for row in rows]


def _record_of(row: Any) -> str | None:
    """The record an event creates (its ``record_id``, else its key) or acts on; None for other events."""
    return row.payload.get("record_id") or (row.idempotency_key if row.event_type in RECORD_EVENTS else None)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
