"""The decision log's Merkle tree in the database: the sequencer's integration, checkpoints and proofs.

Writers insert entries without a leaf index (``jrp.adapters.log.entries``). One
sequencer at a time — the holder of the ``log_lease`` row, renewed while it lives and
taken over by another process once it lapses (``jrp.adapters.log.sequencer``) — integrates
them in batches: in one transaction it gives each pending row the next leaf index, stores the
perfect subtrees the new leaves complete (``log_nodes``), moves ``log_head`` and, at most
once per checkpoint interval, signs a checkpoint. The transaction first locks the head
row (PostgreSQL ``FOR UPDATE``; SQLite's write lock): should two processes both believe
they hold the lease, the second waits and finds nothing left to integrate. A sequencer
killed mid-batch leaves no trace: its transaction never committed, the rows are still
pending, and the next holder integrates them.

Proofs are read from ``log_nodes``: at most ~2·log₂ n stored hashes each
(``jrp.adapters.log.crypto.merkle``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

from jrp.adapters.log import event_leaves
from jrp.adapters.log.crypto import merkle
from jrp.adapters.log.crypto.signing import Checkpoint, SigningKey, public_pem, sign_checkpoint
from jrp.adapters.log.entries import AppenderLock
from jrp.adapters.store import leases
from jrp.adapters.store.dbapi import Driver

Seq = BigInteger().with_variant(Integer(), "sqlite")
metadata = MetaData()
nodes_t = Table(
    "log_nodes", metadata,
    Column("level", SmallInteger, primary_key=True),
    Column("idx", Seq, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)
head_t = Table(
    "log_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("tree_size", Seq, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("legacy_size", Seq, nullable=False),  # leaves carried over from the old hash chain
    Column("legacy_head", String(64), nullable=False),
)
checkpoints_t = Table(
    "log_checkpoints", metadata,
    Column("tree_size", Seq, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("time", String(40), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
)
lease_t = Table(
    "log_lease", metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("expires_at", Float, nullable=False),
)
keys_t = Table(
    "log_keys", metadata,
    Column("key_id", String(16), primary_key=True),
    Column("public_key", Text, nullable=False),
    Column("first_used_at", DateTime(timezone=True), nullable=False),
)

SEQUENCER = "sequencer"
BATCH = 1000


class NotYetIntegrated(LookupError):
    """The decision is durable but not yet in a signed checkpoint (the sequencer integrates within seconds)."""


class TreeInconsistent(RuntimeError):
    """The stored tree does not match its head: someone edited ``log_nodes`` or ``log_head``."""


@dataclass(frozen=True)
class Head:
    tree_size: int
    root: bytes
    legacy_size: int
    legacy_head: str


@dataclass(frozen=True)
class InclusionProof:
    decision_id: str
    leaf_index: int
    entry_hash: str
    checkpoint: Checkpoint
    proof: list[bytes]


def checkpoint_of(row: Any, origin: str) -> Checkpoint:
    tree_size, root, signed_at, key_id, signature = row
    return Checkpoint(origin, tree_size, bytes(root), signed_at, key_id, bytes(signature))


class LogTree:
    """``log_nodes``, ``log_head``, ``log_checkpoints``, ``log_lease`` and ``log_keys`` of one store."""

    def __init__(self, engine: Engine, origin: str | Callable[[], str], appender_lock: AppenderLock | None = None):
        """``origin`` is the log's name, or what reads it from the store at first use: a server must start (and
        say on /readyz why it is not ready) while its store is unreachable or not yet migrated."""
        self.engine = engine
        self._origin = origin
        self.driver = Driver(engine)
        self._lock = appender_lock or AppenderLock(engine)
        self._last_signed = 0.0

    @property
    def origin(self) -> str:
        """The name this log's checkpoints are signed under (``jrp.adapters.log.log_origin``)."""
        if callable(self._origin):
            self._origin = self._origin()
        return self._origin

    # --- the sequencer's work ----------------------------------------------------------------

    def pending(self) -> bool:
        """Whether any entry waits for its leaf index (one indexed read; publications are few)."""
        return self._one("SELECT seq FROM decisions WHERE leaf_index IS NULL UNION ALL "
                         "SELECT seq FROM publications WHERE leaf_index IS NULL UNION ALL "
                         f"{event_leaves.ANY_PENDING} LIMIT 1") is not None

    def integrate(self, key: SigningKey | None, checkpoint_interval: float = 1.0, *, force_checkpoint: bool = False,
                  batch: int = BATCH) -> int:
        """Fold pending entries into the tree (one batch, one transaction); sign a checkpoint when due.

        Returns the number of entries integrated. ``key`` None integrates without signing
        (a process without the signing key).
        """
        due = key is not None and (force_checkpoint or time.monotonic() - self._last_signed >= checkpoint_interval)
        if not self.pending() and not (due and self._checkpoint_behind()):
            return 0
        origin, driver = self.origin, self.driver  # read (or set) before the write lock is held
        with self._lock, driver.connection() as connection:
            cursor = connection.cursor()
            try:
                if not driver.postgres:
                    cursor.execute("BEGIN IMMEDIATE")
                cursor.execute("SELECT tree_size, root FROM log_head WHERE id = 1" + (" FOR UPDATE" if driver.postgres
                                                                                          else ""))
                size, root = cursor.fetchone()
                cursor.execute("SELECT seq, leaf_hash FROM publications WHERE leaf_index IS NULL ORDER BY seq")
                published = cursor.fetchall()  # a publication takes its leaf before the decisions written with it
                cursor.execute(driver.sql("SELECT seq, leaf_hash FROM decisions WHERE leaf_index IS NULL ORDER BY seq "
                                          "LIMIT ?"), (batch,))
                pending = cursor.fetchall()
                cursor.execute(driver.sql(event_leaves.PENDING), (batch,))
                events = cursor.fetchall()  # events before the decisions written with them (their facts' heads)
                if pending or published or events:
                    frontier = merkle.Frontier(size, self._nodes(cursor, merkle.Frontier.nodes_of(size)))
                    if frontier.root() != bytes(root):
                        raise TreeInconsistent(f"the stored tree nodes do not give the head's root at size {size}: "
                                               "log_nodes or log_head was edited; run jrp audit verify")
                    made, indexes, publication_indexes = [], [], []
                    for seq, leaf in published:
                        publication_indexes.append((frontier.size, seq))
                        made += frontier.add(bytes(leaf))
                    event_indexes = []
                    for seq, leaf in events:
                        event_indexes.append((frontier.size, seq))
                        made += frontier.add(bytes(leaf))
                    for seq, leaf in pending:  # the writer's leaf hash: verification recomputes it from the entry
                        indexes.append((frontier.size, seq))
                        made += frontier.add(bytes(leaf) if leaf else self._leaf_of(cursor, seq))
                    cursor.executemany(driver.sql("UPDATE publications SET leaf_index = ? WHERE seq = ?"),
                                       publication_indexes)
                    cursor.executemany(driver.sql(event_leaves.ASSIGN), event_indexes)
                    cursor.executemany(driver.sql("UPDATE decisions SET leaf_index = ? WHERE seq = ?"), indexes)
                    cursor.executemany(driver.sql("INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)"),
                                       [(level, idx, value) for (level, idx), value in made])
                    size, root = frontier.size, frontier.root()
                    cursor.execute(driver.sql("UPDATE log_head SET tree_size = ?, root = ? WHERE id = 1"), (size, root))
                if due and size > self._latest_size(cursor):
                    self._sign(cursor, key, origin, size, bytes(root))
                connection.commit()
            finally:
                cursor.close()
        return len(pending) + len(published) + len(events)

    def _leaf_of(self, cursor: Any, seq: int) -> bytes:
        """The leaf hash of a row written without one (by hand, say): from its entry."""
        cursor.execute(self.driver.sql("SELECT entry FROM decisions WHERE seq = ?"), (seq,))
        return merkle.leaf_hash(cursor.fetchone()[0].encode())

    def integrate_all(self, key: SigningKey) -> None:
        """Integrate everything pending and sign a checkpoint of the result now (commands and tests)."""
        while self.integrate(key, force_checkpoint=True):
            pass

    def _sign(self, cursor: Any, key: SigningKey, origin: str, size: int, root: bytes) -> None:
        signed_at = datetime.now(UTC).isoformat(timespec="microseconds")
        checkpoint = sign_checkpoint(key, origin, size, root, signed_at)
        cursor.execute(self.driver.sql("INSERT INTO log_checkpoints (tree_size, root, time, key_id, signature) "
                                       "VALUES (?, ?, ?, ?, ?)"),
                       (size, root, signed_at, key.key_id, checkpoint.signature))
        self._last_signed = time.monotonic()

    def _latest_size(self, cursor: Any) -> int:
        cursor.execute("SELECT MAX(tree_size) FROM log_checkpoints")
        return cursor.fetchone()[0] or 0

    def _checkpoint_behind(self) -> bool:
        head = self.head()
        latest = self.latest_checkpoint()
        return head.tree_size > (latest.tree_size if latest else 0)

    def publish_key(self, key: SigningKey) -> None:
        """List ``key``'s public half in ``log_keys`` (served at ``GET /v1/audit/keys``)."""
        with self._lock, self.driver.connection() as connection:
            cursor = connection.cursor()
            cursor.execute(self.driver.sql("INSERT INTO log_keys (key_id, public_key, first_used_at) VALUES (?, ?, ?) "
                                           "ON CONFLICT (key_id) DO NOTHING"),
                           (key.key_id, public_pem(key.public), self.driver.timestamp(datetime.now(UTC))))
            connection.commit()
            cursor.close()

    def acquire_lease(self, holder: str, seconds: float) -> bool:
        """Take or renew the sequencer's lease; False while another live holder has it.

        On SQLite it writes under the appenders' lock, like every write of the log: a writer
        that met another in SQLite's busy handler would sleep up to 100 ms.
        """
        with self._lock:
            return leases.acquire(self.driver, SEQUENCER, holder, seconds)

    def release_lease(self, holder: str) -> None:
        with self._lock:
            leases.release(self.driver, SEQUENCER, holder)

    # --- reads ---------------------------------------------------------------------------------

    def head(self) -> Head:
        row = self._one("SELECT tree_size, root, legacy_size, legacy_head FROM log_head WHERE id = 1")
        return Head(row[0], bytes(row[1]), row[2], row[3])

    def latest_checkpoint(self) -> Checkpoint | None:
        row = self._one("SELECT tree_size, root, time, key_id, signature FROM log_checkpoints "
                        "ORDER BY tree_size DESC LIMIT 1")
        return None if row is None else checkpoint_of(row, self.origin)

    def checkpoints(self) -> list[Checkpoint]:
        """Every stored checkpoint, oldest first."""
        return [checkpoint_of(row, self.origin) for row in self._all(
            "SELECT tree_size, root, time, key_id, signature FROM log_checkpoints ORDER BY tree_size")]

    def public_keys(self) -> dict[str, str]:
        """Published public keys (PEM) by key id."""
        return dict(self._all("SELECT key_id, public_key FROM log_keys ORDER BY first_used_at"))

    def nodes(self, wanted: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
        with self.driver.connection() as connection:
            cursor = connection.cursor()
            try:
                return self._nodes(cursor, wanted)
            finally:
                cursor.close()

    def nodes_between(self, level: int, first: int, last: int) -> dict[int, bytes]:
        """Stored nodes of one level with ``first <= idx < last``."""
        rows = self._all("SELECT idx, hash FROM log_nodes WHERE level = ? AND idx >= ? AND idx < ?", (level, first, last))
        return {idx: bytes(value) for idx, value in rows}

    def _nodes(self, cursor: Any, wanted: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
        wanted = sorted(set(wanted))
        if not wanted:
            return {}
        # OR of equalities, not a row-value IN: SQLite scans the whole table for the latter
        pairs = " OR ".join("(level = ? AND idx = ?)" for _ in wanted)
        cursor.execute(self.driver.sql(f"SELECT level, idx, hash FROM log_nodes WHERE {pairs}"),
                       [value for node in wanted for value in node])
        found = {(level, idx): bytes(value) for level, idx, value in cursor.fetchall()}
        missing = [node for node in wanted if node not in found]
        if missing:
            raise TreeInconsistent(f"tree node(s) {missing[:3]} missing from log_nodes: the tree was edited")
        return found

    def inclusion(self, decision_id: str, checkpoint: Checkpoint | None = None) -> InclusionProof:
        """The proof that ``decision_id`` is in the tree of ``checkpoint`` (default: the latest)."""
        row = self._one("SELECT leaf_index, entry FROM decisions WHERE decision_id = ?", (decision_id,))
        if row is None:
            raise KeyError(decision_id)
        leaf_index, entry = row
        checkpoint = checkpoint or self.latest_checkpoint()
        if leaf_index is None or checkpoint is None or leaf_index >= checkpoint.tree_size:
            raise NotYetIntegrated(f"decision {decision_id} is recorded but not yet in a signed checkpoint; "
                                   "retry in a few seconds")
        proof = merkle.fetch_proof(merkle.inclusion_ranges(leaf_index, checkpoint.tree_size), self.nodes)
        return InclusionProof(decision_id, leaf_index, merkle.leaf_hash(entry.encode()).hex(), checkpoint, proof)

    def consistency(self, old: int, new: int) -> list[bytes]:
        """The proof that the tree of size ``new`` extends the tree of size ``old``."""
        return merkle.fetch_proof(merkle.consistency_ranges(old, new), self.nodes)

    def _one(self, statement: str, parameters: tuple = ()) -> Any:
        rows = self._all(statement, parameters)
        return rows[0] if rows else None

    def _all(self, statement: str, parameters: tuple = ()) -> list[tuple]:
        def work(connection: Any) -> list[tuple]:
            cursor = connection.cursor()
            try:
                cursor.execute(self.driver.sql(statement), parameters)
                return cursor.fetchall()
            finally:
                cursor.close()
        return self.driver.read(work)
