"""Events as leaves of the decision log: each accepted event sealed, chained per subject, in the same Merkle tree.

An event's leaf is the canonical JSON of its **entry**::

    {"kind": "event", "event_id": "ev…", "event": <the event, natural persons pseudonymised>,
     "subject": <its subject's id, pseudonymised>, "key_id": <the key that sent it>,
     "received_at": <ISO time>, "prev": <leaf hash of the subject's previous event, hex; "" for the first>}

Natural persons' identifiers (inside longer text too: an idempotency key that embeds one), names and
birth dates are hashed as their keyed pseudonyms (``jrp.adapters.log.crypto.personal_data``; a pseudonym
is left as it is), so overwriting the plaintext of an erased person in
``events``, ``subjects`` or ``relations`` leaves every hash as it was. The row keeps the entry text,
its leaf hash and a receipt signed like a decision's (a row the service did not write has none);
the sequencer gives it the next leaf index (``jrp.adapters.log.tree``) and ``jrp audit verify``
checks it: its leaf in the tree, its receipt, its place in its subject's chain and its columns.

The leaf hash of a subject's last event is the subject's **event head** (``subjects.event_head``),
of which its facts version is made (``jrp.adapters.facts.source.version_string``): a decision names
its facts by the heads of the chains they follow from.

The writer needs the signing key and the pseudonym key, which live outside the database: a
``Runtime`` binds a :class:`EventSealer` to its engine (:func:`bind`). An engine nobody bound (unit
tests of the facts store, which write from several processes) seals with :data:`UNKEYED`, keys derived
from a constant that anyone can compute: its receipts prove nothing, and a service's verification,
which trusts only the service's own key, refuses them.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, select, update

from jrp.access import BEFORE_ATTRIBUTION
from jrp.adapters.facts.erasure import pseudonymised_event
from jrp.adapters.facts.orm import EventRow, SubjectRow
from jrp.adapters.log.crypto.merkle import leaf_hash
from jrp.adapters.log.crypto.personal_data import PersonalDataKey, Pseudonymiser
from jrp.adapters.log.crypto.signing import SignatureError, SigningKey, receipt_statement, sign_receipts, verify_receipt
from jrp.engine.codec import canonical

KIND = "event"
events_t = EventRow.__table__
subjects_t = SubjectRow.__table__
NO_EVENTS = ""  # the head of a subject with no event of its own (an organisation only named by a relation)
PENDING = "SELECT seq, leaf_hash FROM events WHERE leaf_index IS NULL AND leaf_hash IS NOT NULL ORDER BY seq LIMIT ?"
ANY_PENDING = "SELECT seq FROM events WHERE leaf_index IS NULL AND leaf_hash IS NOT NULL"
ASSIGN = "UPDATE events SET leaf_index = ? WHERE seq = ?"


@dataclass(frozen=True)
class Sealed:
    """An event's entry as stored: its text, leaf hash and receipt (JSON)."""

    entry: str
    leaf: bytes
    receipt: str

    @property
    def head(self) -> str:
        return self.leaf.hex()


@dataclass
class EventSealer:
    """Makes events' entries (pseudonymised) and signs their receipts."""

    pseudonyms: Pseudonymiser
    signing_key: SigningKey

    def entry(self, payload: Mapping[str, Any], key_id: str, received_at: datetime, prev: str) -> dict[str, Any]:
        event = self.protected(payload)
        return {"kind": KIND, "event_id": f"ev{uuid.uuid4().hex[:30]}", "event": event,
                "subject": event["subject"]["id"], "key_id": key_id, "received_at": received_at.astimezone(UTC).isoformat(timespec="microseconds"),
                "prev": prev}

    def seal(self, entries: list[dict[str, Any]]) -> list[Sealed]:
        """The stored form of ``entries`` written together (one signature per group of receipts)."""
        texts = [canonical(entry) for entry in entries]
        leaves = [leaf_hash(text) for text in texts]
        receipts = sign_receipts(self.signing_key, [(entry["event_id"], leaf.hex(), entry["received_at"])
                                                    for entry, leaf in zip(entries, leaves)])
        return [Sealed(text.decode(), leaf, orjson.dumps(receipt).decode())
                for text, leaf, receipt in zip(texts, leaves, receipts)]

    def protected(self, payload: Mapping[str, Any]) -> Any:
        """The event as its entry holds it (what ``jrp audit facts`` compares a stored payload with): exactly what
        erasure overwrites an erased person's payload with (``jrp.adapters.facts.erasure.pseudonymised_event``)."""
        return pseudonymised_event(payload, self.pseudonyms)


def unkeyed() -> EventSealer:
    """The sealer of engines no ``Runtime`` bound: public keys, for tests only (see the module docstring)."""
    seed = hashlib.sha256(b"jrp unkeyed event sealer").digest()
    return EventSealer(PersonalDataKey(seed).pseudonymiser(), SigningKey(Ed25519PrivateKey.from_private_bytes(seed)))


_bound: weakref.WeakKeyDictionary[Engine, Callable[[], EventSealer]] = weakref.WeakKeyDictionary()
_made: weakref.WeakKeyDictionary[Engine, EventSealer] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def bind(engine: Engine, factory: Callable[[], EventSealer]) -> None:
    """Seal the events written through ``engine`` with the sealer ``factory`` makes (on first use)."""
    _bound[engine] = factory


def sealer_for(engine: Engine) -> EventSealer:
    with _lock:
        sealer = _made.get(engine)
        if sealer is None:
            factory = _bound.get(engine)
            sealer = factory() if factory is not None else unkeyed()
            _made[engine] = sealer
        return sealer


# --- the migration's carry --------------------------------------------------------------------------------------

def carry(engine: Engine, sealer: EventSealer, page: int = 1000) -> int:
    """Seal the events stored before events were leaves (in ``seq`` order, chained per subject), attributed to
    "before attribution", and set their subjects' heads; returns how many. Does nothing once all are sealed."""
    carried = 0
    while True:
        with engine.begin() as connection:
            rows = connection.execute(select(events_t.c.seq, events_t.c.subject_id, events_t.c.payload,
                                             events_t.c.recorded_at).where(events_t.c.entry.is_(None))
                                      .order_by(events_t.c.seq).limit(page)).all()
            if not rows:
                return carried
            heads = _heads(connection, {row.subject_id for row in rows})
            entries = []
            for row in rows:
                entry = sealer.entry(row.payload, BEFORE_ATTRIBUTION, _utc(row.recorded_at),
                                     heads.get(row.subject_id, NO_EVENTS))
                heads[row.subject_id] = leaf_hash(canonical(entry)).hex()
                entries.append(entry)
            for row, item in zip(rows, sealer.seal(entries)):
                connection.execute(update(events_t).where(events_t.c.seq == row.seq).values(
                    entry=item.entry, leaf_hash=item.leaf, receipt=item.receipt, key_id=BEFORE_ATTRIBUTION))
            for subject_id, head in heads.items():
                connection.execute(update(subjects_t).where(subjects_t.c.subject_id == subject_id)
                                   .values(event_head=head))
            carried += len(rows)


def _heads(connection: Connection, subject_ids: set[str]) -> dict[str, str]:
    rows = connection.execute(select(subjects_t.c.subject_id, subjects_t.c.event_head)
                              .where(subjects_t.c.subject_id.in_(subject_ids))).all()
    return {row.subject_id: row.event_head for row in rows if row.event_head}


# --- the facts audit: each stored event against its sealed entry -----------------------------------------------

EVENT_COLUMNS = (events_t.c.seq, events_t.c.idempotency_key, events_t.c.subject_id, events_t.c.payload,
                 events_t.c.recorded_at, events_t.c.key_id, events_t.c.entry, events_t.c.leaf_hash, events_t.c.receipt)


class EventChains:
    """Stored events (given subject by subject in ``seq`` order) against their entries: the entry's hash and
    signed receipt, its form of the payload, the key and time it names, and its link to the subject's previous
    event. Receipts are trusted when signed by the sealer's key (the service's, as ``jrp audit verify``)."""

    def __init__(self, sealer: EventSealer):
        self.sealer = sealer
        self.heads: dict[str, str] = {}
        self._signed: set[tuple[bytes, bytes]] = set()  # receipt groups already verified

    def problems(self, row: Any) -> list[tuple[str, Any, Any]]:
        """``(column, stored, as logged)`` for each way the row departs from its entry."""
        previous = self.heads.get(row.subject_id, NO_EVENTS)
        if row.entry is None:
            return [("entry", "(none)", "an entry in the decision log: the event was inserted around the service")]
        leaf = leaf_hash(row.entry.encode())
        self.heads[row.subject_id] = leaf.hex()
        try:
            entry = orjson.loads(row.entry)
        except orjson.JSONDecodeError:
            return [("entry", row.entry[:40], "an event entry")]
        found: list[tuple[str, Any, Any]] = []
        if row.leaf_hash is None or bytes(row.leaf_hash) != leaf:
            found.append(("leaf_hash", row.leaf_hash and bytes(row.leaf_hash).hex(), leaf.hex()))
        protected, logged = self.sealer.protected(row.payload), entry.get("event") or {}
        edited = sorted(name for name in protected.keys() | logged.keys() if protected.get(name) != logged.get(name))
        if edited:
            found.append(("payload", {name: protected.get(name) for name in edited},
                          {name: logged.get(name) for name in edited}))
        problem = self._receipt(row.receipt, entry.get("event_id"), leaf)
        if problem:
            found.append(("receipt", problem, "a receipt signed by the service for this entry"))
        if row.key_id != entry.get("key_id"):
            found.append(("key_id", row.key_id, entry.get("key_id")))
        received = _utc(row.recorded_at).isoformat(timespec="microseconds")
        if received != entry.get("received_at"):
            found.append(("recorded_at", received, entry.get("received_at")))
        if entry.get("prev") != previous:
            found.append(("prev", previous or "(first event)", entry.get("prev") or "(first event)"))
        return found


    def _receipt(self, text: str | None, event_id: Any, leaf: bytes) -> str:
        if not text:
            return "none: a row the service did not write"
        try:
            receipt = orjson.loads(text)
            if receipt.get("decision_id") != event_id or receipt.get("entry_hash") != leaf.hex():
                return "for another event or entry"
            _key_id, note, signature = receipt_statement(receipt)
            if (note, signature) not in self._signed:
                verify_receipt(receipt, self.sealer.signing_key.public)
                self._signed.add((note, signature))
        except (orjson.JSONDecodeError, SignatureError, KeyError, TypeError, ValueError) as error:
            return f"does not verify ({error})"
        return ""


# --- verification ----------------------------------------------------------------------------------------------

def rows_between(connection: Connection, first: int, last: int) -> list[dict[str, Any]]:
    """Event rows with ``first <= leaf_index < last``, each marked ``kind`` event, its entry parsed."""
    query = select(events_t.c.seq, events_t.c.idempotency_key, events_t.c.event_type, events_t.c.key_id,
                   events_t.c.recorded_at, events_t.c.entry, events_t.c.leaf_index, events_t.c.receipt) \
        .where(events_t.c.leaf_index >= first, events_t.c.leaf_index < last)
    rows = [dict(row) for row in connection.execute(query).mappings()]
    for row in rows:
        row["kind"] = KIND
        try:
            row["parsed"] = orjson.loads(row["entry"])
        except orjson.JSONDecodeError as error:
            row["parsed"] = ValueError(str(error))
    return rows


@dataclass
class ChainChecker:
    """Per event leaf: its entry, columns and place in its subject's chain (the receipt is checked by the caller)."""

    heads: dict[str, str] = field(default_factory=dict)  # pseudonymised subject → leaf hash of its last event seen

    def check(self, row: Mapping[str, Any], leaf: bytes) -> str:
        entry = row["parsed"]
        if not isinstance(entry, dict) or entry.get("kind") != KIND or not isinstance(entry.get("event"), dict):
            return "the entry is not an event entry"
        edited = [name for name, stored, logged in (
            ("key_id", row["key_id"], entry.get("key_id")),
            ("event_type", row["event_type"], entry["event"].get("type")),
            ("recorded_at", _utc(row["recorded_at"]).isoformat(timespec="microseconds"), entry.get("received_at")))
            if stored != logged]
        subject = str(entry.get("subject"))
        expected = self.heads.get(subject, NO_EVENTS)
        self.heads[subject] = leaf.hex()
        if edited:
            return f"column(s) {', '.join(edited)} differ from the entry (edited after it was logged)"
        if entry.get("prev") != expected:
            return (f"its subject's previous event is {(entry.get('prev') or 'none')[:12]}… by its entry, but "
                    f"{(expected or 'none')[:12]}… in the log: an event of the subject was deleted, inserted or moved")
        return ""


def _utc(moment: datetime | str) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
