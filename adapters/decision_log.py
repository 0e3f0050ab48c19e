"""The decision log (implements ``jrp.ports.DecisionLog``): append-only and hash-chained.

Each row stores the canonical JSON of one log entry (``jrp.service.log_entry``) as text,
so the bytes hashed are the bytes stored (JSONB would re-order and re-format them), and
``hash = sha256(prev_hash + entry)``. The other columns are copies of entry fields for
indexed search; ``verify`` checks them against the entry, so editing either is detected,
and ``seq`` runs 1, 2, 3… without gaps, so deleting a row is detected too. The facts a
check saw are stored once per distinct content (``jrp.adapters.fact_snapshots``): the
entry keeps their digest, and ``verify`` re-hashes the snapshot. Removing the
newest rows leaves a shorter valid chain: compare ``head`` with a copy kept elsewhere.

Appends are serialised across processes so the chain never forks: PostgreSQL takes a
transaction-scoped advisory lock, SQLite starts the transaction with ``BEGIN IMMEDIATE``
(the database write lock) before reading the last hash.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cachetools import LRUCache
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    select,
)

from jrp.adapters import fact_snapshots
from jrp.adapters.dbapi import Driver, naive_utc
from jrp.engine.codec import canonical

metadata = MetaData()
decisions_t = Table(
    "decisions", metadata,
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False),
    Column("decision_id", String(32), nullable=False, unique=True),
    Column("batch_id", String(32), index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("caller_key_id", String(32), nullable=False),
    Column("purpose", String(500), nullable=False),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("scenario", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("entry", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

GENESIS = "0" * 64
ADVISORY_LOCK = 0x6A72_7064  # "jrpd": one lock for all appenders of this database
PAGE = 1000
INSERT = (
    "INSERT INTO decisions (seq, decision_id, batch_id, created_at, caller_key_id, purpose, subject_id, scenario, "
    "outcome, entry, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def chain_hash(prev_hash: str, entry: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + entry).hexdigest()


def _columns(entry: dict[str, Any]) -> dict[str, Any]:
    """The indexed copies of entry fields (verify compares them with the entry)."""
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


class AppenderLock:
    """Serialises this store's appenders across processes, on SQLite only (PostgreSQL takes an advisory lock).

    SQLite's own busy handler polls with sleeps of 1 to 100 ms, so two workers appending
    at once made the loser sleep far longer than the winner's commit takes: an flock on
    a file beside the database wakes it the moment the lock is free.
    """

    def __init__(self, engine: Engine):
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._path = f"{database}.append-lock" if database and database != ":memory:" else None
        self._file: Any = None
        self._thread_lock = threading.Lock()

    def __enter__(self) -> None:
        self._thread_lock.acquire()  # flock is per open file: threads of one process need their own lock
        if self._path is None:
            return
        try:
            if self._file is None:
                self._file = open(self._path, "a+b")  # noqa: SIM115 - held for the life of the process
            fcntl.flock(self._file, fcntl.LOCK_EX)
        except BaseException:  # no lock file (descriptors exhausted, a file system without locks)
            self._thread_lock.release()  # the append fails; the next one must not hang
            raise

    def __exit__(self, *_exc: object) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._thread_lock.release()


@dataclass(frozen=True)
class StoredDecision:
    seq: int
    prev_hash: str
    hash: str
    entry: dict[str, Any]


@dataclass(frozen=True)
class Verification:
    """``ok`` with the number of rows and the newest hash, or the first broken link."""

    ok: bool
    count: int
    head: str
    seq: int | None = None
    decision_id: str | None = None
    reason: str = ""


class DecisionLogStore:
    """The ``decisions`` table."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.driver = Driver(engine)
        self._appender = AppenderLock(engine)
        self._stored_snapshots: LRUCache[str, bool] = LRUCache(maxsize=100_000)

    def append(self, entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Chain and store ``entries`` in one transaction; returns ``{seq, decision_id, hash}`` per entry.

        Runs on every check, so it speaks plain DBAPI (``jrp.adapters.dbapi``).
        """
        entries = list(entries)
        if not entries:
            return []
        driver = self.driver
        with self._appender, driver.connection() as connection:
            cursor = connection.cursor()
            try:
                if driver.postgres:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK,))
                else:
                    # sqlite3 would open a deferred transaction on the first INSERT, after the read of
                    # the last hash; taking the write lock first makes read-then-append atomic.
                    cursor.execute("BEGIN IMMEDIATE")
                cursor.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1")
                last = cursor.fetchone()
                seq, prev_hash = last if last else (0, GENESIS)
                rows, new_snapshots = [], {}
                for entry in entries:
                    stored, snapshot = fact_snapshots.split(entry)
                    if snapshot is not None and snapshot.digest not in self._stored_snapshots \
                            and snapshot.digest not in new_snapshots:
                        new_snapshots[snapshot.digest] = snapshot.data.decode()
                    data = canonical(stored)
                    seq += 1
                    digest = chain_hash(prev_hash, data)
                    columns = _columns(stored)
                    columns["created_at"] = driver.timestamp(columns["created_at"])
                    rows.append((seq, *columns.values(), data.decode(), prev_hash, digest))
                    prev_hash = digest
                if new_snapshots:
                    cursor.executemany(driver.sql(fact_snapshots.INSERT), list(new_snapshots.items()))
                cursor.executemany(driver.sql(INSERT), rows)
                connection.commit()
            finally:
                cursor.close()
        for digest in new_snapshots:  # committed: later entries with the same facts need not send them
            self._stored_snapshots[digest] = True
        return [{"seq": row[0], "decision_id": row[1], "hash": row[-1]} for row in rows]

    def find(self, decision_id: str) -> StoredDecision | None:
        """The decision with its chain link, its entry carrying the facts it saw."""
        with self.engine.connect() as connection:
            row = connection.execute(select(decisions_t.c.seq, decisions_t.c.prev_hash, decisions_t.c.hash,
                                            decisions_t.c.entry)
                                     .where(decisions_t.c.decision_id == decision_id)).first()
            if row is None:
                return None
            entry = fact_snapshots.attach(connection, [json.loads(row.entry)])[0]
        return StoredDecision(row.seq, row.prev_hash, row.hash, entry)

    def get(self, decision_id: str) -> dict[str, Any] | None:
        stored = self.find(decision_id)
        return None if stored is None else stored.entry

    def batch(self, batch_id: str) -> list[dict[str, Any]]:
        """The entries of one batch, in the order of the request."""
        query = select(decisions_t.c.entry).where(decisions_t.c.batch_id == batch_id).order_by(decisions_t.c.seq)
        return self._entries(query)

    def recent(self, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` entries (with their facts), newest first."""
        query = select(decisions_t.c.entry).order_by(decisions_t.c.seq.desc()).limit(limit)
        return self._entries(query)

    def _entries(self, query: Select) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            entries = [json.loads(entry) for entry in connection.execute(query).scalars()]
            return fact_snapshots.attach(connection, entries)

    def search(self, *, subject_id: str | None = None, scenario: str | None = None, outcome: str | None = None,
               since: datetime | None = None, until: datetime | None = None, limit: int = 100,
               offset: int = 0, before_seq: int | None = None) -> list[dict[str, Any]]:
        """Newest first: the indexed columns of matching decisions (not their facts), ``offset`` rows skipped,
        only those older than ``before_seq`` if given (a cursor: stable while new decisions arrive)."""
        summary = [c for c in decisions_t.c if c.name not in ("entry", "prev_hash")]
        query = select(*summary).order_by(decisions_t.c.seq.desc()).limit(limit).offset(offset)
        sqlite = self.engine.dialect.name == "sqlite"
        for column, value in ((decisions_t.c.subject_id, subject_id), (decisions_t.c.scenario, scenario),
                              (decisions_t.c.outcome, outcome)):
            if value is not None:
                query = query.where(column == value)
        if before_seq is not None:
            query = query.where(decisions_t.c.seq < before_seq)
        if since is not None:
            query = query.where(decisions_t.c.created_at >= (naive_utc(since) if sqlite else since))
        if until is not None:
            query = query.where(decisions_t.c.created_at < (naive_utc(until) if sqlite else until))
        with self.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def verify(self) -> Verification:
        """Walk the chain from the first row; report the first row that does not follow from the one before."""
        count, head = 0, GENESIS
        for row, entry, snapshots in self._rows():
            reason = _broken(row, entry, count + 1, head, snapshots)
            if reason:
                return Verification(False, count, head, row["seq"], row["decision_id"], reason)
            count, head = count + 1, row["hash"]
        return Verification(True, count, head)

    def _rows(self) -> Iterator[tuple[dict[str, Any], Any, dict[str, str]]]:
        """Every row in chain order, its entry parsed (or the parse error), the snapshot texts of its page."""
        after = 0
        while True:
            query = select(decisions_t).where(decisions_t.c.seq > after).order_by(decisions_t.c.seq).limit(PAGE)
            with self.engine.connect() as connection:
                page = [dict(row) for row in connection.execute(query).mappings()]
                entries = [_parsed(row["entry"]) for row in page]
                named = fact_snapshots.named(e for e in entries if isinstance(e, dict))
                snapshots = fact_snapshots.load(connection, named)
            if not page:
                return
            yield from ((row, entry, snapshots) for row, entry in zip(page, entries))
            after = page[-1]["seq"]


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        return error


def _broken(row: dict[str, Any], entry: Any, expected_seq: int, prev_hash: str, snapshots: dict[str, str]) -> str:
    """Why ``row`` breaks the chain (or its facts snapshot does not hold), or "" if it is a valid next link."""
    if row["seq"] != expected_seq:
        return f"seq {row['seq']} follows seq {expected_seq - 1}: {row['seq'] - expected_seq} row(s) missing"
    if row["prev_hash"] != prev_hash:
        return "prev_hash does not match the hash of the row before"
    if chain_hash(prev_hash, row["entry"].encode()) != row["hash"]:
        return "hash does not match the entry: the entry was edited"
    try:
        if isinstance(entry, ValueError):
            raise entry
        columns = _columns(entry)
    except (ValueError, KeyError, TypeError) as error:
        return f"entry is not a decision log entry ({error})"
    columns["created_at"] = naive_utc(columns["created_at"])
    stored = {name: naive_utc(row[name]) if name == "created_at" else row[name] for name in columns}
    edited = sorted(name for name in columns if stored[name] != columns[name])
    if edited:
        return f"column(s) {', '.join(edited)} differ from the entry"
    return fact_snapshots.broken(entry, snapshots)
