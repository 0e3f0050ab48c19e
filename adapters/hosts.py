"""The ``hosts`` table: one row per serving process of the store, renewed by its heartbeat (``jrp.hosts``).

A row holds where the process answers, when it started and was last seen (epoch seconds
of its own clock: hosts are assumed NTP-synchronised, as the sequencer's lease assumes)
and its profile as JSON. A process deletes its row when it stops; the row of one that
died (kill -9, a lost host) ages out and is swept by the others' heartbeats.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, Text, delete, insert, select, update

metadata = MetaData()
hosts_t = Table(
    "hosts", metadata,
    Column("process_id", String(100), primary_key=True),
    Column("url", String(200), nullable=False),
    Column("hostname", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("seen_at", Float, nullable=False),
    Column("profile", Text, nullable=False),
)

SWEEP_AFTER = 3600.0
"""Seconds after which a silent process's row is deleted (until then `jrp hosts --all` shows it as lost)."""


@dataclass(frozen=True)
class HostRow:
    process_id: str
    url: str
    hostname: str
    pid: int
    started_at: float
    seen_at: float
    profile: str


class HostRegistry:
    """Reads and writes ``hosts``; on SQLite, writes wait their turn behind the log's appenders (``lock``)."""

    def __init__(self, engine: Engine, lock: AbstractContextManager[None] | None = None):
        self.engine = engine
        self._lock = lock or nullcontext()

    def beat(self, row: HostRow) -> None:
        """Insert or renew this process's row, and sweep rows silent for ``SWEEP_AFTER`` seconds."""
        values = {"url": row.url, "hostname": row.hostname, "pid": row.pid, "started_at": row.started_at,
                  "seen_at": row.seen_at, "profile": row.profile}
        with self._lock, self.engine.begin() as connection:
            renewed = connection.execute(update(hosts_t).where(hosts_t.c.process_id == row.process_id).values(**values))
            if renewed.rowcount == 0:  # the process id is this process's own: no other writer races for it
                connection.execute(insert(hosts_t).values(process_id=row.process_id, **values))
            connection.execute(delete(hosts_t).where(hosts_t.c.seen_at < row.seen_at - SWEEP_AFTER))

    def leave(self, process_id: str) -> None:
        with self._lock, self.engine.begin() as connection:
            connection.execute(delete(hosts_t).where(hosts_t.c.process_id == process_id))

    def seen_since(self, since: float) -> list[HostRow]:
        """Rows renewed at or after ``since`` (epoch seconds), by address then start."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(hosts_t).where(hosts_t.c.seen_at >= since)
                                      .order_by(hosts_t.c.url, hosts_t.c.started_at, hosts_t.c.process_id))
            return list(_rows(rows))


def _rows(rows: Iterator) -> Iterator[HostRow]:
    for row in rows:
        yield HostRow(**row._mapping)
