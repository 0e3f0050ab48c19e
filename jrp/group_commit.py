"""Group commit for the decision log: concurrent checks share one append transaction.

Every check must be in the log before its answer leaves (查询使用登记), and each append
is a transaction that takes the log's write lock. Under load, the thread that gets the
flush lock appends everything queued so far in one transaction; the others find their
entries already written when they get it. Nothing is acknowledged before it is committed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from jrp.ports import DecisionLog


@dataclass
class _Ticket:
    entries: list[dict[str, Any]]
    results: list[dict[str, Any]] = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False


class GroupCommitLog:
    """Wraps a decision log so that concurrent ``append`` calls are written together."""

    def __init__(self, log: DecisionLog):
        self._log = log
        self._queue_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._pending: list[_Ticket] = []

    def append(self, entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        ticket = _Ticket(list(entries))
        with self._queue_lock:
            self._pending.append(ticket)
        with self._flush_lock:
            if not ticket.done:
                self._flush()
        if ticket.error is not None:
            raise ticket.error
        return ticket.results

    def _flush(self) -> None:
        with self._queue_lock:
            batch, self._pending = self._pending, []
        try:
            results = self._log.append([entry for t in batch for entry in t.entries])
        except BaseException as error:  # every waiting check learns its entry was not recorded
            for t in batch:
                t.error, t.done = error, True
            return
        offset = 0
        for t in batch:
            t.results, t.done = results[offset:offset + len(t.entries)], True
            offset += len(t.entries)

    def get(self, decision_id: str) -> dict[str, Any] | None:
        return self._log.get(decision_id)
