"""Subscriptions as stored: the watch, the last answer notified, the next date time may change it.

Writes that belong with a decision-log append (a subscription created with its baseline decision, an
answer moved on with the decision that changed it) are returned as statements for
``DecisionLogStore.append(also=…)``, so they commit in the same transaction as the decisions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Engine, delete, func, select

from jrp.adapters.facts.orm import RelationRow
from jrp.adapters.store.dbapi import Driver
from jrp.adapters.tracking.tables import subscriptions_t, tracking_cursor_t
from jrp.tracking.answers import Answer
from jrp.tracking.watches import Subscription, Watch

Statement = tuple[str, list[tuple]]
INSERT = ("INSERT INTO subscriptions (subscription_id, owner_key_id, created_at, subject_id, request, jurisdiction, "
          "watch_until, webhook_url, answer, decision_id, bundle_hash, next_change) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
MOVE_ON = "UPDATE subscriptions SET answer = ?, decision_id = ?, bundle_hash = ?, next_change = ? WHERE subscription_id = ?"
RESCHEDULE = "UPDATE subscriptions SET bundle_hash = ?, next_change = ? WHERE subscription_id = ?"
relations_t = RelationRow.__table__


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def inserts(subscriptions: Sequence[Subscription]) -> Statement:
    return INSERT, [(s.subscription_id, s.owner_key_id, s.created_at, s.watch.subject.id, json.dumps(s.watch.as_json()),
                     s.watch.jurisdiction, _iso(s.watch_until), s.webhook_url, json.dumps(s.answer.as_json()),
                     s.decision_id, s.bundle_hash, _iso(s.next_change)) for s in subscriptions]


def moved_on(subscriptions: Iterable[Subscription]) -> Statement:
    """A new answer notified (with the decision that gave it)."""
    return MOVE_ON, [(json.dumps(s.answer.as_json()), s.decision_id, s.bundle_hash, _iso(s.next_change),
                      s.subscription_id) for s in subscriptions]


def rescheduled(subscriptions: Iterable[Subscription]) -> Statement:
    """Re-evaluated, the answer unchanged: only the rules it was evaluated with and the next date move."""
    return RESCHEDULE, [(s.bundle_hash, _iso(s.next_change), s.subscription_id) for s in subscriptions]


def cursor_set(name: str, value: dict[str, Any]) -> Statement:
    """Upsert of a tracker position (events seen, day passed), written with the work it records."""
    return ("INSERT INTO tracking_cursor (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value", [(name, json.dumps(value))])


def cursor_init(name: str, value: dict[str, Any]) -> Statement:
    """A tracker position written only if there is none yet."""
    return ("INSERT INTO tracking_cursor (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            [(name, json.dumps(value))])


def _subscription(row: Any) -> Subscription:
    return Subscription(row.subscription_id, row.owner_key_id, Watch.from_json(json.loads(row.request)),
                        Answer.from_json(json.loads(row.answer)), row.decision_id, row.bundle_hash, row.created_at,
                        row.watch_until and date.fromisoformat(row.watch_until), row.webhook_url,
                        row.next_change and date.fromisoformat(row.next_change))


class SubscriptionStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.driver = Driver(engine)

    def _read(self, query: Any) -> list[Subscription]:
        with self.engine.connect() as connection:
            return [_subscription(row) for row in connection.execute(query)]

    def get(self, subscription_id: str) -> Subscription | None:
        found = self._read(select(subscriptions_t).where(subscriptions_t.c.subscription_id == subscription_id))
        return found[0] if found else None

    def page(self, owner_key_id: str | None, after: int | None, limit: int) -> list[tuple[int, Subscription]]:
        """Oldest first, ``limit`` after the cursor ``after`` (a ``seq``); every owner's if ``owner_key_id`` is None."""
        query = select(subscriptions_t).order_by(subscriptions_t.c.seq).limit(limit)
        if owner_key_id is not None:
            query = query.where(subscriptions_t.c.owner_key_id == owner_key_id)
        if after is not None:
            query = query.where(subscriptions_t.c.seq > after)
        with self.engine.connect() as connection:
            return [(row.seq, _subscription(row)) for row in connection.execute(query)]

    def counts_by_owner(self) -> dict[str, int]:
        query = select(subscriptions_t.c.owner_key_id, func.count()).group_by(subscriptions_t.c.owner_key_id)
        with self.engine.connect() as connection:
            return {owner: n for owner, n in connection.execute(query)}

    def delete(self, subscription_id: str) -> bool:
        with self.engine.begin() as connection:
            return connection.execute(
                delete(subscriptions_t).where(subscriptions_t.c.subscription_id == subscription_id)).rowcount == 1

    def due(self, today: date, limit: int) -> list[Subscription]:
        """Subscriptions whose answer may have changed by ``today`` (one index range)."""
        return self._read(select(subscriptions_t).where(subscriptions_t.c.next_change <= today.isoformat())
                          .order_by(subscriptions_t.c.next_change).limit(limit))

    def related(self, subject_ids: Iterable[str]) -> dict[str, set[str]]:
        """Each of ``subject_ids`` and every person or organisation related to one of them (a relation in the
        store, ended or not), with the ids of theirs it is related to: whose answers an event may change."""
        reach: dict[str, set[str]] = {subject_id: set() for subject_id in subject_ids}
        with self.engine.connect() as connection:
            for chunk in _chunks(sorted(reach)):
                for person, entity in connection.execute(
                        select(relations_t.c.person_id, relations_t.c.entity_id)
                        .where(relations_t.c.person_id.in_(chunk) | relations_t.c.entity_id.in_(chunk))):
                    reach.setdefault(person, set()).add(entity)
                    reach.setdefault(entity, set()).add(person)
        return reach

    def of_subjects(self, subject_ids: Iterable[str]) -> list[Subscription]:
        """Subscriptions watching any of ``subject_ids``."""
        found: list[Subscription] = []
        for chunk in _chunks(sorted(set(subject_ids))):
            found += self._read(select(subscriptions_t).where(subscriptions_t.c.subject_id.in_(chunk)))
        return found

    def stale_rules(self, current: dict[str, str], limit: int) -> list[Subscription]:
        """Subscriptions evaluated with other rules than ``current`` (bundle hash by jurisdiction)."""
        with self.engine.connect() as connection:
            pairs = connection.execute(select(subscriptions_t.c.jurisdiction, subscriptions_t.c.bundle_hash).distinct()).all()
        stale = [(j, h) for j, h in pairs if current.get(j) not in (None, h)]
        found: list[Subscription] = []
        for jurisdiction, bundle_hash in stale:
            found += self._read(select(subscriptions_t).where(subscriptions_t.c.jurisdiction == jurisdiction,
                                                              subscriptions_t.c.bundle_hash == bundle_hash)
                                .limit(limit - len(found)))
            if len(found) >= limit:
                break
        return found

    def jurisdictions(self) -> list[str]:
        with self.engine.connect() as connection:
            return [j for j, in connection.execute(select(subscriptions_t.c.jurisdiction).distinct())]

    def cursor(self, name: str) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            value = connection.execute(select(tracking_cursor_t.c.value).where(tracking_cursor_t.c.name == name)).scalar()
        return None if value is None else json.loads(value)


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
