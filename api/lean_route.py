"""The hot routes without FastAPI's dependency solver: the check routes' body decoded and validated directly.

For every request FastAPI's solver walks the route's dependency tree, parses the content type
with ``email.message`` and validates the body through its own field machinery: about 35 µs of
a warm silent check whose evaluation takes less (``bench/route_layers.py``). A route whose
inputs are one JSON body and dependencies that take only the request needs none of that:
:class:`LeanRoute` reads the body (as strictly as :class:`StrictRoute`: a repeated key is
refused), awaits the dependencies, validates the body with a ``TypeAdapter`` of its declared
model built once, and calls the endpoint with them. The route is declared as any other, so
FastAPI still documents its body and answers in the OpenAPI document, and the errors are the
ones FastAPI's solver raises (same ``RequestValidationError`` items, so the same 422 bodies
naming the field): a field added to the model is decoded, validated and documented with no
change here. Routes with other inputs (path, query, header parameters, dependencies of
dependencies) are left to :class:`StrictRoute`.
"""

from __future__ import annotations

import email.message
import inspect
import json
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from jrp.api.strict_requests import StrictRoute, refuse_unknown_query, strict_json

NO_BODY = object()


def _request_only(dependency: Dependant) -> bool:
    """A named ``async def f(request)`` dependency, which the lean handler can await itself."""
    return (dependency.name is not None and dependency.request_param_name is not None
            and inspect.iscoroutinefunction(dependency.call) and not dependency.dependencies
            and not any(_inputs(dependency)) and len(inspect.signature(dependency.call).parameters) == 1)


def _inputs(dependant: Dependant) -> list[Any]:
    return [*dependant.path_params, *dependant.query_params, *dependant.header_params, *dependant.cookie_params,
            dependant.websocket_param_name, dependant.http_connection_param_name, dependant.response_param_name,
            dependant.background_tasks_param_name, dependant.security_scopes_param_name]


def lean(dependant: Dependant) -> bool:
    """Whether a route of ``dependant`` takes only one JSON body, the request and request-only dependencies."""
    return (len(dependant.body_params) == 1 and not any(_inputs(dependant))
            and all(_request_only(dependency) for dependency in dependant.dependencies))


def is_json(content_type: str | None) -> bool:
    """FastAPI's test of a JSON body (``application/json`` or ``application/*+json``), the usual value at once."""
    if content_type is None:
        return False
    if content_type == "application/json":
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


async def read_json(request: Request) -> Any:
    """The body as FastAPI reads it: :data:`NO_BODY` if empty, its bytes unless it is declared JSON (validation
    refuses them), else the decoded JSON; 422 for invalid JSON or a repeated key, 400 for a body that cannot be read
    (e.g. nested too deep)."""
    try:
        body = await request.body()
        if not body:
            return NO_BODY
        return strict_json(body) if is_json(request.headers.get("content-type")) else body
    except json.JSONDecodeError as error:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error",
                                       "input": {}, "ctx": {"error": error.msg}}]) from error
    except HTTPException:  # the request guard's 413
        raise
    except Exception as error:
        raise HTTPException(400, "There was an error parsing the body") from error


def body_validator(model: Any) -> Callable[[Any], Any]:
    """Validate a decoded body into ``model`` as FastAPI does, errors located under ``body``."""
    adapter = TypeAdapter(model)

    def validate(data: Any) -> Any:
        if data is NO_BODY:
            raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required",
                                           "input": None}])
        try:
            return adapter.validate_python(data, from_attributes=True)
        except ValidationError as error:
            raise RequestValidationError([{**item, "loc": ("body", *item["loc"])}
                                          for item in error.errors(include_url=False)]) from None

    return validate


class LeanRoute(StrictRoute):
    """A :class:`StrictRoute` that, when :func:`lean` allows, solves its few inputs itself (module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        if not lean(self.dependant):
            return super().get_route_handler()
        (body,) = self.dependant.body_params
        validate = body_validator(body.field_info.annotation)
        dependencies = [(d.name, d.call) for d in self.dependant.dependencies]
        request_name = self.dependant.request_param_name
        endpoint = self.dependant.call
        call: Callable[..., Awaitable[Any]] = (endpoint if inspect.iscoroutinefunction(endpoint)
                                               else lambda **values: run_in_threadpool(endpoint, **values))

        async def handle(request: Request) -> Response:
            refuse_unknown_query(request, ())
            data = await read_json(request)  # as FastAPI: the body first, then the dependencies, then validation
            values = {name: await dependency(request) for name, dependency in dependencies}
            values[body.name] = validate(data)
            if request_name:
                values[request_name] = request
            response = await call(**values)
            if not isinstance(response, Response):
                raise TypeError(f"{self.path}: a lean route's endpoint returns a Response, not {type(response)}")
            return response

        return handle
