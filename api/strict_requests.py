"""Requests that mean something other than they say are refused: a JSON key given twice, an unknown query parameter.

Python's ``json`` (and so FastAPI) keeps the last of duplicated keys silently, and FastAPI
ignores query parameters a route does not declare, so ``?offset=100`` or ``?page=2`` on a
route that pages with a cursor answered the first page as if it were the one asked for.
Every API router uses :class:`StrictRoute`: its requests parse JSON with a hook that
raises on the first repeated key, and name any undeclared query parameter; both become
the usual 422 with the field and the fix. So does a body holding what no field can store
(``jrp.adapters.facts.limits.json_problems``: ``1e400``, ``Infinity``, a lone surrogate),
named by its path (``events.0.amount``) before any schema or database sees it, and a body
nested deeper than the parser goes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from jrp.adapters.facts.limits import json_problems


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise json.JSONDecodeError(f"the key {key!r} is given twice in one object; send it once", "", 0)
        result[key] = value
    return result


def strict_json(body: bytes) -> Any:
    """``body`` decoded as JSON; :class:`json.JSONDecodeError` if it is not JSON, repeats a key in an object or
    nests deeper than Python's parser can follow."""
    try:
        return json.loads(body, object_pairs_hook=_unique)
    except RecursionError:
        raise json.JSONDecodeError("nested too deep; send the data flatter", "", 0) from None


# what a body must hold for the walk to find anything: a surrogate escape, a non-finite constant, an exponent of
# three digits or a run of 300 digits (both can overflow a float)
SUSPECT = re.compile(rb"\\u[dD][89a-fA-F]|Infinity|NaN|[0-9.][eE]\+?[0-9]{3}|[0-9]{300}")


def refuse_unstorable(body: Any) -> None:
    """A 422 naming each place in a parsed JSON body that holds a non-finite number or a lone surrogate."""
    problems = [{"type": "value_error", "loc": ("body", *path), "msg": message, "input": None}
                for path, message in json_problems(body)]
    if problems:
        raise RequestValidationError(problems)


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_json(await self.body())
        return self._json


def declared_query(dependant: Dependant) -> frozenset[str]:
    """The query parameters a route takes, its dependencies' included."""
    declared = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        declared |= {param.alias for param in dependency.query_params}
    return frozenset(declared)


def refuse_unknown_query(request: Request, declared: Collection[str]) -> None:
    """A 422 naming each query parameter of ``request`` that is not in ``declared``."""
    unknown = [name for name in request.query_params if name not in declared]
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise RequestValidationError([{"type": "extra_forbidden", "loc": ("query", name),
                                       "msg": f"unknown query parameter; this route takes: {known}",
                                       "input": request.query_params[name]} for name in unknown])


class StrictRoute(APIRoute):
    """A route whose JSON body may not repeat a key and whose query may hold only declared parameters."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        declared = declared_query(self.dependant)

        async def strict(request: Request) -> Response:
            refuse_unknown_query(request, declared)
            strict_request = StrictJsonRequest(request.scope, request.receive)
            if self.body_field is not None and request.headers.get("content-type", "").startswith("application/json"):
                await _check_body(strict_request)
            return await handler(strict_request)

        return strict


async def _check_body(request: StrictJsonRequest) -> None:
    """Refuse what no field can store; a body that is not JSON is left to the route's own 422."""
    body = await request.body()
    if not body or not SUSPECT.search(body):
        return
    try:
        parsed = await request.json()
    except json.JSONDecodeError:
        return
    refuse_unstorable(parsed)
