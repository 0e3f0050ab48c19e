"""Group commit for the decision log: concurrent checks share one append transaction.

Every check must be in the log before its answer leaves (查询使用登记), and each append
is a transaction that takes the log's write lock. Under load, the thread that gets the
flush lock appends everything queued so far in one transaction; the others find their
entries already written when they get it. Checks answered on the event loop
(``append_async``) are gathered per loop tick: every check that reaches its append in
the same tick shares one ``append``, run on the loop itself (handing it to a thread cost
more than the write: 1,153 vs 2,586 checks/s in ``bench/http_bench.py``). Nothing is
acknowledged before it is committed.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator
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
        self._tick: list[tuple[list[dict[str, Any]], asyncio.Future]] = []

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

    async def append_async(self, entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """``append`` for a coroutine on the event loop (one loop per log, as uvicorn runs it)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._tick.append((list(entries), future))
        if len(self._tick) == 1:  # the first of this tick schedules the flush behind the others
            loop.call_soon(self._flush_tick)
        return await future

    def _flush_tick(self) -> None:
        waiting, self._tick = self._tick, []
        try:
            results = self.append([entry for group, _ in waiting for entry in group])
        except BaseException as error:  # every waiting check learns its entry was not recorded
            for _, future in waiting:
                if not future.cancelled():  # a check whose client went away is cancelled
                    future.set_exception(error)
            return
        for (_, future), share in zip(waiting, _shares(results, [len(group) for group, _ in waiting])):
            if not future.cancelled():
                future.set_result(share)

    def _flush(self) -> None:
        with self._queue_lock:
            batch, self._pending = self._pending, []
        try:
            results = self._log.append([entry for t in batch for entry in t.entries])
        except BaseException as error:  # every waiting check learns its entry was not recorded
            for t in batch:
                t.error, t.done = error, True
            return
        for t, share in zip(batch, _shares(results, [len(t.entries) for t in batch])):
            t.results, t.done = share, True

    def get(self, decision_id: str) -> dict[str, Any] | None:
        return self._log.get(decision_id)


def _shares(results: list[dict[str, Any]], sizes: list[int]) -> Iterator[list[dict[str, Any]]]:
    """``results`` cut into consecutive pieces of ``sizes``: each appender's own entries."""
    offset = 0
    for size in sizes:
        yield results[offset:offset + size]
        offset += size
