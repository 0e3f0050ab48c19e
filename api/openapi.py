"""The API's OpenAPI document and its docs page, as an integrator reads them, offline.

FastAPI's document knows the wire models; this adds what it cannot see:

- the API key as a security scheme (``X-API-Key`` or ``Authorization: Bearer``), so the
  docs page has an Authorize button and "Try it out" sends the key;
- the real error body (``ErrorV1``: ``{code, message, errors[{field, message}]}``) for every
  error an operation can answer: 401, 422 and 503 on every ``/v1`` operation, 400 and 413
  where a body is sent, and what each route declares itself (403, 404);
- the constraints a request must meet beyond its types: identifiers with their check
  digits (format ``credit-code``: a USCC, GB 32100, or a resident ID, GB 11643), the
  jurisdictions and ruleset versions the library knows, a reason when measures are waived;
- an example of every request and response, recorded from a demo store by
  ``docs/make_api_examples.py`` (``openapi_examples.json``; a test keeps them valid).

``/docs`` serves Swagger UI from the ``swagger-ui-bundle-v2`` package (Apache-2.0, its
licence is in the package): nothing is loaded from another site.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from jrp.api.request_guard import PUBLIC_PATHS
from jrp.api.schemas import ErrorV1
from jrp.runtime import Runtime

EXAMPLES = Path(__file__).parent / "openapi_examples.json"
ASSETS = "/docs/assets"
CREDIT_CODE = "credit-code"
USCC = r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}"
RESIDENT_ID = r"[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9X]"
CREDIT_CODE_SCHEMA = {
    "type": "string", "format": CREDIT_CODE, "pattern": f"^({USCC}|{RESIDENT_ID})$",
    "description": "a unified social credit code (GB 32100-2015, 18 characters) or a resident ID number "
                   "(GB 11643-1999, 18 characters); the check character is verified",
}
ERROR_DESCRIPTIONS = {
    400: "the request cannot be read (e.g. a Content-Length that is not a number)",
    401: "no API key, or an unknown, revoked or expired one (answered before the body is read)",
    403: "the key's role, scenarios or jurisdictions do not allow this",
    404: "what the path names does not exist",
    409: "not yet possible: the decision is logged but not yet in a signed tree (within a second); ask again",
    410: "gone for good: the personal data this needs was erased after its retention period",
    413: "the body is over this route's limit (answered before the body is read)",
    422: "a field breaks a rule: `errors` names each field and what to send instead",
    429: "too many requests from this address for a public endpoint; retry after the seconds `Retry-After` says",
    503: "the database dropped the connection; send the request again",
}
SECURITY_SCHEMES = {
    "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
               "description": "the key `jrp keys create` (or `jrp demo`) printed, e.g. jrp_3Yv…"},
    "Bearer": {"type": "http", "scheme": "bearer", "description": "the same key as `Authorization: Bearer <key>`"},
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the error statuses it answers besides those every operation has."""
    return {status: {"model": ErrorV1, "description": ERROR_DESCRIPTIONS[status]} for status in statuses}


def install(app: FastAPI, runtime: Runtime) -> None:
    """Serve ``/openapi.json`` with the additions above and ``/docs`` with local assets."""
    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = complete(spec, runtime)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="jrp API", swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
                                   swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True,
                                                          "validatorUrl": None})  # no badge from another site


def complete(spec: dict[str, Any], runtime: Runtime) -> dict[str, Any]:
    """FastAPI's document with security, error answers, real constraints and examples."""
    components = spec.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    _constrain(schemas, runtime)
    examples = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    schemas["ErrorV1"]["examples"] = [examples["error"]]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path in PUBLIC_PATHS:
                operation["security"] = []
            elif path.startswith("/v1/"):
                operation["security"] = [{"ApiKey": []}, {"Bearer": []}]
                _error_answers(operation)
            _parameters(operation, runtime)
            _examples(operation, examples["operations"].get(f"{method.upper()} {path}", {}))
    return spec


def _error_answers(operation: dict[str, Any]) -> None:
    statuses = [401, 422, 503] + ([400, 413] if "requestBody" in operation else [])
    responses = operation["responses"]
    for status in statuses:
        responses.setdefault(str(status), {"description": ERROR_DESCRIPTIONS[status]})
    for status, response in responses.items():
        if status.startswith(("4", "5")):
            response["description"] = ERROR_DESCRIPTIONS.get(int(status), response.get("description", ""))
            response["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorV1"}}}


def _constrain(schemas: dict[str, Any], runtime: Runtime) -> None:
    """Identifiers with check digits, known jurisdictions, and a reason for every waiver."""
    schemas["SubjectV1"]["properties"]["id"] = CREDIT_CODE_SCHEMA
    jurisdictions = {"type": "string", "enum": list(runtime.library.jurisdictions),
                     "description": "a jurisdiction of the rulesets; default: the key's only one, else CN"}
    for name in ("CheckRequestV1", "BatchRequestV1"):
        schemas[name]["properties"]["jurisdiction"] = {"anyOf": [jurisdictions, {"type": "null"}]}
    schemas["FeedbackRequestV1"].update({
        "if": {"properties": {"action": {"const": "waived"}}, "required": ["action"]},
        "then": {"properties": {"reason": {"type": "string", "pattern": r"\S"}}, "required": ["reason"]},
    })


def _parameters(operation: dict[str, Any], runtime: Runtime) -> None:
    library = runtime.library
    refs = [f"{f.ref.id}@{f.ref.version}" for f in library.files]
    choices = {"jurisdiction": list(library.jurisdictions), "from": refs, "to": refs,
               "ruleset_id": list(library.ruleset_ids)}
    for parameter in operation.get("parameters", []):
        name = parameter["name"]
        if name == "subject_id":
            parameter["schema"] = CREDIT_CODE_SCHEMA
        elif name in choices:
            parameter["schema"] = {"type": "string", "enum": choices[name]}


def _examples(operation: dict[str, Any], recorded: dict[str, Any]) -> None:
    if "request" in recorded and "requestBody" in operation:
        operation["requestBody"]["content"]["application/json"]["example"] = recorded["request"]
    for status, example in recorded.get("responses", {}).items():
        content = operation["responses"].get(status, {}).get("content", {})
        if "application/json" in content:
            content["application/json"]["example"] = example
