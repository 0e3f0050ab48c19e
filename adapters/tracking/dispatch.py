"""The dispatcher every serving process runs: claims due deliveries and sends each on a task of its own.

Each delivery is its own asyncio task with its own timeout, so a slow or dead receiver holds one slot of
``concurrency`` and delays no one else; a claim's lease outlasts the timeout, so no other process sends
it meanwhile. Success marks it delivered, a failure schedules a retry with backoff or, past the retry
period, makes it a dead letter (``jrp.adapters.tracking.outbox``). A process killed mid-send leaves its
claims to lapse: another sends them again, with the same id.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import httpx

from jrp.adapters.store.leases import new_holder
from jrp.adapters.tracking.amqp import AmqpSink
from jrp.adapters.tracking.outbox import Claimed, Outbox
from jrp.adapters.tracking.secrets import SecretStore
from jrp.adapters.tracking.webhooks import DeliveryFailed, post
from jrp.tracking.outbound import OutboundPolicy

log = logging.getLogger(__name__)
MARK_WINDOW = 0.05  # seconds of confirmations gathered into one write


def lease_for(timeout: float) -> float:
    """How long a claim holds: past the send's timeout (and the write that follows), short enough that the
    claims of a process killed mid-send are sent by another soon."""
    return 2 * timeout + 1


class Dispatcher:
    def __init__(self, outbox: Outbox, secrets: SecretStore, policy: OutboundPolicy, *, timeout: float = 10.0,
                 concurrency: int = 32, interval: float = 0.2, amqp: AmqpSink | None = None):
        self.outbox = outbox
        self.secrets = secrets
        self.policy = policy
        self.timeout = timeout
        self.concurrency = concurrency
        self.interval = interval
        self.amqp = amqp
        self.holder = new_holder()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._secret_cache: dict[str, tuple[float, list[str]]] = {}

    def start(self) -> None:
        self._thread = threading.Thread(target=lambda: asyncio.run(self.serve()), name="jrp-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 5)

    async def serve(self, until_idle: bool = False) -> int:
        """Send due deliveries until stopped (or, ``until_idle``, until none is due or in flight); the number sent."""
        sent = 0
        in_flight: set[asyncio.Task[Claimed | None]] = set()
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
            try:
                while not self._stop.is_set():
                    claimed: list[Claimed] = []
                    if len(in_flight) <= self.concurrency // 2:  # claim in batches: one write for many
                        try:
                            claimed = await asyncio.to_thread(self.outbox.claim, self.holder,
                                                              self.concurrency - len(in_flight),
                                                              lease_for(self.timeout))
                        except Exception:  # the store is down: try again next round, nothing is lost
                            log.warning("dispatcher: claiming deliveries failed", exc_info=True)
                    for item in claimed:
                        in_flight.add(asyncio.create_task(self._deliver(client, item)))
                    if until_idle and not claimed and not in_flight:
                        return sent
                    if in_flight:  # what finishes within the window is marked in one write
                        done, in_flight = await asyncio.wait(in_flight, timeout=min(self.interval, MARK_WINDOW))
                        confirmed = [item for task in done if (item := task.result()) is not None]
                        await asyncio.to_thread(self.outbox.delivered, confirmed, self.holder)  # one write for all
                        sent += len(confirmed)
                    elif not claimed:
                        await asyncio.sleep(self.interval)
            finally:
                for task in in_flight:
                    task.cancel()
                if self.amqp is not None:
                    await self.amqp.close()
        return sent

    async def _deliver(self, client: httpx.AsyncClient, item: Claimed) -> Claimed | None:
        """Send one delivery: the item if its sink confirmed it (marked with the others done at the same time),
        None if it failed (recorded at once: retried later or dead)."""
        try:
            if item.sink == "webhook":
                secrets = await self._secrets(item.owner_key_id)
                await post(client, self.policy, item.target, item.notification_id, item.body, secrets)
            elif self.amqp is not None:
                await self.amqp.publish(item.target, item.notification_id, item.body)
            else:
                raise DeliveryFailed("no AMQP broker configured (amqp_url)")
        except DeliveryFailed as failure:
            state = await asyncio.to_thread(self.outbox.failed, item, self.holder, str(failure))
            log.info("delivery %s of %s failed (%s): %s", item.sink, item.notification_id, state, failure)
            return None
        return item

    async def _secrets(self, owner_key_id: str) -> list[str]:
        """The subscriber's live secrets, read at most once a second (a rotation signs with both meanwhile)."""
        now = time.monotonic()
        cached = self._secret_cache.get(owner_key_id)
        if cached is None or cached[0] < now:
            cached = (now + 1.0, await asyncio.to_thread(self.secrets.live, owner_key_id))
            self._secret_cache[owner_key_id] = cached
        return cached[1]
