"""The tracker's durable tail of the change feed: the events since the position it last committed.

The position (the last ``seq`` read and, on PostgreSQL, the gaps below it: see
``jrp.adapters.facts.change_feed``) is written in the transaction that records what the events
caused, so a tracker killed anywhere resumes where its last committed work ended: an event is
re-evaluated at least once, and a notification is written at most once for it (re-evaluating an
answer already moved on finds no change).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from jrp.adapters.facts.change_feed import resume_tail
from jrp.adapters.facts.orm import EventRow

events_t = EventRow.__table__
CURSOR = "events"


@dataclass(frozen=True)
class SeenEvent:
    seq: int
    subject_id: str
    organisation: str | None
    event_id: str  # the sender's idempotency key


class EventTail:
    def __init__(self, engine: Engine, position: dict[str, Any] | None, page: int = 1000):
        self.engine = engine
        self.page = page
        self._tail = resume_tail(engine, page, position)
        self.committed = self._tail.position()

    def read(self) -> tuple[list[SeenEvent], dict[str, Any]]:
        """The next events (up to a page) and the position after them; commit it with their work, then call
        ``advanced`` (or ``rewind`` if that failed)."""
        rows = self._tail.read().rows
        keys: dict[int, str] = {}
        if rows:
            with self.engine.connect() as connection:
                query = select(events_t.c.seq, events_t.c.idempotency_key).where(events_t.c.seq.in_([r[0] for r in rows]))
                keys = dict(connection.execute(query).all())
        return [SeenEvent(seq, subject, organisation, keys.get(seq, "")) for seq, subject, organisation in rows], \
            self._tail.position()

    def advanced(self, position: dict[str, Any]) -> None:
        self.committed = position

    def rewind(self) -> None:
        """Back to the last committed position (the work of the events read since was not committed)."""
        self._tail.close()
        self._tail = resume_tail(self.engine, self.page, self.committed)
