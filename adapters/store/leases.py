"""Named leases in ``log_lease``: the one process, of all workers of all hosts, that does a job.

A lease row names its job (the log's sequencer, the tracker), its holder and when it lapses. Its
holder renews it every ``lease_seconds / 3``; once it lapses (kill -9, a lost host) another process
takes it over. Jobs run under a lease are written so that two processes that both believe they lead
(a holder stalled past its lease) still do no harm: the lease elects a worker, it does not guard data.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from abc import ABC, abstractmethod

from jrp.adapters.store.dbapi import Driver

log = logging.getLogger(__name__)

TAKE = "UPDATE log_lease SET holder = ?, expires_at = ? WHERE name = ? AND (holder = ? OR expires_at < ?)"
CREATE = "INSERT INTO log_lease (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING"
RELEASE = "DELETE FROM log_lease WHERE name = ? AND holder = ?"


def new_holder() -> str:
    """A name for this process as the holder of leases and claims: host, pid and a random part (pids recur)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(driver: Driver, name: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease ``name`` for ``seconds``; False while another live holder has it."""
    now = time.time()
    with driver.connection() as connection:
        cursor = connection.cursor()
        try:
            cursor.execute(driver.sql(TAKE), (holder, now + seconds, name, holder, now))
            taken = cursor.rowcount == 1
            if not taken:
                cursor.execute(driver.sql(CREATE), (name, holder, now + seconds))
                taken = cursor.rowcount == 1
            connection.commit()
        finally:
            cursor.close()
    return taken


def release(driver: Driver, name: str, holder: str) -> None:
    with driver.connection() as connection:
        cursor = connection.cursor()
        try:
            cursor.execute(driver.sql(RELEASE), (name, holder))
            connection.commit()
        finally:
            cursor.close()


class LeasedLoop(ABC):
    """A thread that runs :meth:`work` every ``interval`` seconds while this process holds the lease.

    Subclasses say how the lease is taken and released (:meth:`take`, :meth:`give_back`: the log's
    writes it under the appenders' lock) and what one round does.
    """

    thread_name = "jrp-leased-loop"

    def __init__(self, *, interval: float, lease_seconds: float):
        self.interval = interval
        self.lease_seconds = lease_seconds
        self.holder = new_holder()
        self.leading = False
        self._renew_at = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)

    @abstractmethod
    def take(self) -> bool:
        """Take or renew the lease for ``lease_seconds``; False while another live holder has it."""

    @abstractmethod
    def give_back(self) -> None:
        """Release the lease (on stop, while leading)."""

    @abstractmethod
    def work(self) -> int:
        """One round of the job (only while leading); returns how much it did."""

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        if self.leading:
            self.give_back()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def renew(self) -> None:
        """Take or renew the lease when due (a write per process every ``lease_seconds / 3``, not per round)."""
        now = time.monotonic()
        if now >= self._renew_at:
            self.leading = False  # until the database says otherwise
            self.leading = self.take()
            self._renew_at = now + self.lease_seconds / 3

    def step(self) -> int:
        """One round: renew the lease when due, then work if leading."""
        self.renew()
        return self.work() if self.leading else 0

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.step()
            except Exception:  # the next round retries; what the job had not committed is redone, never lost
                log.exception("%s round failed", self.thread_name)
