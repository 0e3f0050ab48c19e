"""WAL checkpoints of a serving SQLite store, off the request path.

A checkpoint copies the write-ahead log back into the database file and syncs it. SQLite
runs one inside whichever commit crosses ``wal_autocheckpoint`` pages, so without this
thread some silent check waited for a copy-and-fsync of a multi-GB store (p99 of
hundreds of ms on ``bench/http_bench.py``). The server checkpoints every quarter second
in the background instead (PASSIVE: it never blocks readers or writers), and the
autocheckpoint threshold is raised (``jrp.adapters.store.database``) so that it stays the
safety net when nothing checkpoints (the CLI, an importer).
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

log = logging.getLogger(__name__)


class Checkpointer:
    def __init__(self, engine: Engine, interval: float = 0.25):
        self.engine = engine
        self.interval = interval
        self.last: tuple[int, int, int] | None = None  # the latest background round's result
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, frames in the log, frames copied back)."""
        pooled = self.engine.raw_connection()
        try:
            return tuple(pooled.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
        finally:
            pooled.close()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.last = self.checkpoint()
            except Exception:  # the next round retries; SQLite's own autocheckpoint is the backstop
                log.exception("background WAL checkpoint failed")
