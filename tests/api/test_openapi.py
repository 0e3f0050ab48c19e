"""The OpenAPI document integrators read: security, the real error body per status, real constraints,
examples that validate; and /docs served without any other site."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs

from jrp.api.request_guard import PUBLIC_PATHS
from tests.api.conftest import Api

BODY_ERRORS = {"400", "413"}
EVERY_OPERATION_ERRORS = {"401", "422", "503"}


def _spec(api: Api) -> dict[str, Any]:
    response = api.client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(spec: dict[str, Any]):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A validator of ``schema`` whose $refs resolve in the document's components."""
    return jsonschema_rs.validator_for({**schema, "components": spec["components"]})


def test_every_api_operation_declares_the_key_and_its_error_answers(api: Api) -> None:
    spec = _spec(api)
    api_key = spec["components"]["securitySchemes"]["ApiKey"]
    assert (api_key["type"], api_key["in"], api_key["name"]) == ("apiKey", "header", "X-API-Key")
    assert spec["components"]["securitySchemes"]["Bearer"]["scheme"] == "bearer"
    error = {"$ref": "#/components/schemas/ErrorV1"}
    for method, path, operation in _operations(spec):
        if not path.startswith("/v1/"):
            assert "security" not in operation
            continue
        if path in PUBLIC_PATHS:  # the public keys: anyone verifies a receipt
            assert operation["security"] == [], path
            continue
        assert operation["security"] == [{"ApiKey": []}, {"Bearer": []}], path
        statuses = set(operation["responses"])
        expected = EVERY_OPERATION_ERRORS | (BODY_ERRORS if "requestBody" in operation else set())
        assert expected <= statuses, (method, path, statuses)
        for status in statuses - {"200", "201"}:
            assert operation["responses"][status]["content"]["application/json"]["schema"] == error, (path, status)
    by_name = {(m, p): set(o["responses"]) for m, p, o in _operations(spec)}
    assert {"403", "404"} <= by_name[("GET", "/v1/decisions/{decision_id}")]
    assert "403" not in by_name[("GET", "/v1/measures")]  # every role reads the catalogue
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_the_error_body_is_the_real_one(api: Api) -> None:
    spec = _spec(api)
    body = api.client.post("/v1/checks", json={"subject": {"id": "1"}}, headers=api.headers("checker_any")).json()
    _validator(spec, {"$ref": "#/components/schemas/ErrorV1"}).validate(body)
    assert body["errors"] and {"field", "message"} == set(body["errors"][0])


def test_the_schema_states_the_real_constraints(api: Api) -> None:
    spec = _spec(api)
    schemas = spec["components"]["schemas"]
    subject_id = schemas["SubjectV1"]["properties"]["id"]
    assert subject_id["format"] == "credit-code" and "GB 32100" in subject_id["description"]
    assert re.match(subject_id["pattern"], "91320508MA1X000178") and not re.match(subject_id["pattern"], "12345")
    jurisdiction = schemas["CheckRequestV1"]["properties"]["jurisdiction"]["anyOf"][0]
    assert jurisdiction["enum"] == list(api.runtime.library.jurisdictions)
    feedback = _validator(spec, {"$ref": "#/components/schemas/FeedbackRequestV1"})
    assert not feedback.is_valid({"action": "waived", "reason": " "})
    assert feedback.is_valid({"action": "waived", "reason": "竞争不足，经批准豁免"})
    assert feedback.is_valid({"action": "applied"})
    diff = next(o for m, p, o in _operations(spec) if p == "/v1/rulesets/diff")
    assert "cn-credit-repair@2026" in next(p for p in diff["parameters"] if p["name"] == "from")["schema"]["enum"]


def test_every_json_request_and_answer_has_an_example_that_validates(api: Api) -> None:
    spec = _spec(api)
    examples = 0
    for method, path, operation in _operations(spec):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            assert "example" in body, (method, path)
            _validator(spec, body["schema"]).validate(body["example"])
            examples += 1
        for status, response in operation["responses"].items():
            content = response.get("content", {}).get("application/json")
            if status.startswith("2") and content:
                assert "example" in content, (method, path, status)
                _validator(spec, content["schema"]).validate(content["example"])
                examples += 1
    assert examples >= 25
    _validator(spec, {"$ref": "#/components/schemas/ErrorV1"}).validate(spec["components"]["schemas"]["ErrorV1"]
                                                                       ["examples"][0])


def test_docs_are_served_from_jrp_itself(api: Api) -> None:
    page = api.client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/docs/assets/") for source in sources), sources
    assert "http" not in page.text.replace("url: '/openapi.json'", "")
    for source in sources:
        asset = api.client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 500, source
    assert api.client.get("/redoc").status_code == 404  # ReDoc would load from a CDN: not offered
