"""The check routes read their body without FastAPI's solver (``jrp.api.lean_route``) and answer as if they did not.

Each request goes to the application as served and to a reference application in which the same
endpoints are routed the ordinary way (``StrictRoute``: FastAPI decodes, solves and validates);
status and body must be the same: 422 items naming the same fields with the same messages, 400,
401/403, and the same answer to a good request.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from jrp.api import errors
from jrp.api.lean_route import LeanRoute, lean
from jrp.api.metrics import Metrics
from jrp.api.routes import checks
from jrp.api.strict_requests import StrictRoute
from tests.api.conftest import DEBTOR, Api
from tests.api.test_errors import CHECK

OPTIONS = {name: value for name, value in CHECK.items() if name != "subject"}
BATCH = {**OPTIONS, "subjects": [CHECK["subject"], {"id": DEBTOR, "name": "x"}]}
JSON = {"content-type": "application/json"}
VARYING = {"decision_id", "evaluated_at", "receipt", "batch_id"}  # differ between any two checks


def _body(value: Any) -> bytes:
    return value if isinstance(value, bytes) else json.dumps(value, ensure_ascii=False).encode()


SINGLE_CASES = [  # (body, headers): types, missing and extra fields, duplicate keys, not JSON, content types
    (CHECK, JSON),
    ({**CHECK, "explain": "yes"}, JSON),
    ({**CHECK, "subject": 5}, JSON),
    ({**CHECK, "subject": {"id": 5}}, JSON),
    ({**CHECK, "subject": {"id": DEBTOR[:-1] + "Z", "type": "robot"}}, JSON),
    ({**CHECK, "as_of": 20250101, "tender_required": "no", "scenario": "karaoke"}, JSON),
    ({"subject": {"id": DEBTOR}}, JSON),
    ({}, JSON),
    ({**CHECK, "surprise": 1, "subject": {"id": DEBTOR, "extra": True}}, JSON),
    (json.dumps(CHECK)[:-1].encode() + b', "purpose": "again"}', JSON),
    (b'{"subject": {"id": "1", "id": "2"}}', JSON),
    (b"{", JSON),
    (b"\xff\xfe", JSON),
    (b"[" * 100_000, JSON),  # nested too deep for the decoder: 400, as FastAPI answers
    (b"", JSON),
    (b"null", JSON),
    (b"[]", JSON),
    (b'"text"', JSON),
    (CHECK, {"content-type": "text/plain"}),
    (CHECK, {"content-type": "application/x-www-form-urlencoded"}),
    (CHECK, {}),
    (CHECK, {"content-type": "application/problem+json; charset=utf-8"}),
    (CHECK, {"content-type": "application/json; charset=utf-8"}),
]


def _reference(api: Api) -> TestClient:
    """The check endpoints routed as FastAPI routes them, over the same runtime."""
    router = APIRouter(prefix="/v1/checks", route_class=StrictRoute)
    for route in checks.router.routes:
        if lean(route.dependant):
            router.add_api_route(route.path.removeprefix("/v1/checks"), route.endpoint, methods=list(route.methods))
    app = FastAPI()
    errors.install(app)
    app.state.runtime, app.state.metrics = api.runtime, Metrics()
    app.include_router(router)
    return TestClient(app)


def _answer(client: TestClient, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    response = client.post(path, content=body, headers=headers)
    data = response.json()
    if isinstance(data, dict):
        data = {name: value for name, value in data.items() if name not in VARYING}
        for result in data.get("results", []):
            for name in VARYING:
                result.pop(name, None)
    return response.status_code, data


def _same(api: Api, path: str, body: bytes, headers: dict[str, str], key: str = "checker_any") -> tuple[int, Any]:
    headers = {**headers, **api.headers(key)}
    lean_answer = _answer(api.client, path, body, headers)
    assert lean_answer == _answer(_reference(api), path, body, headers)
    return lean_answer


def test_the_check_routes_are_lean_and_documented_as_before(api: Api) -> None:
    routes = {route.path: route for route in checks.router.routes}
    assert lean(routes["/v1/checks"].dependant) and lean(routes["/v1/checks/batch"].dependant)
    assert not lean(routes["/v1/checks/batch/{batch_id}/report"].dependant)  # a path and a query: StrictRoute's
    assert all(isinstance(route, LeanRoute) for route in routes.values())
    spec = api.client.get("/openapi.json").json()
    for path, model in (("/v1/checks", "CheckRequestV1"), ("/v1/checks/batch", "BatchRequestV1")):
        body = spec["paths"][path]["post"]["requestBody"]
        assert body["required"] is True
        assert body["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}


@pytest.mark.parametrize("body, headers", SINGLE_CASES)
def test_a_single_check_answers_as_fastapi_would(api: Api, body: Any, headers: dict[str, str]) -> None:
    status, answer = _same(api, "/v1/checks", _body(body), headers)
    if body is CHECK and headers in (JSON, {"content-type": "application/json; charset=utf-8"}):
        assert status == 200 and answer["outcome"] == "deny"
    elif status == 422:
        assert answer["code"] == "invalid_request" and answer["errors"], answer


def test_the_422_items_name_each_field(api: Api) -> None:
    body = {**CHECK, "explain": "yes", "surprise": 1, "subject": {"id": 5}}
    del body["purpose"]
    status, answer = _same(api, "/v1/checks", _body(body), JSON)
    assert status == 422
    assert {item["field"] for item in answer["errors"]} == {"explain", "surprise", "subject.id", "purpose"}
    status, answer = _same(api, "/v1/checks", json.dumps(CHECK)[:-1].encode() + b', "purpose": "x"}', JSON)
    assert (status, answer["errors"]) == (422, [{"field": "body", "message": "invalid JSON: the key 'purpose' is "
                                                                             "given twice in one object; send it once"}])


@pytest.mark.parametrize("body", [BATCH, {**BATCH, "subjects": []}, {**BATCH, "subjects": [{"id": DEBTOR[:-1] + "Z"}]},
                                  {**OPTIONS, "subject": CHECK["subject"]}, {**BATCH, "explain": True},
                                  b'{"subjects": [{"id": "1", "id": "1"}]}', b"{", b""])
def test_a_batch_answers_as_fastapi_would(api: Api, body: Any) -> None:
    status, answer = _same(api, "/v1/checks/batch", _body(body), JSON)
    if body is BATCH:
        assert status == 200 and [r["outcome"] for r in answer["results"]] == ["deny", "deny"]
    else:
        assert status == 422, answer


def test_keys_and_queries_are_checked_as_before(api: Api) -> None:
    assert _same(api, "/v1/checks", _body({**CHECK, "explain": "yes"}), JSON, key="ingester")[0] == 403  # key first
    assert _same(api, "/v1/checks", b"{", JSON, key="ingester")[0] == 422  # but the body is decoded before
    assert _same(api, "/v1/checks/batch", _body(BATCH), JSON, key="auditor")[0] == 403
    status, answer = _same(api, "/v1/checks?explain=true", _body(CHECK), JSON)
    assert status == 422 and answer["errors"][0]["field"] == "explain"
