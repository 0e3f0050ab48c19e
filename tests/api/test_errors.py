"""401 without a key, 403 per role and scope, 422 per field, and never a 500 on garbage."""

from __future__ import annotations

import pytest

from jrp.vocabulary.scenarios import Scenario
from tests.api.conftest import DEBTOR, PERSON, Api

CHECK = {"subject": {"id": DEBTOR}, "scenario": "government_procurement", "role": "supplier",
         "jurisdiction": "CN-JS-NT", "purpose": "bid"}


def _errors(response) -> dict[str, str]:
    return {item["field"]: item["message"] for item in response.json()["errors"]}


def test_no_key_or_an_unknown_key_is_401_and_bearer_works(api: Api) -> None:
    assert api.client.post("/v1/checks", json=CHECK).status_code == 401
    unknown = api.client.post("/v1/checks", json=CHECK, headers={"X-API-Key": "jrp_nope"})
    assert unknown.status_code == 401 and unknown.json()["code"] == "not_authenticated"
    assert api.client.post("/v1/checks", json=CHECK, headers={"Authorization": "Basic abc"}).status_code == 401
    bearer = api.client.post("/v1/checks", json=CHECK, headers={"Authorization": f"Bearer {api.keys['checker']}"})
    assert bearer.status_code == 200


@pytest.mark.parametrize("change, words", [
    ({"scenario": "administrative_licensing", "role": "applicant"}, "scenario 'administrative_licensing'"),
    ({"jurisdiction": "CN-JS-SZ"}, "jurisdiction 'CN-JS-SZ'"),
    ({"jurisdiction": "CN"}, "jurisdiction 'CN'"),
])
def test_a_scoped_checker_is_403_outside_its_scenarios_and_jurisdictions(api: Api, change: dict, words: str) -> None:
    response = api.client.post("/v1/checks", json={**CHECK, **change}, headers=api.headers("checker"))
    assert response.status_code == 403
    assert words in response.json()["message"]
    options = {name: value for name, value in CHECK.items() if name != "subject"}
    batch = api.client.post("/v1/checks/batch", json={**options, **change, "subjects": [CHECK["subject"]]},
                            headers=api.headers("checker"))
    assert batch.status_code == 403


def test_a_scoped_checker_defaults_to_its_jurisdiction(api: Api) -> None:
    body = {key: value for key, value in CHECK.items() if key != "jurisdiction"}
    response = api.client.post("/v1/checks", json=body, headers=api.headers("checker"))
    assert response.json()["jurisdiction"] == "CN-JS-NT"


@pytest.mark.parametrize("key, method, path", [
    ("ingester", "post", "/v1/checks"),
    ("auditor", "post", "/v1/checks"),
    ("checker", "post", "/v1/events"),
    ("checker", "get", "/v1/audit/verify"),
    ("maintainer", "get", "/v1/audit/verify"),
    ("checker", "get", f"/v1/subjects/{DEBTOR}"),
    ("maintainer", "get", f"/v1/subjects/{DEBTOR}"),
    ("checker", "post", "/v1/decisions/x/replay"),
    ("checker", "get", "/v1/decisions"),
])
def test_roles_are_403_on_endpoints_they_may_not_use(api: Api, key: str, method: str, path: str) -> None:
    body = {"post": {"json": {**CHECK, "events": [{}], "rules": "original"}}, "get": {}}[method]
    response = getattr(api.client, method)(path, headers=api.headers(key), **body)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"


def test_a_checker_reads_only_its_own_decisions(api: Api) -> None:
    decision_id = api.check(key="checker_any")["decision_id"]
    assert api.client.get(f"/v1/decisions/{decision_id}", headers=api.headers("checker_any")).status_code == 200
    assert api.client.get(f"/v1/decisions/{decision_id}", headers=api.headers("checker")).status_code == 403
    assert api.client.get(f"/v1/decisions/{decision_id}", headers=api.headers("auditor")).status_code == 200
    assert api.client.get("/v1/decisions/unknown", headers=api.headers("auditor")).status_code == 404


@pytest.mark.parametrize("change, field, words", [
    ({"subject": {"id": DEBTOR[:-1] + ("0" if DEBTOR[-1] != "0" else "1")}}, "subject.id", "checksum"),
    ({"subject": {"id": PERSON[:-1] + ("0" if PERSON[-1] != "0" else "1")}}, "subject.id", "checksum"),
    ({"subject": {"id": "12345"}}, "subject.id", "length 5"),
    ({"subject": {"id": "3205**********1234"}}, "subject.id", "masked"),
    ({"subject": {"id": DEBTOR, "type": "robot"}}, "subject.type", "natural_person"),
    ({"scenario": "karaoke"}, "scenario", "'government_procurement', 'bidding'"),
    ({"role": "astronaut"}, "role", "'supplier'"),
    ({"jurisdiction": "CN-XX"}, "jurisdiction", "known: CN, CN-JS, CN-JS-NT"),
    ({"purpose": None}, "purpose", ""),
    ({"purpose": "   "}, "purpose", "at least 1 character"),
    ({"as_of": "2025-02-30"}, "as_of", "date"),
    ({"surprise": 1}, "surprise", "not permitted"),
])
def test_bad_fields_are_422_naming_the_field(api: Api, change: dict, field: str, words: str) -> None:
    body = {**CHECK, **change}
    if change.get("purpose", "") is None:
        del body["purpose"]
    response = api.client.post("/v1/checks", json=body, headers=api.headers("checker_any"))
    assert response.status_code == 422, response.text
    errors = _errors(response)
    assert field in errors and words in errors[field], errors


def test_an_unknown_scenario_lists_every_valid_one(api: Api) -> None:
    response = api.client.post("/v1/checks", json={**CHECK, "scenario": "x"}, headers=api.headers("checker_any"))
    assert all(s.value in _errors(response)["scenario"] for s in Scenario)


def test_batch_errors_name_the_subject_by_position_and_the_size_limit(api: Api) -> None:
    options = {name: value for name, value in CHECK.items() if name != "subject"}
    subjects = [{"id": DEBTOR}] * 3 + [{"id": DEBTOR[:-1] + "Z"}]
    response = api.client.post("/v1/checks/batch", json={**options, "subjects": subjects},
                               headers=api.headers("checker_any"))
    assert response.status_code == 422 and "subjects.3.id" in _errors(response)
    too_many = api.client.post("/v1/checks/batch", json={**options, "subjects": [{"id": DEBTOR}] * 10_001},
                               headers=api.headers("checker_any"))
    assert too_many.status_code == 422 and "subjects" in _errors(too_many)
    empty = api.client.post("/v1/checks/batch", json={**options, "subjects": []}, headers=api.headers("checker_any"))
    assert empty.status_code == 422


GARBAGE = [b"", b"{", b"null", b"[]", b'"text"', b"12", b'{"subject": 5}', b'{"subjects": "all"}',
           b'{"events": [1, "x", null]}', b'{"rules": 7}', "\u0000\ud7ff".encode("utf-8", "replace"), b"\xff\xfe"]
ENDPOINTS = [
    ("post", "/v1/checks"), ("post", "/v1/checks/batch"), ("get", "/v1/checks/batch/%00/report"),
    ("get", "/v1/decisions/%27%3B--"), ("post", "/v1/decisions/%27%3B--/replay"), ("get", "/v1/decisions?limit=-1"),
    ("get", "/v1/decisions?since=yesterday"), ("get", "/v1/audit/verify"), ("post", "/v1/events"),
    ("get", "/v1/subjects/DROP%20TABLE"), ("get", "/v1/measures?scenario=%F0%9F%92%A9&jurisdiction=%00"),
    ("get", "/v1/measures/%2E%2E"), ("get", "/v1/rulesets/%2E%2E%2F"), ("get", "/healthz"), ("get", "/metrics"),
]


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_garbage_never_yields_a_500(api: Api, method: str, path: str) -> None:
    for body in GARBAGE if method == "post" else [b""]:
        response = api.client.request(method, path, content=body, headers={**api.headers("admin"),
                                                                          "Content-Type": "application/json"})
        assert response.status_code < 500, (body, response.text)
        if response.status_code >= 400:
            assert {"code", "message"} <= response.json().keys()


def test_control_characters_in_text_are_422_not_a_database_error(api: Api) -> None:
    for change in ({"purpose": "bid\u0000"}, {"reference": "\u0000"}, {"subject": {"id": DEBTOR, "name": "a\u0000"}}):
        response = api.client.post("/v1/checks", json={**CHECK, **change}, headers=api.headers("checker_any"))
        assert response.status_code == 422, response.text
    event = {"type": "subject_registered", "idempotency_key": "nul\u0000", "subject": {"id": DEBTOR, "name": "\u0000"},
             "occurred_on": "2025-01-01", "source": {"authority": "x\u0000", "doc_no": ""}}
    response = api.client.post("/v1/events", json={"events": [event]}, headers=api.headers("ingester"))
    assert response.status_code < 500, response.text
