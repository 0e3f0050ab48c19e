"""Subscriptions as stored: the watch, the last answer notified, the next date time may change it.

Writes that belong with a decision-log append (a subscription created with its baseline decision, an
answer moved on with the decision that changed it) are returned as statements for
``DecisionLogStore.append(also=…)``, so they commit in the same transaction as the decisions.

A natural person is kept as the decision log keeps them (``jrp.adapters.log.crypto.personal_data``): the
``subject_id`` column holds the keyed pseudonym ``DecisionLogStore.pseudonym`` gives, the watch its
pseudonyms (id, name), and the originals are sealed beside them (``personal``: AES-256-GCM by the key that
wraps the log's data keys, bound to the subscription id). Reads give the watch back with the originals, and
lookups take clear ids, so the tracker and the surfaces never see a pseudonym. Erasing a person
(``forget_persons``, run by the facts erasure) drops the sealed originals and pseudonymises the notifications:
the subscription then watches the pseudonym, as the erased facts are kept by it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from jrp.adapters.facts.orm import RelationRow
from jrp.adapters.log.crypto.personal_data import PersonalDataKey, Pseudonymiser, view
from jrp.adapters.store.dbapi import Driver
from jrp.adapters.tracking.tables import notifications_t, subscriptions_t, tracking_cursor_t
from jrp.engine.codec import canonical
from jrp.tracking.answers import Answer
from jrp.tracking.watches import Subscription, Watch

Statement = tuple[str, list[tuple]]
INSERT = ("INSERT INTO subscriptions (subscription_id, owner_key_id, created_at, subject_id, request, personal, "
          "jurisdiction, watch_until, webhook_url, answer, decision_id, bundle_hash, next_change) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
MOVE_ON = "UPDATE subscriptions SET answer = ?, decision_id = ?, bundle_hash = ?, next_change = ? WHERE subscription_id = ?"
RESCHEDULE = "UPDATE subscriptions SET bundle_hash = ?, next_change = ? WHERE subscription_id = ?"
PRIVACY_CURSOR = "privacy"  # set once the subscriptions stored before 0018 are pseudonymised
relations_t = RelationRow.__table__


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


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


class SubscriptionStore:
    def __init__(self, engine: Engine, personal: PersonalDataKey):
        self.engine = engine
        self.driver = Driver(engine)
        self.personal = personal
        self.pseudonyms: Pseudonymiser = personal.pseudonymiser()  # the decision log's: the same pseudonyms

    def pseudonym(self, subject_id: str) -> str:
        """How ``subject_id`` is stored (a natural person by pseudonym), as ``DecisionLogStore.pseudonym`` gives it."""
        return self.pseudonyms.protect(subject_id, {})

    def inserts(self, subscriptions: Sequence[Subscription]) -> Statement:
        return INSERT, [(s.subscription_id, s.owner_key_id, s.created_at, self.pseudonym(s.watch.subject.id),
                         *self._protected(s.subscription_id, s.watch.as_json()), s.watch.jurisdiction,
                         _iso(s.watch_until), s.webhook_url, json.dumps(s.answer.as_json()), s.decision_id,
                         s.bundle_hash, _iso(s.next_change)) for s in subscriptions]

    def _protected(self, subscription_id: str, request: dict[str, Any]) -> tuple[str, str | None]:
        """The watch as stored (pseudonyms) and its originals sealed, None if it has none."""
        originals: dict[str, str] = {}
        stored = self.pseudonyms.protect(request, originals)
        if not originals:
            return json.dumps(stored), None
        sealed = self.personal.wrap(canonical(originals), _bound_to(subscription_id))
        return json.dumps(stored), base64.b64encode(sealed).decode()

    def _subscription(self, row: Any) -> Subscription:
        request = json.loads(row.request)
        if row.personal:
            originals = orjson.loads(self.personal.unwrap(base64.b64decode(row.personal), _bound_to(row.subscription_id)))
            request = view(request, originals, True)
        return Subscription(row.subscription_id, row.owner_key_id, Watch.from_json(request),
                            Answer.from_json(json.loads(row.answer)), row.decision_id, row.bundle_hash, row.created_at,
                            row.watch_until and date.fromisoformat(row.watch_until), row.webhook_url,
                            row.next_change and date.fromisoformat(row.next_change))

    def _read(self, query: Any) -> list[Subscription]:
        with self.engine.connect() as connection:
            return [self._subscription(row) for row in connection.execute(query)]

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
            return [(row.seq, self._subscription(row)) for row in connection.execute(query)]

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
        """Subscriptions watching any of ``subject_ids`` (clear ids, pseudonymised here)."""
        found: list[Subscription] = []
        for chunk in _chunks(sorted({self.pseudonym(subject_id) for subject_id in subject_ids})):
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

    def protect_existing(self) -> int:
        """Pseudonymise the subscriptions stored before subject ids were (once: a cursor records it); how many
        held a natural person."""
        if self.cursor(PRIVACY_CURSOR) is not None:
            return 0
        protected = 0
        try:
            with self.engine.begin() as connection:
                for row in connection.execute(select(subscriptions_t)
                                              .where(subscriptions_t.c.personal.is_(None))).all():
                    request, personal = self._protected(row.subscription_id, json.loads(row.request))
                    if personal is not None:
                        connection.execute(update(subscriptions_t).where(subscriptions_t.c.seq == row.seq).values(
                            subject_id=self.pseudonym(row.subject_id), request=request, personal=personal))
                        protected += 1
                connection.execute(tracking_cursor_t.insert().values(name=PRIVACY_CURSOR,
                                                                     value=json.dumps({"done": True})))
        except IntegrityError:  # another host migrating the same store did it first
            return 0
        return protected


def forget_persons(connection: Connection, pseudonyms: Pseudonymiser, persons: Mapping[str, str]) -> int:
    """Erasure of natural persons (``persons``: clear id → its id pseudonym): their subscriptions lose the sealed
    originals and watch the pseudonym, their notifications keep only pseudonyms. How many subscriptions."""
    tokens = {token: token for token in persons.values()} | dict(persons)  # stored by pseudonym or, not a
    erased = 0  # resident ID (kept in clear by the log too), by id
    for chunk in _chunks(sorted(tokens)):
        rows = connection.execute(select(subscriptions_t.c.seq, subscriptions_t.c.subscription_id,
                                         subscriptions_t.c.subject_id, subscriptions_t.c.request)
                                  .where(subscriptions_t.c.subject_id.in_(chunk))).all()
        for seq, subscription_id, subject_id, request in rows:
            connection.execute(update(subscriptions_t).where(subscriptions_t.c.seq == seq).values(
                subject_id=tokens[subject_id], personal=None,
                request=json.dumps(_forgotten(json.loads(request), tokens[subject_id], pseudonyms))))
            for n_seq, body in connection.execute(select(notifications_t.c.seq, notifications_t.c.body)
                                                  .where(notifications_t.c.subscription_id == subscription_id)).all():
                data = orjson.loads(body)
                data["data"] = _forgotten(data["data"], tokens[subject_id], pseudonyms)
                connection.execute(update(notifications_t).where(notifications_t.c.seq == n_seq)
                                   .values(body=orjson.dumps(data).decode()))
        erased += len(rows)
    return erased


def _forgotten(watched: dict[str, Any], token: str, pseudonyms: Pseudonymiser) -> dict[str, Any]:
    """A watch or a notification's data with its subject's id the erased pseudonym and every other trace of the
    person pseudonymised (the subject read as a natural person, whatever its id looks like)."""
    subject = {**watched["subject"], "id": token, "type": "natural_person"}
    return pseudonyms.protect({**watched, "subject": subject}, {})


def _bound_to(subscription_id: str) -> str:
    return f"subscription:{subscription_id}"


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
