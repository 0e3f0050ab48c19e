"""The log's sequencer: the one process (of all workers of all hosts) that folds new entries into the tree.

Every serving process runs this thread; about every ``lease_seconds / 3`` it tries to
take or renew its lease (``jrp.adapters.store.leases``, written under the log's lock): one write per process per
second, not per round. The holder integrates pending entries every ``interval`` and signs
checkpoints; the others only keep trying, so when the holder dies (kill -9, a lost host)
its lease lapses after ``lease_seconds`` and another takes over. Two processes that both
believe they lead (a holder stalled past its lease) still build one tree: integration
locks the head row first.
Nothing depends on which process sequences: the answers were durable before the
sequencer saw them.
"""

from __future__ import annotations

from jrp.adapters.log.crypto.signing import SigningKey
from jrp.adapters.log.tree import LogTree
from jrp.adapters.store.leases import LeasedLoop


class Sequencer(LeasedLoop):
    thread_name = "log-sequencer"

    def __init__(self, tree: LogTree, key: SigningKey, *, interval: float = 0.5, lease_seconds: float = 3.0,
                 checkpoint_interval: float = 1.0):
        super().__init__(interval=interval, lease_seconds=lease_seconds)
        self.tree = tree
        self.key = key
        self.checkpoint_interval = checkpoint_interval

    def take(self) -> bool:
        return self.tree.acquire_lease(self.holder, self.lease_seconds)

    def give_back(self) -> None:
        self.tree.release_lease(self.holder)

    def round(self) -> int:
        """One round: renew or take the lease when due, then integrate while entries are pending (if leading)."""
        return self.step()

    def work(self) -> int:
        integrated = 0
        while True:
            done = self.tree.integrate(self.key, self.checkpoint_interval)
            integrated += done
            if done == 0 or self.stopping:
                return integrated
