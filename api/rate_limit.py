"""A per-client request budget for the endpoints anyone may call without a key (the verification of a report by
its code): at most ``limit`` requests per ``window`` seconds per client address, counted in this process.

Guessing a code means trying 2⁸⁰ digests per batch; the budget keeps the endpoint from being a free
reader of the log's batches all the same, and one client from crowding out the others.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from fastapi import HTTPException


class RateLimit:
    def __init__(self, limit: int, window: float = 60.0, clients: int = 100_000):
        self.limit = limit
        self.window = window
        self.clients = clients  # at most this many addresses remembered: the oldest are forgotten first
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> None:
        """Count one request of ``client``; raise 429 saying when to retry once its budget is spent."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.pop(client, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            self._hits[client] = hits  # moved to the end: the most recent client
            if len(self._hits) > self.clients:
                del self._hits[next(iter(self._hits))]
            if len(hits) >= self.limit:
                wait = max(1, int(hits[0] + self.window - now) + 1)
                raise HTTPException(429, f"too many verifications from this address: at most {self.limit} a "
                                         f"minute; retry in {wait} s", headers={"Retry-After": str(wait)})
            hits.append(now)
