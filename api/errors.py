"""API errors: the exceptions routes raise, and one table mapping every exception type to a response.

Every error body is an ``ErrorV1``: a code, a sentence, and field-level items where a
field is at fault. Domain exceptions carry no HTTP status; the table gives it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from jrp.adapters.facts.identity import InvalidIdentifier, mask_resident_ids
from jrp.adapters.log.bundle_store import StoredBundleMismatch
from jrp.adapters.log.crypto.personal_data import PersonalDataUnavailable
from jrp.adapters.log.fact_snapshots import SnapshotMismatch
from jrp.adapters.log.results import ResultMismatch
from jrp.adapters.log.tree import NotYetIntegrated, TreeInconsistent
from jrp.adapters.store.dbapi import StoreDisconnected
from jrp.api.schemas import ErrorItemV1, ErrorV1
from jrp.rulesets.library import NoRulesInForce
from jrp.service import IncompleteRules, RulesUnavailable, TokenAhead, UnknownDecision

log = logging.getLogger("jrp.api")


class NotAuthenticated(Exception):
    """No API key, or one that is not known."""


class Forbidden(Exception):
    """The key's role or scope does not allow this."""


class NotFound(LookupError):
    """The resource named in the path does not exist."""


class BodyTooLarge(HTTPException):
    """The body is over its route's limit (``jrp.api.request_guard``), told before or while it is read."""

    def __init__(self, limit: int):
        super().__init__(413, f"the request body is over this route's limit of {limit:,} bytes; send less at once "
                              "(e.g. split a batch)")


class InvalidField(ValueError):
    """A request field failed a check that needs the server's state (e.g. a known jurisdiction)."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def _validation(error: RequestValidationError) -> ErrorV1:
    items = []
    for problem in error.errors():
        if problem["type"] == "json_invalid":  # the body is not JSON (or repeats a key, see jrp.api.strict_json)
            items.append(ErrorItemV1(field="body", message=f"invalid JSON: {problem.get('ctx', {}).get('error', '')}"))
            continue
        location = [str(part) for part in problem["loc"] if part not in ("body", "query", "path", "header")]
        message = str(problem["msg"]).removeprefix("Value error, ")
        items.append(ErrorItemV1(field=".".join(location) or "body", message=message))
    fields = ", ".join(dict.fromkeys(item.field for item in items))
    return ErrorV1(code="invalid_request", message=f"invalid request: {fields}", errors=items)


def _message(code: str) -> Callable[[Exception], ErrorV1]:
    return lambda error: ErrorV1(code=code, message=str(error))


def _field(error: InvalidField | InvalidIdentifier | NoRulesInForce | TokenAhead) -> ErrorV1:
    return ErrorV1(code="invalid_request", message=f"invalid request: {error.field}",
                   errors=[ErrorItemV1(field=error.field, message=str(error).removeprefix(f"{error.field}: "))])


HTTP_CODES = {404: "not_found", 413: "body_too_large", 429: "rate_limited"}


def _http(error: HTTPException) -> ErrorV1:
    """Starlette's and ours (``BodyTooLarge``), one handler: the console wraps it for its pages."""
    return ErrorV1(code=HTTP_CODES.get(error.status_code, "http_error"), message=str(error.detail))


ERRORS: dict[type[Exception], tuple[int, Callable[..., ErrorV1]]] = {
    RequestValidationError: (422, _validation),
    InvalidField: (422, _field),
    InvalidIdentifier: (422, _field),
    NoRulesInForce: (422, _field),
    TokenAhead: (422, _field),
    NotAuthenticated: (401, _message("not_authenticated")),
    Forbidden: (403, _message("forbidden")),
    NotFound: (404, _message("not_found")),
    UnknownDecision: (404, lambda error: ErrorV1(code="not_found", message=f"no decision {error}")),
    IncompleteRules: (422, lambda error: ErrorV1(code="rules_incomplete", message=str(error),
                                                 errors=[ErrorItemV1(field="as_of", message=str(error))])),
    SnapshotMismatch: (500, _message("log_integrity")),
    StoredBundleMismatch: (500, _message("log_integrity")),
    ResultMismatch: (500, _message("log_integrity")),
    TreeInconsistent: (500, _message("log_integrity")),
    NotYetIntegrated: (409, _message("not_yet_integrated")),
    PersonalDataUnavailable: (410, _message("personal_data_erased")),
    RulesUnavailable: (404, _message("rules_unavailable")),
    StoreDisconnected: (503, lambda _error: ErrorV1(code="store_unavailable",
                                                    message="the database dropped the connection; retry the request")),
    HTTPException: (0, _http),  # status taken from the exception (unknown route, wrong method)
}


def install(app: FastAPI) -> None:
    """Register the table's handlers, and a last one that hides internal errors behind a 500."""
    for exception_type, (status, render) in ERRORS.items():
        app.add_exception_handler(exception_type, _handler(status, render))
    app.add_exception_handler(Exception, _internal)


def _handler(status: int, render: Callable[..., ErrorV1]) -> Callable:
    async def handle(_request: Request, error: Exception) -> JSONResponse:
        code = status or getattr(error, "status_code", 500)
        headers = dict(getattr(error, "headers", None) or {})  # e.g. Allow on a 405
        if code == 401:
            headers["WWW-Authenticate"] = 'Bearer, ApiKey header="X-API-Key"'
        return JSONResponse(render(error).model_dump(mode="json"), status_code=code, headers=headers or None)

    return handle


async def _internal(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, mask_resident_ids(request.url.path))
    body = ErrorV1(code="internal_error", message="internal error; it has been logged")
    return JSONResponse(body.model_dump(mode="json"), status_code=500)
