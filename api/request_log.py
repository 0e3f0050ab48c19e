"""Every HTTP request: a request id, a JSON access-log line, and its count and duration in the metrics.

Pure ASGI (no BaseHTTPMiddleware, which runs each request in a task of its own and costs far
more): it wraps ``send`` to add the ``X-Request-ID`` header and note the status, and after the
response it logs and counts once. A caller's ``X-Request-ID`` is kept if well formed (letters,
digits and ``._-:``, at most 64), so a request can be followed across systems; else one is made.
Metrics are labelled by route template (``/v1/decisions/{decision_id}``), never by raw path.
The access log writes the path with every resident ID in it masked (``/v1/subjects/320502********231X``):
a log file is kept, copied and shipped far beyond the store's erasure.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Match

from jrp.adapters.facts.identity import mask_resident_ids
from jrp.logs import REQUEST_ID, AccessLog
from jrp.metrics import ERRORS, LATENCY, REQUESTS

HEADER = b"x-request-id"
WELL_FORMED = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
UNMATCHED = "(unmatched)"


def _request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == HEADER:
            return value.decode() if WELL_FORMED.fullmatch(value) else secrets.token_hex(16)
    return secrets.token_hex(16)


def _route_template(scope: dict[str, Any], routes: Sequence[BaseRoute]) -> str:
    """The template of the route that served the request, or would have: a request refused before routing
    (a 401 of the request guard) is counted under the route it asked for, not lost among ``(unmatched)``."""
    route = scope.get("route")
    if route is not None:
        return route.path
    for candidate in routes:
        if candidate.matches(scope)[0] is not Match.NONE:
            return getattr(candidate, "path", UNMATCHED)
    return UNMATCHED


class RequestLog:
    """ASGI middleware: request id, access log and HTTP metrics for each request."""

    def __init__(self, app: Any, access_log: AccessLog, routes: Sequence[BaseRoute] = ()):
        self.app = app
        self.access_log = access_log
        self.routes = routes  # the API's routes, to name those refused before routing
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope["headers"])
        token = REQUEST_ID.set(request_id)
        status = 500
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Starlette's outermost middleware answers 500 and logs the error after this: the request id
            # stays set for that log line (the request's task ends with it).
            ERRORS.labels("unhandled").inc()
            self._done(scope, started, 500, request_id)
            raise
        self._done(scope, started, status, request_id)
        REQUEST_ID.reset(token)

    def _done(self, scope: dict[str, Any], started: float, status: int, request_id: str) -> None:
        seconds = time.perf_counter() - started
        route = _route_template(scope, self.routes)
        method = scope["method"]
        series = self._series.get((route, method, status))
        if series is None:  # labels() costs a few µs a call: each series' children are looked up once
            series = self._series[(route, method, status)] = (REQUESTS.labels(route, method, str(status)),
                                                              LATENCY.labels(route, method))
        series[0].inc()
        series[1].observe(seconds)
        if self.access_log.fd is not None:
            client = scope.get("client")
            key = scope.get("state", {}).get("api_key")  # set by jrp.api.request_guard: who sent it (events too)
            self.access_log.write(request_id, {
                "event": "request", "method": method, "path": mask_resident_ids(scope["path"]), "route": route,
                "status": status, "duration_ms": round(seconds * 1000, 3), "client": client[0] if client else None,
                "key_id": key.key_id if key is not None else None})
