"""The decision log (implements ``jrp.ports.DecisionLog``): append-only entries, leaves of a Merkle tree.

Each row stores the canonical JSON of one log entry (``jrp.service.log_entry``) as text,
so the bytes hashed are the bytes stored; its Merkle leaf hash (RFC 9162) is the
decision's **entry hash**. Writers only insert: no row is read first and no lock is
shared by the hosts, so every worker of every host appends at once. The sequencer
(``jrp.adapters.log.tree``) later gives each new row its leaf index and folds it into the
tree. An answer leaves only after its row is committed (SQLite: ``synchronous=FULL``,
``jrp.adapters.store.database``), together with a receipt signed for the rows written
together (``jrp.adapters.log.crypto.signing``), which the row keeps too, compact (what the
row does not hold already; rows written before keep it in full) and read back in full: a row
the service did not write has no valid receipt.

What an entry stores beyond the check's request:

- the facts it saw, by reference to the event log: the event heads they were made of and their
  SHA-256 (``jrp.adapters.log.fact_references``), a natural person's too; a subject without events
  of its own, and entries written before references, by the SHA-256 of a snapshot stored once per
  content (``jrp.adapters.log.fact_snapshots``);
- the bundle of rules, by hash; the bundle's content is stored when first used
  (``jrp.adapters.log.bundle_store``), so a replay evaluates exactly those rules;
- the result compact, with the digest of the full result, which every read rebuilds from the facts
  and the bundle (``jrp.adapters.log.results``); entries written before keep it in full;
- natural persons' identifiers, names and birth dates as keyed pseudonyms, with the
  originals sealed in ``personal_data`` (``jrp.adapters.log.crypto.personal_data``).

The other columns are copies of entry fields for indexed search (``subject_id`` holds
the pseudonym of a natural person); verification checks them against the entry.

On SQLite the appenders of one host still queue on the database's single write lock;
an flock beside the database wakes the next one the moment it is free (SQLite's busy
handler sleeps 1–100 ms between polls). Under ``jrp serve`` one writer per host commits
the appends of all workers together (``jrp.adapters.log.host_writer``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cachetools import LRUCache
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Select,
    String,
    Table,
    Text,
    select,
)

from jrp.adapters.log import bundle_store, fact_references, fact_snapshots, results
from jrp.adapters.log.crypto import personal_data
from jrp.adapters.log.crypto.merkle import leaf_hash
from jrp.adapters.log.crypto.personal_data import PersonalDataKey, PersonalDataUnavailable
from jrp.adapters.log.crypto.signing import SigningKey, compact_receipt, full_receipt, sign_receipts
from jrp.adapters.log.personal_data_keys import DataKeys
from jrp.adapters.store.dbapi import Driver, naive_utc
from jrp.compact_results import expanded
from jrp.engine.codec import Snapshot, canonical
from jrp.ports import ANSWER_DIGEST

metadata = MetaData()
decisions_t = Table(
    "decisions", metadata,
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("decision_id", String(32), nullable=False, unique=True),
    Column("batch_id", String(32), index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("caller_key_id", String(32), nullable=False),
    Column("purpose", String(500), nullable=False),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("scenario", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("entry", Text, nullable=False),
    Column("prev_hash", String(64)),  # the hash chain of entries written before the tree (legacy_chain)
    Column("hash", String(64)),
    Column("leaf_index", BigInteger().with_variant(Integer(), "sqlite"), unique=True),
    Column("receipt", Text),
    Column("leaf_hash", LargeBinary(32)),  # as the writer computed it: the sequencer need not read the entry
)

PAGE = 1000
INSERT = (
    "INSERT INTO decisions (decision_id, batch_id, created_at, caller_key_id, purpose, subject_id, scenario, "
    "outcome, entry, leaf_hash, receipt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
Also = Callable[[list[dict[str, Any]]], Iterable[tuple[str, list[tuple]]]]
"""Statements written with an append: receipts in, ``(statement, rows of parameters)`` out."""
NOT_REBUILT = "result_not_rebuilt"
"""Set on a read compact entry whose result today's engine no longer rebuilds (why): its compact form is served."""
BUNDLE_DOCUMENT = "bundle_document"
"""An entry field the writer takes out: the bundle's content (a ``Snapshot`` keyed by the bundle hash)."""


def columns_of(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed copies of entry fields (verification compares them with the entry)."""
    return {
        "decision_id": entry["decision_id"],
        "batch_id": entry.get("batch_id"),
        "created_at": datetime.fromisoformat(entry["created_at"]),
        "caller_key_id": entry["caller"]["key_id"],
        "purpose": entry["purpose"],
        "subject_id": entry["request"]["subject"]["id"],
        "scenario": entry["request"]["scenario"],
        "outcome": entry["result"]["outcome"],
    }


def _month_after(period: str) -> datetime:
    """The first moment (UTC) of the month after ``period`` (YYYY-MM)."""
    year, month = int(period[:4]), int(period[5:7])
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)


class AppenderLock:
    """Wakes this host's SQLite appenders in turn (no-op on PostgreSQL, where appenders never wait for each other)."""

    def __init__(self, engine: Engine):
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._path = f"{database}.append-lock" if database and database != ":memory:" else None
        self._file: Any = None
        self._thread_lock = threading.Lock()
        self.active = engine.dialect.name == "sqlite"

    def __enter__(self) -> None:
        if not self.active:
            return
        self._thread_lock.acquire()  # flock is per open file: threads of one process need their own lock
        if self._path is None:
            return
        try:
            if self._file is None:
                # held for the life of the process; beside the data, so its owner's only (0600)
                self._file = os.fdopen(os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600), "a+b")
            fcntl.flock(self._file, fcntl.LOCK_EX)
        except BaseException:  # no lock file (descriptors exhausted, a file system without locks)
            self._thread_lock.release()  # the append fails; the next one must not hang
            raise

    def __exit__(self, *_exc: object) -> None:
        if not self.active:
            return
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._thread_lock.release()


@dataclass(frozen=True)
class StoredDecision:
    """A logged decision as stored (pseudonyms in place), its facts attached, and what its originals are."""

    seq: int
    leaf_index: int | None
    entry_hash: str
    entry: dict[str, Any]
    originals: dict[str, str] | None = field(default=None, repr=False)  # None: erased, or none to reveal
    receipt: dict[str, Any] | None = None

    @property
    def erased(self) -> bool:
        return "personal_data" in self.entry and self.originals is None

    def view(self, sees_personal_data: bool) -> dict[str, Any]:
        """The entry as a role may see it (``jrp.adapters.log.crypto.personal_data.view``)."""
        return personal_data.view(self.entry, self.originals, sees_personal_data)

    def revealed(self) -> dict[str, Any]:
        """The entry with every original back (replay); raises if they were erased."""
        if self.erased:
            raise PersonalDataUnavailable(
                f"decision {self.entry['decision_id']}: its natural persons' data was erased after the retention "
                "period (crypto-erasure); the decision still verifies but can no longer be replayed")
        return self.view(True)


@dataclass
class Write:
    """One append made ready in the appender's process: its statements in order, the receipts they were signed
    with, and what they store (to remember once committed). Plain data, so another process can commit it."""

    statements: list[tuple[str, list[tuple]]]
    receipts: list[dict[str, Any]]
    snapshots: list[str]
    bundles: list[str]


@dataclass
class _Prepared:
    row: tuple
    decision_id: str
    entry_hash: str
    time: str
    answer: str | None


class DecisionLogStore:
    """The ``decisions`` table: appends, reads and searches."""

    def __init__(self, engine: Engine, signing_key: SigningKey, personal_key: PersonalDataKey):
        self.engine = engine
        self.driver = Driver(engine)
        self.signing_key = signing_key
        self.appender_lock = AppenderLock(engine)
        self.data_keys = DataKeys(engine, personal_key)
        self._pseudonyms = personal_key.pseudonymiser()
        self.references = fact_references.FactReferences(engine, self._pseudonyms)
        self.results = results.Results(bundle_store.BundleStore(engine))
        self._stored_snapshots: LRUCache[str, bool] = LRUCache(maxsize=100_000)
        self._stored_bundles: set[str] = set()
        self._protected: LRUCache[str, tuple[str, dict[str, str]]] = LRUCache(maxsize=20_000)

    def append(self, entries: Iterable[dict[str, Any]], also: Also | None = None) -> list[dict[str, Any]]:
        """Store ``entries`` in one transaction; returns each one's signed receipt once committed.

        Runs on every check, so it speaks plain DBAPI (``jrp.adapters.store.dbapi``). ``also``, given the
        receipts, names more statements (``?`` placeholders) to commit in the same transaction: what must be
        written if and only if the entries are (the tracking outbox, ``jrp.adapters.tracking``).
        ``prepare``, ``commit`` and ``committed`` are its three steps, for a host's writer
        (``jrp.adapters.log.host_writer``) to commit the appends of several processes in one transaction.
        """
        write = self.prepare(entries, also)
        if write.statements:
            self.commit([write])
        return self.committed(write)

    def prepare(self, entries: Iterable[dict[str, Any]], also: Also | None = None) -> Write:
        """The rows of ``entries`` made and signed, and every statement of their append (none: nothing to write)."""
        snapshots: dict[str, str] = {}
        bundles: dict[str, tuple[str, str]] = {}
        prepared = [self._prepare(entry, snapshots, bundles) for entry in entries]
        if not prepared and also is None:
            return Write([], [], [], [])
        receipts = sign_receipts(self.signing_key, [(p.decision_id, p.entry_hash, p.time, p.answer) for p in prepared])
        statements: list[tuple[str, list[tuple]]] = []
        if snapshots:
            statements.append((fact_snapshots.INSERT, list(snapshots.items())))
        if bundles:
            now = self.driver.timestamp(datetime.now().astimezone())
            statements.append((bundle_store.INSERT, [(h, j, c, now) for h, (j, c) in bundles.items()]))
        if prepared:
            statements.append((INSERT, [(*p.row, compact_receipt(r)) for p, r in zip(prepared, receipts)]))
        statements.extend((s, list(rows)) for s, rows in (also(receipts) if also is not None else ()) if rows)
        return Write(statements, receipts, list(snapshots), list(bundles))

    def commit(self, writes: Sequence[Write]) -> None:
        """``writes`` committed in one transaction: one synced commit, and on SQLite one turn of the write lock."""
        driver = self.driver
        with self.appender_lock, driver.connection() as connection, driver.pipelined(connection):
            cursor = connection.cursor()
            try:
                for write in writes:
                    for statement, parameters in write.statements:
                        cursor.executemany(driver.sql(statement), parameters)
                connection.commit()
            finally:
                cursor.close()

    def committed(self, write: Write) -> list[dict[str, Any]]:
        """The receipts of a committed ``write``; later entries with the same facts or rules need not send them."""
        for digest in write.snapshots:
            self._stored_snapshots[digest] = True
        self._stored_bundles.update(write.bundles)
        return write.receipts

    def _prepare(self, entry: dict[str, Any], snapshots: dict[str, str], bundles: dict[str, tuple[str, str]]) -> _Prepared:
        """The row of one entry: facts and bundle split off, personal data pseudonymised and sealed."""
        stored, snapshot = fact_snapshots.split(entry)
        originals: dict[str, str] = {}
        reference = stored.pop(fact_references.FIELD, None)
        if snapshot is not None:
            if reference is not None:
                reference = self.references.reference(stored["request"]["subject"]["id"], reference["version"])
            # pseudonymised once: stored as a snapshot only when no reference names the facts
            stored["facts_digest"] = self._protected_snapshot(snapshot, originals, snapshots if reference is None else None)
            if reference is not None:
                stored[fact_references.FIELD] = reference
        document = stored.pop(BUNDLE_DOCUMENT, None)
        answer = stored.pop(ANSWER_DIGEST, None)
        if results.DIGEST in stored:  # a compact result: it and the bundle's rulesets are rebuilt from the bundle
            stored["bundle"] = {"hash": stored["bundle"]["hash"], "jurisdiction": stored["bundle"]["jurisdiction"]}
        if document is not None and document.digest not in self._stored_bundles and document.digest not in bundles:
            # made once per append: serialising a bundle takes milliseconds, and a worker's first append after
            # start (a batch of 10,000, say) would otherwise make it for every entry (46 s instead of 8)
            bundles[document.digest] = (stored["bundle"]["jurisdiction"], document.data.decode())
        request = stored["request"]
        stored["request"] = {**request, "subject": self._pseudonyms.protect(request["subject"], originals)}
        if originals:
            period = stored["created_at"][:7]
            stored["personal_data"] = personal_data.encrypt(originals, self.data_keys.current(period), period,
                                                            stored["decision_id"])
        data = canonical(stored)
        columns = columns_of(stored)
        columns["created_at"] = self.driver.timestamp(columns["created_at"])
        leaf = leaf_hash(data)
        return _Prepared((*columns.values(), data.decode(), leaf), stored["decision_id"], leaf.hex(), stored["created_at"],
                         answer)

    def _protected_snapshot(self, snapshot: Snapshot, originals: dict[str, str],
                            snapshots: dict[str, str] | None) -> str:
        """The digest of the pseudonymised snapshot (made once per content), its originals added to ``originals``;
        the snapshot is added to ``snapshots`` to be stored unless it is (None: an entry naming its facts by
        reference stores none)."""
        known = self._protected.get(snapshot.digest)
        if known is None or (snapshots is not None and known[0] not in self._stored_snapshots):
            found: dict[str, str] = {}
            data = self.references.protected(snapshot.data, found)
            known = (hashlib.sha256(data).hexdigest() if found else snapshot.digest, found)
            self._protected[snapshot.digest] = known
            if snapshots is not None and known[0] not in self._stored_snapshots:
                snapshots[known[0]] = data.decode()
        originals.update(known[1])
        return known[0]

    # --- reads ---------------------------------------------------------------------------

    def find(self, decision_id: str) -> StoredDecision | None:
        """The decision as stored, its facts attached and its originals unsealed (if not erased)."""
        query = select(decisions_t.c.seq, decisions_t.c.leaf_index, decisions_t.c.entry, decisions_t.c.receipt,
                      decisions_t.c.leaf_hash) \
            .where(decisions_t.c.decision_id == decision_id)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
            if row is None:
                return None
            stored = self._stored(connection, [row])[0]
        return stored

    def get(self, decision_id: str) -> dict[str, Any] | None:
        """The entry with every original back (for replays); raises ``PersonalDataUnavailable`` once erased."""
        stored = self.find(decision_id)
        return None if stored is None else stored.revealed()

    def batch(self, batch_id: str) -> list[StoredDecision]:
        """The decisions of one batch, in the order of the request."""
        query = self._rows().where(decisions_t.c.batch_id == batch_id).order_by(decisions_t.c.seq)
        return self._read(query)

    def recent(self, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` entries (with their facts and originals), newest first; erased ones left out."""
        query = self._rows().order_by(decisions_t.c.seq.desc()).limit(limit)
        return [stored.revealed() for stored in self._read(query) if not stored.erased]

    @staticmethod
    def _rows() -> Select:
        return select(decisions_t.c.seq, decisions_t.c.leaf_index, decisions_t.c.entry, decisions_t.c.receipt,
                      decisions_t.c.leaf_hash)

    def _read(self, query: Select) -> list[StoredDecision]:
        with self.engine.connect() as connection:
            return self._stored(connection, connection.execute(query).all())

    def _stored(self, connection: Any, rows: list[Any]) -> list[StoredDecision]:
        entries = fact_snapshots.attach(connection, [json.loads(row.entry) for row in rows])
        decisions = []
        for row, entry in zip(rows, entries):
            entry_hash = leaf_hash(row.entry.encode()).hex()
            # the entry hash the receipt signed is the leaf hash as written: an entry edited since no longer has it
            signed = entry_hash if row.leaf_hash is None else bytes(row.leaf_hash).hex()
            receipt = (full_receipt(row.receipt, entry["decision_id"], signed, entry["created_at"]) if row.receipt
                       else None)
            originals = self.originals(entry)
            if fact_references.FIELD in entry:
                self._attach_referenced(entry, originals)
            if results.DIGEST in entry:
                self._rebuild_result(entry, originals)
            decisions.append(StoredDecision(row.seq, row.leaf_index, entry_hash, entry, originals, receipt))
        return decisions

    def _attach_referenced(self, entry: dict[str, Any], originals: dict[str, str] | None) -> None:
        """Attach the facts an entry names by reference, rebuilt from the events (a natural person's erased ones
        read back through the entry's ``originals``) and checked against its digest.

        Facts that do not rebuild are never served as those the decision saw (``SnapshotMismatch``), except for
        a decision whose natural persons' data was erased from the log too: nothing gives their events back,
        and the decision can no longer be replayed anyway (``StoredDecision.revealed``); it is read without facts.
        """
        facts, problem = self.references.rebuild(entry, originals)
        if facts is not None:
            entry["facts"] = facts
        elif problem and not ("personal_data" in entry and originals is None):
            raise fact_snapshots.SnapshotMismatch(f"decision {entry['decision_id']}: {problem}; verify the log")

    def _rebuild_result(self, entry: dict[str, Any], originals: dict[str, str] | None) -> None:
        """Put back what a compact entry leaves out (``jrp.adapters.log.results``): its bundle's rulesets and,
        while its facts can be read with their originals, its full result, exactly as the check returned it
        (``ResultMismatch`` if its bundle is not stored). The result is read as far as its compact form says
        (``jrp.compact_results.expanded``) once its persons' data is erased, and when today's engine gives another
        result from the same facts and rules (``ResultDiffers``; ``result_not_rebuilt`` says so): an engine changed
        since a decision was logged must not make the decision unreadable; its replay shows the differences.
        """
        rulesets = self.results.rulesets(entry["bundle"]["hash"])
        if rulesets is not None:
            entry["bundle"]["rulesets"] = rulesets
        if "facts" in entry and not ("personal_data" in entry and originals is None):
            facts = entry["facts"] if originals is None else personal_data.view(entry["facts"], originals, True)
            try:
                entry["result"] = self.results.rebuilt(entry, facts)
            except results.ResultDiffers as differs:
                entry["result"] = expanded(entry["result"])
                entry[NOT_REBUILT] = str(differs).split(": ", 1)[1]
        else:
            entry["result"] = expanded(entry["result"])

    def originals(self, entry: Mapping[str, Any]) -> dict[str, str] | None:
        """The unsealed originals of an entry's personal data; None when it has none or they were erased."""
        sealed = entry.get("personal_data")
        if not sealed:
            return None
        data_key = self.data_keys.get(sealed["key"])
        return None if data_key is None else personal_data.decrypt(sealed, data_key, entry["decision_id"])

    def pseudonym(self, subject_id: str) -> str:
        """How ``subject_id`` is stored in the ``subject_id`` column (natural persons by pseudonym)."""
        return self._pseudonyms.protect(subject_id, {})

    def search(self, *, subject_id: str | None = None, scenario: str | None = None, outcome: str | None = None,
               since: datetime | None = None, until: datetime | None = None, limit: int = 100,
               offset: int = 0, before_seq: int | None = None) -> list[dict[str, Any]]:
        """Newest first: the indexed columns of matching decisions, ``offset`` rows skipped, only those older
        than ``before_seq`` if given (a cursor: stable while new decisions arrive).

        ``subject_id`` is as stored (a natural person's pseudonym); ``originals`` lets a view
        show it by role (``jrp.adapters.log.crypto.personal_data.view``). A search by a natural person
        finds none of their decisions of the months erased after retention: the entries keep the
        pseudonym (their hashes cover it), but the person is no longer looked up through it.
        """
        summary = [c for c in decisions_t.c if c.name not in ("entry", "prev_hash", "hash", "receipt")]
        query = select(*summary, decisions_t.c.entry).order_by(decisions_t.c.seq.desc()).limit(limit).offset(offset)
        sqlite = self.engine.dialect.name == "sqlite"
        pseudonym = subject_id and self.pseudonym(subject_id)
        for column, value in ((decisions_t.c.subject_id, pseudonym), (decisions_t.c.scenario, scenario),
                              (decisions_t.c.outcome, outcome)):
            if value is not None:
                query = query.where(column == value)
        if pseudonym and pseudonym.startswith("pd:"):
            erased = self.data_keys.erased_through()
            if erased is not None:
                floor = _month_after(erased)
                since = floor if since is None or naive_utc(since) < naive_utc(floor) else since
        if before_seq is not None:
            query = query.where(decisions_t.c.seq < before_seq)
        if since is not None:
            query = query.where(decisions_t.c.created_at >= (naive_utc(since) if sqlite else since))
        if until is not None:
            query = query.where(decisions_t.c.created_at < (naive_utc(until) if sqlite else until))
        with self.engine.connect() as connection:
            rows = [dict(row) for row in connection.execute(query).mappings()]
        for row in rows:
            text = row.pop("entry")
            row["entry_hash"] = leaf_hash(text.encode()).hex()
            row["originals"] = self.originals(json.loads(text))
        return rows
