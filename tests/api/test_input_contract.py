"""One input contract on both databases (adapters/facts/limits.py): text longer than its column, numbers that
are not finite, lone surrogates, free JSON nested too deep and ambiguous identifiers are refused before the
database, with the field named, the same on SQLite and PostgreSQL; nothing is stored and nothing answers 500.

A check answers 422. An event batch keeps its documented contract: an event that breaks a limit is a rejected
item naming the field while its siblings are stored; a body no field can hold (1e400, Infinity, a lone
surrogate) is refused whole with 422 naming the path, as a key given twice is."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from jrp.adapters.facts.orm import EventRow
from jrp.adapters.log.entries import decisions_t
from tests.api.conftest import STRANGER, Api
from tests.api.test_errors import CHECK, _errors
from tests.api.test_hostile_input import EVENT

AMBIGUOUS = "320502197803198671"  # a resident ID's shape with a wrong check digit, and a valid USCC


def _count(api: Api, table: Any) -> int:
    with api.runtime.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def _post_raw(api: Api, path: str, body: str, key: str) -> Any:
    return api.client.post(path, content=body.encode("utf-8", "surrogatepass"),
                           headers={**api.headers(key), "Content-Type": "application/json"})


@pytest.mark.parametrize("change, field", [
    ({"region": "R" * 300}, "region"),
    ({"source": {"authority": "南通市市场监督管理局", "doc_no": "号" * 100_000}}, "source.doc_no"),
    ({"subject": {"id": STRANGER, "name": "名" * 10_000}}, "subject.name"),
    ({"source": {"authority": "局" * 301, "doc_no": "通市监罚〔2025〕7号"}}, "source.authority"),
    ({"domain": "d" * 101}, "domain"),
    ({"amount": 1e13}, "amount"),
    ({"sanctions": ["fine", "fine"]}, "sanctions"),
    ({"raw": _nested(300)}, "raw"),
    ({"subject": {"id": AMBIGUOUS}}, "subject.id"),
])
def test_an_event_over_a_limit_is_rejected_by_field_on_both_databases(fresh_api: Api, change: dict,
                                                                       field: str) -> None:
    before = _count(fresh_api, EventRow)
    response = fresh_api.client.post("/v1/events", json={"events": [{**EVENT, **change}]},
                                     headers=fresh_api.headers("ingester"))
    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    assert (item["status"], item["field"]) == ("rejected", field), item
    assert "send it again" not in item["reason"]  # the contract's words, not the database's
    assert _count(fresh_api, EventRow) == before


@pytest.mark.parametrize("change, literal, path", [
    ({"amount": "@"}, "1e400", "events.0.amount"),
    ({"amount": "@"}, "Infinity", "events.0.amount"),
    ({"amount": "@"}, "-Infinity", "events.0.amount"),
    ({"amount": "@"}, "NaN", "events.0.amount"),
    ({"subject": {"id": STRANGER, "name": "@"}}, '"\\ud800"', "events.0.subject.name"),
    ({"raw": {"k": "@"}}, '{"\\udfff": 1}', "events.0.raw.k.\\udfff"),
])
def test_a_body_no_field_can_hold_is_422_with_its_path(fresh_api: Api, change: dict, literal: str, path: str) -> None:
    body = json.dumps({"events": [{**EVENT, **change}]}, ensure_ascii=False).replace('"@"', literal)
    before = _count(fresh_api, EventRow)
    response = _post_raw(fresh_api, "/v1/events", body, "ingester")
    assert response.status_code == 422, response.text
    assert path in _errors(response), response.text
    assert _count(fresh_api, EventRow) == before


def test_a_resident_id_that_is_also_a_credit_code_is_stored_only_as_the_type_stated(fresh_api: Api) -> None:
    event = {**EVENT, "idempotency_key": "ambiguous-1", "subject": {"id": AMBIGUOUS, "type": "legal_person"}}
    response = fresh_api.client.post("/v1/events", json={"events": [event]}, headers=fresh_api.headers("ingester"))
    assert response.json()["items"][0]["status"] == "accepted", response.text
    refused = fresh_api.client.post("/v1/checks", json={**CHECK, "subject": {"id": AMBIGUOUS}},
                                    headers=fresh_api.headers("checker"))
    assert refused.status_code == 422 and "state the subject's type" in _errors(refused)["subject.id"]
    stated = fresh_api.client.post("/v1/checks", json={**CHECK, "subject": {"id": AMBIGUOUS, "type": "legal_person"}},
                                   headers=fresh_api.headers("checker"))
    assert stated.status_code == 200, stated.text
    read = fresh_api.client.get(f"/v1/subjects/{AMBIGUOUS}", headers=fresh_api.headers("auditor"))
    assert read.status_code == 200 and read.json()["subject"]["subject_type"] == "legal_person", read.text


@pytest.mark.parametrize("change, field", [
    ({"subject": {"id": STRANGER, "name": "名" * 10_000}}, "subject.name"),
    ({"jurisdiction": "CN-" + "J" * 300}, "jurisdiction"),
    ({"purpose": "核查 320502197803152316 的投标"}, "purpose"),
    ({"purpose": "bid", "reference": "32050219780315231x"}, "reference"),
    ({"subject": {"id": AMBIGUOUS}}, "subject.id"),
])
def test_a_check_over_a_limit_is_422_naming_the_field_and_logs_nothing(fresh_api: Api, change: dict,
                                                                        field: str) -> None:
    before = _count(fresh_api, decisions_t)
    response = fresh_api.client.post("/v1/checks", json={**CHECK, **change}, headers=fresh_api.headers("checker"))
    assert response.status_code == 422, response.text
    assert list(_errors(response)) == [field], response.text
    assert _count(fresh_api, decisions_t) == before


def test_a_lone_surrogate_in_a_check_is_422_not_500(fresh_api: Api) -> None:
    body = json.dumps({**CHECK, "subject": {"id": STRANGER, "name": "PLACEHOLDER"}}).replace("PLACEHOLDER", "\\ud834")
    response = _post_raw(fresh_api, "/v1/checks", body, "checker")
    assert response.status_code == 422 and list(_errors(response)) == ["subject.name"], response.text
    deep = '{"purpose": ' + "[" * 10_000 + "]" * 10_000 + "}"
    assert _post_raw(fresh_api, "/v1/checks", deep, "checker").status_code == 422


def test_the_limits_are_in_the_openapi_document(api: Api) -> None:
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]
    subject = schemas["SubjectV1"]["properties"]
    assert subject["name"]["maxLength"] == 300
    assert "resident ID" in schemas["CheckRequestV1"]["properties"]["purpose"]["description"]
    penalty = schemas["PenaltyIssued"]["properties"]
    assert penalty["region"]["anyOf"][0]["maxLength"] == 20
    assert penalty["amount"]["anyOf"][0]["maximum"] == 1e12
