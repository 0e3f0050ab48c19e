"""The tracker's election: one process of all hosts re-evaluates subscriptions, the holder of a lease.

The same lease as the log's sequencer (``jrp.adapters.log.sequencer``), a row of ``log_lease`` of its
own name: renewed every ``lease_seconds / 3`` by its holder, taken over by another process once it
lapses (kill -9, a lost host). Two trackers that both believe they lead still write each notification
once: the tracker's position and the notifications commit together, and a re-evaluation of an answer
already moved on finds no change. Dispatching needs no election: deliveries are claimed one by one.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from jrp.adapters.store.dbapi import Driver

log = logging.getLogger(__name__)
NAME = "tracker"


def acquire(driver: Driver, holder: str, seconds: float) -> bool:
    """Take or renew the tracker's lease; False while another live holder has it."""
    now = time.time()
    with driver.connection() as connection:
        cursor = connection.cursor()
        try:
            cursor.execute(driver.sql("UPDATE log_lease SET holder = ?, expires_at = ? WHERE name = ? AND "
                                      "(holder = ? OR expires_at < ?)"), (holder, now + seconds, NAME, holder, now))
            taken = cursor.rowcount == 1
            if not taken:
                cursor.execute(driver.sql("INSERT INTO log_lease (name, holder, expires_at) VALUES (?, ?, ?) "
                                          "ON CONFLICT (name) DO NOTHING"), (NAME, holder, now + seconds))
                taken = cursor.rowcount == 1
            connection.commit()
        finally:
            cursor.close()
    return taken


def release(driver: Driver, holder: str) -> None:
    with driver.connection() as connection:
        cursor = connection.cursor()
        cursor.execute(driver.sql("DELETE FROM log_lease WHERE name = ? AND holder = ?"), (NAME, holder))
        connection.commit()
        cursor.close()


class LeaseLost(RuntimeError):
    pass


class TrackerLoop:
    """Runs ``round`` every ``interval`` seconds while this process holds the tracker's lease."""

    def __init__(self, driver: Driver, round: Callable[[], int], *, interval: float = 1.0, lease_seconds: float = 6.0):
        self.driver = driver
        self.round = round
        self.interval = interval
        self.lease_seconds = lease_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leading = False
        self._renew_at = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jrp-tracker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        if self.leading:
            release(self.driver, self.holder)

    def step(self) -> int:
        self.renew()
        return self.round() if self.leading else 0

    def renew(self) -> None:
        """Renew the lease when due (also between the batches of a long round: ``still_leading``)."""
        now = time.monotonic()
        if now >= self._renew_at:
            self.leading = False
            self.leading = acquire(self.driver, self.holder, self.lease_seconds)
            self._renew_at = now + self.lease_seconds / 3

    def still_leading(self) -> None:
        """Raise :class:`LeaseLost` if another process took the lease (a round stalled past it): stop writing."""
        self.renew()
        if not self.leading:
            raise LeaseLost("the tracker's lease passed to another process")

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.step()
            except LeaseLost:
                log.warning("tracker round stopped: the lease passed to another process")
            except Exception:  # the next round retries from the committed position: nothing is lost
                log.exception("tracker round failed")
