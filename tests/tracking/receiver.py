"""A real webhook receiver for the tests: an HTTP server on a free local port that verifies each request
with the ``standardwebhooks`` package, as a subscriber would, and drops a repeated ``webhook-id``."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Receiver:
    url: str = ""
    secret: str | None = None  # the subscriber's: set once the API returned it
    status: int = 200  # what the receiver answers (500: down)
    delay: float = 0.0  # seconds before it answers (a slow receiver)
    accepted: list[dict[str, Any]] = field(default_factory=list)  # verified bodies, first arrival of each id
    seen: set[str] = field(default_factory=set)  # their ids: a repeat found at once among the bench's 10,000
    attempts: int = 0
    duplicates: int = 0
    truncated: int = 0  # requests whose body ended before its length: the sender died sending it (kill -9)
    refused: list[str] = field(default_factory=list)  # why verification failed
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, body: bytes, headers: dict[str, str]) -> dict[str, Any] | None:
        """The payload if it verifies with the subscriber's secret, else None (the reason kept)."""
        try:
            return Webhook(self.secret or "whsec_" + "A" * 44).verify(body, headers)
        except WebhookVerificationError as error:
            with self.lock:
                self.refused.append(str(error))
            return None

    def ids(self) -> list[str]:
        with self.lock:
            return [body["data"]["notification_id"] for body in self.accepted]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.accepted) >= count:
                    return list(self.accepted)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.accepted)} of {count} notifications received")


@contextmanager
def running_receiver(path: str = "/hook") -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers["content-length"])
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.attempts += 1
                if len(body) < length:  # nobody is left to answer: nothing to verify or acknowledge
                    receiver.truncated += 1
                    return
            if receiver.delay:
                time.sleep(receiver.delay)
            if receiver.status != 200:
                self.send_response(receiver.status)
                self.end_headers()
                return
            payload = receiver.verify(body, dict(self.headers))
            if payload is None:
                self.send_response(400)
                self.end_headers()
                return
            with receiver.lock:
                if payload["data"]["notification_id"] in receiver.seen:
                    receiver.duplicates += 1
                else:
                    receiver.seen.add(payload["data"]["notification_id"])
                    receiver.accepted.append(payload)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # http.server's 5 resets connections a dispatcher opens at once

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
