"""The tracker's election: one process of all hosts re-evaluates subscriptions, the holder of a lease.

A lease of ``log_lease`` of its own name (``jrp.adapters.store.leases``, as the log's sequencer holds
its own): renewed every ``lease_seconds / 3`` by its holder, taken over by another process once it
lapses (kill -9, a lost host). Two trackers that both believe they lead still write each notification
once: the tracker's position and the notifications commit together, and a re-evaluation of an answer
already moved on finds no change. Dispatching needs no election: deliveries are claimed one by one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from jrp.adapters.store import leases
from jrp.adapters.store.dbapi import Driver

log = logging.getLogger(__name__)
NAME = "tracker"


class LeaseLost(RuntimeError):
    pass


class TrackerLoop(leases.LeasedLoop):
    """Runs ``round`` every ``interval`` seconds while this process holds the tracker's lease."""

    thread_name = "jrp-tracker"

    def __init__(self, driver: Driver, round: Callable[[], int], *, interval: float = 1.0, lease_seconds: float = 6.0):
        super().__init__(interval=interval, lease_seconds=lease_seconds)
        self.driver = driver
        self.round = round

    def take(self) -> bool:
        return leases.acquire(self.driver, NAME, self.holder, self.lease_seconds)

    def give_back(self) -> None:
        leases.release(self.driver, NAME, self.holder)

    def work(self) -> int:
        try:
            return self.round()
        except LeaseLost:
            log.warning("tracker round stopped: the lease passed to another process")
            return 0

    def still_leading(self) -> None:
        """Raise :class:`LeaseLost` if another process took the lease (a round stalled past it): stop writing.
        Called between the batches of a long round, so it also renews the lease when due."""
        self.renew()
        if not self.leading:
            raise LeaseLost("the tracker's lease passed to another process")
