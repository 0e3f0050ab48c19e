"""Transactions of the facts store: writers of one subject take turns; an audit reads one snapshot.

An event's projection reads the rows it changes (a record's status, a subject's name, a
person's open relations), decides in Python, then writes the whole row back. Two writers
of the same record must therefore not interleave between that read and that write, or
the second overwrites the first's change with the state it read before it (a lost
update: both events stored, one of them missing from ``records``).

- SQLite has one writer at a time: the transaction starts with ``BEGIN IMMEDIATE``, so
  the read already holds the write lock (sqlite3 would otherwise begin a deferred
  transaction at the first INSERT, after the read).
- PostgreSQL takes a transaction-scoped advisory lock per subject the chunk touches, in
  key order (so two chunks never wait for each other in a cycle), before reading. Writers
  of different subjects run in parallel. A record belongs to one subject (status events
  must name the record's own subject), and a relation to its person and organisation, so
  the subject locks cover every row an event may change.

Because a subject's writers commit one after the other, its events' ``seq`` order is the
order they were applied in: replaying the history in ``seq`` order gives the projection
back (``jrp.adapters.facts.audit``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Integer

SUBJECT_LOCK_SPACE = 0x6A7270  # the first key of the two-key advisory locks ('jrp'); the decision log uses one key
_LOCK = text(
    "SELECT pg_advisory_xact_lock(:space, k) FROM (SELECT k FROM unnest(:keys) AS k ORDER BY k) AS sorted"
).bindparams(bindparam("keys", type_=ARRAY(Integer)))


def lock_key(subject_id: str) -> int:
    """A stable signed 32-bit key per subject (a collision only makes two subjects share turns)."""
    return int.from_bytes(hashlib.blake2b(subject_id.encode(), digest_size=4).digest(), "big", signed=True)


def lock_subjects(connection: Connection, subject_ids: Iterable[str]) -> None:
    """Make the open transaction the only writer of ``subject_ids`` until it ends.

    Call it first in the transaction, before anything is read.
    """
    dialect = connection.dialect.name
    if dialect == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        keys = sorted({lock_key(subject_id) for subject_id in subject_ids})
        if keys:
            connection.execute(_LOCK, {"space": SUBJECT_LOCK_SPACE, "keys": keys})
    else:  # pragma: no cover - jrp supports these two
        raise NotImplementedError(f"no write lock for {dialect}")


def read_snapshot(connection: Connection) -> Connection:
    """``connection`` reading one consistent snapshot until its transaction ends (for audits).

    PostgreSQL: REPEATABLE READ. SQLite in WAL mode: an explicit ``BEGIN`` keeps the snapshot
    of the first read (sqlite3 runs SELECTs outside any transaction otherwise).
    """
    if connection.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ")
    connection.exec_driver_sql("BEGIN")
    return connection
