"""The outbox: notifications and one delivery per sink, written in the transaction of the re-evaluation.

A delivery is ``pending`` until a sink confirms it (``delivered``) or its retries run out (``dead``,
the dead letter, which an operator or the subscriber can send again). Dispatchers of every process
claim due deliveries under a lease (``lease_holder``/``lease_until``; PostgreSQL ``FOR UPDATE SKIP
LOCKED``, SQLite's single writer): two processes never send the same delivery at once, and one
killed mid-send leaves its claims to lapse and be taken again — at least once, never lost, with the
same notification id (the ``webhook-id`` and AMQP ``message_id``) so a receiver drops duplicates.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, select, update

from jrp.adapters.store.dbapi import Driver
from jrp.adapters.tracking.tables import deliveries_t, notifications_t

Statement = tuple[str, list[tuple]]
INSERT_NOTIFICATION = ("INSERT INTO notifications (notification_id, subscription_id, owner_key_id, created_at, body) "
                       "VALUES (?, ?, ?, ?, ?)")
INSERT_DELIVERY = ("INSERT INTO deliveries (notification_id, sink, target, state, attempts, next_attempt_at, lease_until) "
                   "VALUES (?, ?, ?, 'pending', 0, ?, 0)")
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


@dataclass(frozen=True)
class Outgoing:
    """A notification to write: its body, whose it is, and where each sink sends it."""

    notification_id: str
    subscription_id: str
    owner_key_id: str
    body: bytes
    targets: tuple[tuple[str, str], ...]  # (sink, target)


def new_notification_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def writes(outgoing: Sequence[Outgoing], now: float) -> list[Statement]:
    return [(INSERT_NOTIFICATION, [(o.notification_id, o.subscription_id, o.owner_key_id, now, o.body.decode())
                                   for o in outgoing]),
            (INSERT_DELIVERY, [(o.notification_id, sink, target, now) for o in outgoing for sink, target in o.targets])]


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    notification_id: str
    owner_key_id: str
    sink: str
    target: str
    attempts: int
    first_attempt_at: float | None
    body: bytes


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, retried for ``retry_for`` seconds after the first attempt."""

    base: float = 5.0
    cap: float = 3600.0
    retry_for: float = 24 * 3600.0

    def next_at(self, attempts: int, first_attempt_at: float, now: float) -> float | None:
        """When to try again after ``attempts`` failures, or None: the retries are over (dead letter)."""
        if now - first_attempt_at >= self.retry_for:
            return None
        delay = min(self.cap, self.base * 2 ** (attempts - 1))
        return now + delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not a secret


class Outbox:
    def __init__(self, engine: Engine, backoff: Backoff = Backoff()):
        self.engine = engine
        self.driver = Driver(engine)
        self.backoff = backoff

    def claim(self, holder: str, limit: int, lease: float) -> list[Claimed]:
        """Take up to ``limit`` due deliveries for ``lease`` seconds (none another live holder has)."""
        now = time.time()
        pick = ("SELECT delivery_id FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ? AND lease_until < ? "
                "ORDER BY next_attempt_at LIMIT ?" + (" FOR UPDATE SKIP LOCKED" if self.driver.postgres else ""))
        with self.driver.connection() as connection:
            cursor = connection.cursor()
            try:
                if not self.driver.postgres:
                    cursor.execute("BEGIN IMMEDIATE")
                cursor.execute(self.driver.sql(f"UPDATE deliveries SET lease_holder = ?, lease_until = ? "
                                               f"WHERE delivery_id IN ({pick}) RETURNING delivery_id"),
                               (holder, now + lease, now, now, limit))
                ids = [row[0] for row in cursor.fetchall()]
                connection.commit()
            finally:
                cursor.close()
        if not ids:
            return []
        query = (select(deliveries_t, notifications_t.c.owner_key_id, notifications_t.c.body)
                 .join(notifications_t, notifications_t.c.notification_id == deliveries_t.c.notification_id)
                 .where(deliveries_t.c.delivery_id.in_(ids)).order_by(deliveries_t.c.delivery_id))
        with self.engine.connect() as connection:
            return [Claimed(r.delivery_id, r.notification_id, r.owner_key_id, r.sink, r.target, r.attempts,
                            r.first_attempt_at, r.body.encode()) for r in connection.execute(query)]

    def delivered(self, done: Sequence[Claimed], holder: str) -> None:
        """Mark deliveries confirmed by their sinks, in one transaction."""
        if not done:
            return
        now = time.time()
        with self.driver.connection() as connection:
            cursor = connection.cursor()
            try:
                cursor.executemany(self.driver.sql(
                    "UPDATE deliveries SET state = 'delivered', attempts = ?, delivered_at = ?, first_attempt_at = ?, "
                    "last_error = NULL, lease_until = 0, lease_holder = NULL WHERE delivery_id = ? AND lease_holder = ?"),
                    [(c.attempts + 1, now, c.first_attempt_at or now, c.delivery_id, holder) for c in done])
                connection.commit()
            finally:
                cursor.close()

    def failed(self, claimed: Claimed, holder: str, error: str) -> str:
        """Record a failed attempt: retried later, or dead once the retries are over; returns the new state."""
        now = time.time()
        first = claimed.first_attempt_at or now
        attempts = claimed.attempts + 1
        next_at = self.backoff.next_at(attempts, first, now)
        state = PENDING if next_at is not None else DEAD
        self._finish(claimed, holder, state=state, attempts=attempts, first_attempt_at=first,
                     next_attempt_at=next_at or now, last_error=error[:1000])
        return state

    def _finish(self, claimed: Claimed, holder: str, **values: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(deliveries_t).where(and_(deliveries_t.c.delivery_id == claimed.delivery_id,
                                                               deliveries_t.c.lease_holder == holder))
                               .values(lease_until=0, lease_holder=None, **values))

    def redeliver(self, notification_id: str) -> int:
        """Send a notification again: its dead (or delivered) deliveries back to pending, due now."""
        with self.engine.begin() as connection:
            return connection.execute(
                update(deliveries_t).where(deliveries_t.c.notification_id == notification_id)
                .values(state=PENDING, attempts=0, first_attempt_at=None, next_attempt_at=time.time(),
                        lease_until=0, lease_holder=None)).rowcount

    def get(self, notification_id: str) -> dict[str, Any] | None:
        found = self._notifications(notifications_t.c.notification_id == notification_id, 1)
        return found[0] if found else None

    def of_subscription(self, subscription_id: str, limit: int = 100) -> list[dict[str, Any]]:
        return self._notifications(notifications_t.c.subscription_id == subscription_id, limit)

    def recent(self, owner_key_id: str | None, limit: int = 50) -> list[dict[str, Any]]:
        where = notifications_t.c.owner_key_id == owner_key_id if owner_key_id else notifications_t.c.seq > 0
        return self._notifications(where, limit)

    def dead_letters(self, owner_key_id: str | None, limit: int = 100) -> list[dict[str, Any]]:
        dead = select(deliveries_t.c.notification_id).where(deliveries_t.c.state == DEAD)
        where = notifications_t.c.notification_id.in_(dead)
        if owner_key_id:
            where = and_(where, notifications_t.c.owner_key_id == owner_key_id)
        return self._notifications(where, limit)

    def _notifications(self, where: Any, limit: int) -> list[dict[str, Any]]:
        """Newest first, each with its body and the state of each of its deliveries."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(notifications_t).where(where)
                                      .order_by(notifications_t.c.seq.desc()).limit(limit)).all()
            ids = [row.notification_id for row in rows]
            deliveries: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
            if ids:
                for d in connection.execute(select(deliveries_t).where(deliveries_t.c.notification_id.in_(ids))
                                            .order_by(deliveries_t.c.delivery_id)):
                    deliveries[d.notification_id].append(
                        {"sink": d.sink, "target": d.target, "state": d.state, "attempts": d.attempts,
                         "next_attempt_at": d.next_attempt_at if d.state == PENDING else None,
                         "last_error": d.last_error, "delivered_at": d.delivered_at})
        return [{"notification_id": row.notification_id, "subscription_id": row.subscription_id,
                 "owner_key_id": row.owner_key_id, "created_at": row.created_at, "body": json.loads(row.body),
                 "deliveries": deliveries[row.notification_id]} for row in rows]
