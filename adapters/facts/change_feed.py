"""A worker's view of what changed in the store: the tail of the append-only ``events`` table.

Each worker process keeps the facts versions and API keys it has read in memory
(``jrp.adapters.facts.subject_versions``, ``jrp.adapters.access.api_keys``) and learns here
which of them changed. A background thread polls every ``interval`` seconds (``feed_interval``,
0.2 s by default), so a change committed at time *t* is seen by every worker's checks by
*t* + ``interval`` + one poll (a few milliseconds): that is the documented staleness bound.
A check presenting a consistency token (``POST /v1/events`` returns one) does not wait for
the thread: it polls at once if the feed has not yet seen the token's event.

How each store is tailed:

- SQLite commits one writer at a time, so ``seq`` grows in commit order and "rows with
  ``seq`` above the last one seen" misses nothing. ``PRAGMA data_version`` on the feed's own
  connection tells whether any other connection committed since the last poll: an idle
  store costs no query at all.
- PostgreSQL allocates ``seq`` when a row is inserted but the row becomes visible when its
  transaction commits, so a lower ``seq`` can appear after a higher one. A poll reads the
  rows above the last ``seq`` seen *and* the missing ``seq`` values below it (gaps), in one
  statement whose snapshot (``pg_current_snapshot()``) says which transactions were still
  running. A gap is kept until its row shows up or until every transaction that could have
  allocated it has ended (the snapshot's ``xmin`` passed the ``xmax`` of the poll that first
  saw the gap): it was then rolled back and will never appear. This relies on a writer
  holding a transaction id before it allocates a ``seq``; ``jrp.adapters.facts.ingest`` writes the
  subject rows before the events of a chunk, so it does. A long transaction anywhere on the
  server holds ``xmin`` back and so keeps gaps longer (they are only re-read, nothing is
  missed).
- A PostgreSQL feed starting cannot know which seqs below the newest visible one belong to
  transactions still running at that moment (they took their seq before the feed looked).
  So it starts *unsettled*: while any transaction of its start snapshot runs, nothing read
  is held in memory (``SubjectVersions`` reads every version through, as without a feed),
  and the poll that sees them all ended reports every subject changed, dropping whatever a
  read in flight would keep. Usually that is the first poll; a transaction left open for
  long keeps the worker reading through (correct, slower) and is logged.

API keys are not events: after each poll that may have seen a change (every poll on
PostgreSQL, a changed ``data_version`` on SQLite) the key table re-reads the few keys it
holds, one indexed query however many last-use times other workers wrote; a revocation
therefore reaches every worker within the same bound.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from jrp.adapters.store.dbapi import Driver

log = logging.getLogger(__name__)

RELATION_EVENTS = "('relation_set', 'relation_ended')"
DEFAULT_INTERVAL = 0.2
PAGE = 10_000  # rows per tail query; a poll that sees more changes than this forgets every cached version
UNSETTLED_WARNING = 10.0  # seconds a feed may wait for the transactions running at its start before it says so


@dataclass(frozen=True)
class Changes:
    """What one poll saw: the subjects whose facts versions changed, or ``everything`` (a backlog too long to name)."""

    subjects: frozenset[str] = frozenset()
    everything: bool = False


@dataclass
class _Read:
    """One tail query: ``(seq, subject, organisation of a relation event)`` rows, and whether more are waiting."""

    rows: list[tuple[int, str, str | None]] = field(default_factory=list)
    more: bool = False
    probed: bool = True  # False: the store said nothing changed, no rows were read


def token_of(seq: int) -> str:
    """The consistency token of the store as of event ``seq`` (opaque to callers)."""
    return f"c1.{seq}"


def seq_of(token: str) -> int:
    """The event seq a token names; ``ValueError`` if it is not a token."""
    prefix, _, number = token.partition(".")
    if prefix != "c1" or not number.isdigit() or len(number) > 19:
        raise ValueError("not a consistency token: send back the consistency_token POST /v1/events returned")
    return int(number)


TOKEN_PATTERN = r"^c1\.[0-9]{1,19}$"


def latest_seq(engine: Engine) -> int:
    """The highest committed event seq (0 for an empty store): a token for "everything stored so far"."""
    driver = Driver(engine)
    rows = driver.read(lambda connection: driver.rows(connection, "SELECT max(seq) AS seq FROM events"))
    return rows[0]["seq"] or 0


class ChangeFeed:
    """The store's change stream as seen by one worker process; see the module docstring."""

    def __init__(self, engine: Engine, interval: float = DEFAULT_INTERVAL, page: int = PAGE):
        self.engine = engine
        self.interval = interval
        self.page = page
        self.generation = 0  # grows with every poll that reported changes (see SubjectVersions.version)
        self._subject_listeners: list[Callable[[Changes], None]] = []
        self._poll_listeners: list[Callable[[bool], None]] = []
        self._lock = threading.Lock()
        self._tail: _Tail | None = None
        self._pid: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def on_changes(self, listener: Callable[[Changes], None]) -> None:
        """Call ``listener`` with each poll's changed subjects."""
        self._subject_listeners.append(listener)

    def on_poll(self, listener: Callable[[bool], None]) -> None:
        """Call ``listener`` after each poll, with whether the store may have changed at all (keys, …)."""
        self._poll_listeners.append(listener)

    def running(self) -> ChangeFeed:
        """The feed, started in this process if it was not (a forked worker starts its own)."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._start()
        return self

    def _start(self) -> None:
        self._tail = _PostgresTail(self.engine, self.page) if self.engine.dialect.name == "postgresql" \
            else _SqliteTail(self.engine, self.page)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jrp-change-feed", daemon=True)
        self._pid = os.getpid()
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - a dropped connection must not stop the feed: the next poll retries
                log.warning("change feed poll failed; retrying in %s s", self.interval, exc_info=True)

    def poll(self) -> None:
        """Read what was committed since the last poll and tell the listeners."""
        self.running()
        with self._lock:
            assert self._tail is not None
            subjects: set[str] = set()
            everything = False
            probed = False
            settling = not self._tail.settled
            while True:
                read = self._tail.read()
                probed = probed or read.probed
                for _, subject, organisation in read.rows:
                    subjects.add(subject)
                    if organisation:
                        subjects.add(organisation)
                if len(subjects) > self.page:
                    everything, subjects = True, set()
                if not read.more:
                    break
            if settling and self._tail.settled:  # versions read before may predate a start transaction's events
                everything, subjects = True, set()
            if subjects or everything:
                changes = Changes(frozenset(subjects), everything)
                self.generation += 1
                for listener in self._subject_listeners:
                    listener(changes)
            for poll_listener in self._poll_listeners:
                poll_listener(probed)

    def catch_up(self, seq: int) -> bool:
        """Make sure this worker has seen event ``seq`` and everything committed before it (polling now if not);
        False if the store has no such event (a token from another store, or made up)."""
        if self.running().covers(seq):
            return True
        self.poll()
        return self.covers(seq)

    def covers(self, seq: int) -> bool:
        """Whether the feed has seen event ``seq`` (and so every event committed before it)."""
        assert self._tail is not None
        return self._tail.covers(seq)

    @property
    def settled(self) -> bool:
        """Whether versions read now may be held: False while transactions running at the feed's start run."""
        tail = self.running()._tail
        return tail is not None and tail.settled

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and self._pid == os.getpid():
            thread.join(timeout=5)
        if self._tail is not None and self._pid == os.getpid():
            self._tail.close()
        self._tail, self._pid = None, None


class _Tail(ABC):
    """Reads the events committed since the last read; one implementation per store."""

    last: int
    settled: bool = True

    def position(self) -> dict[str, Any]:
        """Where the tail stands, to resume from (``resume_tail``): the last seq read and the gaps below it."""
        return {"last": self.last, "gaps": {str(seq): xmax for seq, xmax in getattr(self, "gaps", {}).items()}}

    @abstractmethod
    def read(self) -> _Read: ...

    @abstractmethod
    def covers(self, seq: int) -> bool: ...

    def close(self) -> None:
        pass


def resume_tail(engine: Engine, page: int = PAGE, position: dict[str, Any] | None = None) -> _Tail:
    """A tail of ``events`` for a durable consumer (the tracker, ``jrp.adapters.tracking.event_tail``): from
    ``position`` (a ``_Tail.position()`` kept in the consumer's own table), or from the newest event now."""
    tail: _Tail = _PostgresTail(engine, page) if engine.dialect.name == "postgresql" else _SqliteTail(engine, page)
    if position is not None:
        tail.last = position["last"]
        if isinstance(tail, _PostgresTail):
            tail.gaps = {int(seq): xmax for seq, xmax in position["gaps"].items()}
        else:
            tail.data_version = -1  # read at once: the events since ``position`` committed before this connection
    return tail


class _SqliteTail(_Tail):
    """``seq`` order is commit order; ``PRAGMA data_version`` skips the read when no one committed."""

    QUERY = (f"SELECT seq, subject_id, CASE WHEN event_type IN {RELATION_EVENTS} "
             "THEN json_extract(payload, '$.organisation.id') END FROM events WHERE seq > ? ORDER BY seq LIMIT ?")

    def __init__(self, engine: Engine, page: int):
        pooled = engine.raw_connection()
        self.connection: Any = pooled.driver_connection
        pooled.detach()  # the feed's own connection: data_version counts the commits of every other one
        self.page = page
        self.data_version = self._data_version()
        self.last = self.connection.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]

    def _data_version(self) -> int:
        return self.connection.execute("PRAGMA data_version").fetchone()[0]

    def read(self) -> _Read:
        data_version = self._data_version()
        if data_version == self.data_version:
            return _Read(probed=False)
        rows = self.connection.execute(self.QUERY, (self.last, self.page)).fetchall()
        if len(rows) < self.page:  # read to the end: later commits change data_version again
            self.data_version = data_version
        if rows:
            self.last = rows[-1][0]
        return _Read(rows, more=len(rows) == self.page)

    def covers(self, seq: int) -> bool:
        return seq <= self.last

    def close(self) -> None:
        self.connection.close()


class _PostgresTail(_Tail):
    """Rows above the last ``seq`` seen and the gaps below it, with the snapshot they were read in."""

    _EVENT = (f"SELECT seq, subject_id, CASE WHEN event_type IN {RELATION_EVENTS} "
              "THEN payload->'organisation'->>'id' END AS organisation FROM events ")
    QUERY = (  # two index lookups (an OR of both conditions scans the whole index: 0.8 s on 1.3M events)
        "SELECT pg_snapshot_xmin(s.snap)::text::bigint, pg_snapshot_xmax(s.snap)::text::bigint, "
        "e.seq, e.subject_id, e.organisation "
        "FROM (SELECT pg_current_snapshot() AS snap) AS s LEFT JOIN LATERAL ("
        f"({_EVENT}WHERE seq > %s ORDER BY seq LIMIT %s) UNION ALL ({_EVENT}WHERE seq = ANY(%s::bigint[]))"
        ") AS e ON true ORDER BY e.seq"
    )

    START = ("SELECT pg_snapshot_xmin(s.snap)::text::bigint, pg_snapshot_xmax(s.snap)::text::bigint, "
             "(SELECT coalesce(max(seq), 0) FROM events) FROM (SELECT pg_current_snapshot() AS snap) AS s")

    def __init__(self, engine: Engine, page: int):
        self.driver = Driver(engine)
        self.page = page
        self.gaps: dict[int, int] = {}  # missing seq → xmax of the snapshot that first missed it
        xmin, self.settle_at, self.last = self.driver.read(self._start)
        self.settled = xmin >= self.settle_at  # no transaction was running: no seq below ``last`` can still appear
        self.warn_at = time.monotonic() + UNSETTLED_WARNING

    def read(self) -> _Read:
        gaps = sorted(self.gaps)
        rows = self.driver.read(lambda connection: self._rows(connection, gaps))
        xmin, xmax = rows[0][0], rows[0][1]
        self._settle(xmin)
        events = [(seq, subject, organisation) for _, _, seq, subject, organisation in rows if seq is not None]
        more = sum(seq > self.last for seq, _, _ in events) == self.page
        for seq, _, _ in events:
            if seq > self.last:
                for missing in range(self.last + 1, seq):
                    self.gaps[missing] = xmax
                self.last = seq
            else:
                self.gaps.pop(seq, None)
        found = {seq for seq, _, _ in events}
        for gap in gaps:
            if gap not in found and xmin >= self.gaps.get(gap, xmin + 1):
                del self.gaps[gap]  # every transaction that could hold it has ended: rolled back
        return _Read(events, more=more)

    def _start(self, connection: Any) -> tuple[int, int, int]:
        """The start snapshot's ``xmin`` and ``xmax``, and the newest seq it sees."""
        return self._fetch(connection, self.START, ())[0]

    def _settle(self, xmin: int) -> None:
        """Settled once every transaction of the start snapshot has ended (the snapshot's ``xmin`` passed its
        ``xmax``); say so if that takes long (a session left open in a transaction)."""
        if self.settled:
            return
        self.settled = xmin >= self.settle_at
        if not self.settled and time.monotonic() > self.warn_at:
            log.warning("change feed: a transaction open since this worker started (older than txid %s) still runs "
                        "after %.0f s; facts versions are read from the store on every check until it ends",
                        self.settle_at, UNSETTLED_WARNING)
            self.warn_at = math.inf  # said once

    def _rows(self, connection: Any, gaps: list[int]) -> list[tuple[Any, ...]]:
        return self._fetch(connection, self.QUERY, (self.last, self.page, gaps))

    @staticmethod
    def _fetch(connection: Any, query: str, parameters: tuple) -> list[tuple[Any, ...]]:
        cursor = connection.cursor()
        try:
            cursor.execute(query, parameters)
            return cursor.fetchall()
        finally:
            cursor.close()

    def covers(self, seq: int) -> bool:
        return seq <= self.last and seq not in self.gaps
