"""Before a byte of a request's body is read: who is calling (``/v1``), and is the body small enough.

FastAPI reads and parses the whole body before any dependency runs, so without this a
200 MB body sent with no key was read into a worker's memory (782 MiB at peak) only to
be answered 401. This ASGI middleware, outermost but for Starlette's error handler:

1. authenticates every ``/v1`` request but for the public keys from its headers (401 at once, the body unread),
   leaving the key in ``request.state.api_key`` for the route's permission check;
2. answers 413 at once when ``Content-Length`` exceeds the route's limit;
3. counts the bytes of bodies sent without a length (chunked) and stops the request
   with 413 when they pass the limit, before the rest is read.

Limits are per path prefix (the longest matching one wins), ``JRP_BODY_LIMITS`` adds or
overrides them, ``JRP_BODY_LIMIT_DEFAULT`` covers every other path.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jrp.api.deps import authenticate
from jrp.api.errors import BodyTooLarge

MiB = 1024 * 1024
BODY_LIMITS: dict[str, int] = {  # path prefix → bytes; sized for each route's largest valid request
    "/v1/events": 64 * MiB,  # 10,000 events with their source rows
    "/v1/checks/batch": 16 * MiB,  # 10,000 subjects with names
    "/v1/subscriptions": 96 * MiB,  # 100,000 subscriptions with their references and targets
    "/v1/rulesets/impact": 16 * MiB,  # a 2,000,000-character candidate, JSON-escaped
    "/console/impact": 16 * MiB,  # the same, uploaded or pasted
}
API_PREFIX = "/v1/"
# the public keys (receipts are verified with them by anyone) and the verification of a report by its code
PUBLIC_PATHS = frozenset({"/v1/audit/keys", "/v1/reports/verify"})


class RequestGuard:
    """The ASGI middleware described in the module docstring."""

    def __init__(self, app: ASGIApp, limits: Mapping[str, int], default: int):
        self.app = app
        self.limits = sorted({**BODY_LIMITS, **limits}.items(), key=lambda item: -len(item[0]))
        self.default = default

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.limits if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            if scope["path"].startswith(API_PREFIX) and scope["path"] not in PUBLIC_PATHS:
                request.state.api_key = authenticate(request)
            limit = self.limit_for(scope["path"])
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                raise BodyTooLarge(limit) if length.isdigit() else HTTPException(400, "Content-Length is not a number")
        except Exception as error:  # refused from the headers alone: answer without reading the body
            await _refuse(request, error, scope, receive, send)
            return
        await self.app(scope, _counted(receive, limit), send)


async def _refuse(request: Request, error: Exception, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer with the application's own handler for ``error`` (JSON for the API, a page for the console)."""
    handlers = scope["app"].exception_handlers
    handler = next(handlers[kind] for kind in type(error).__mro__ if kind in handlers)
    response = await handler(request, error)
    await response(scope, receive, send)


def _counted(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises :class:`BodyTooLarge` once the body passes ``limit`` bytes."""
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return counted
