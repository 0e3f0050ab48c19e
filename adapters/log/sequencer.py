"""The log's sequencer: the one process (of all workers of all hosts) that folds new entries into the tree.

Every serving process runs this thread; about every ``lease_seconds / 3`` it tries to
take or renew the database lease (``jrp.adapters.log.tree``): one write per process per
second, not per round. The holder integrates pending entries every ``interval`` and signs
checkpoints; the others only keep trying, so when the holder dies (kill -9, a lost host)
its lease lapses after ``lease_seconds`` and another takes over. Two processes that both
believe they lead (a holder stalled past its lease) still build one tree: integration
locks the head row first.
Nothing depends on which process sequences: the answers were durable before the
sequencer saw them.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from jrp.adapters.log.crypto.signing import SigningKey
from jrp.adapters.log.tree import LogTree

log = logging.getLogger(__name__)


class Sequencer:
    def __init__(self, tree: LogTree, key: SigningKey, *, interval: float = 0.5, lease_seconds: float = 3.0,
                 checkpoint_interval: float = 1.0):
        self.tree = tree
        self.key = key
        self.interval = interval
        self.lease_seconds = lease_seconds
        self.checkpoint_interval = checkpoint_interval
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leading = False
        self._renew_at = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-sequencer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        if self.leading:
            self.tree.release_lease(self.holder)

    def round(self) -> int:
        """One round: renew or take the lease when due, then integrate while entries are pending (if leading)."""
        now = time.monotonic()
        if now >= self._renew_at:
            self.leading = False  # until the database says otherwise
            self.leading = self.tree.acquire_lease(self.holder, self.lease_seconds)
            self._renew_at = now + self.lease_seconds / 3
        if not self.leading:
            return 0
        integrated = 0
        while True:
            done = self.tree.integrate(self.key, self.checkpoint_interval)
            integrated += done
            if done == 0 or self._stop.is_set():
                return integrated

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.round()
            except Exception:  # the next round retries; entries stay pending meanwhile, never lost
                log.exception("log sequencer round failed")
