"""Input that cannot be right gets a 422 or a rejected item naming the field and the rule, the same on both
databases; a batch of events is validated whole before anything is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jrp.adapters.facts.orm import EventRow
from tests.api.conftest import DEBTOR, STRANGER, Api
from tests.api.test_errors import CHECK, _errors

EVENT = {"type": "penalty_issued", "idempotency_key": "hostile-ok-1", "subject": {"id": STRANGER},
         "occurred_on": "2025-02-01", "domain": "market", "severity": "general",
         "source": {"authority": "南通市市场监督管理局", "doc_no": "通市监罚〔2025〕7号"}}


def _stored(api: Api) -> int:
    with api.runtime.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(EventRow)).scalar_one()


@pytest.mark.parametrize("key", [{}, 123, True, None, ["a"]])
def test_a_key_that_is_not_text_is_a_rejected_item_beside_stored_siblings(fresh_api: Api, key: object) -> None:
    before = _stored(fresh_api)
    events = [EVENT, {**EVENT, "idempotency_key": key}, {**EVENT, "idempotency_key": "hostile-ok-2"}]
    response = fresh_api.client.post("/v1/events", json={"events": events}, headers=fresh_api.headers("ingester"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(i["status"], i["idempotency_key"]) for i in body["items"]] == [
        ("accepted", "hostile-ok-1"), ("rejected", None), ("accepted", "hostile-ok-2")]
    assert body["items"][1]["field"] == "idempotency_key"
    assert body["accepted"] == _stored(fresh_api) - before  # the answer says exactly what was stored


@pytest.mark.parametrize("change, field, words", [
    ({"occurred_on": "2999-01-01"}, "occurred_on", "after today"),
    ({"occurred_on": 0}, "occurred_on", "YYYY-MM-DD"),
    ({"source": {"authority": "南通市市场监督管理局", "doc_no": ""}}, "source.doc_no", "行政处罚决定书文号"),
    ({"type": "list_entry_added", "list_id": "bad-suppliers", "domain": None}, "list_id", "no ruleset defines"),
    ({"subject": {"id": STRANGER, "name": "南通\u0000"}}, "subject.name", "NUL"),
    ({"raw": {"备注": "\u0000"}}, "raw.备注", "NUL"),
])
def test_impossible_events_are_rejected_with_the_rule_on_both_databases(fresh_api: Api, change: dict, field: str,
                                                                         words: str) -> None:
    event = {name: value for name, value in {**EVENT, **change}.items() if value is not None}
    before = _stored(fresh_api)
    response = fresh_api.client.post("/v1/events", json={"events": [event]}, headers=fresh_api.headers("ingester"))
    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    assert (item["status"], item["field"]) == ("rejected", field) and words in item["reason"], item
    assert "INSERT" not in item["reason"] and "send it again" not in item["reason"]
    assert _stored(fresh_api) == before


@pytest.mark.parametrize("as_of", [0, "0", 20250101, "20250101", "1700000000", True])
def test_as_of_must_be_an_iso_date(api: Api, as_of: object) -> None:
    response = api.client.post("/v1/checks", json={**CHECK, "as_of": as_of}, headers=api.headers("checker_any"))
    assert response.status_code == 422, response.text
    assert "YYYY-MM-DD" in _errors(response)["as_of"]


def test_time_filters_must_be_iso_dates(api: Api) -> None:
    for query in ("since=0", "until=1700000000", "since=20250101"):
        response = api.client.get(f"/v1/decisions?{query}", headers=api.headers("auditor"))
        assert response.status_code == 422, (query, response.text)
    assert api.client.get("/v1/decisions?since=2025-01-01", headers=api.headers("auditor")).status_code == 200
    assert api.client.get(f"/v1/subjects/{DEBTOR}/supervision?as_of=0",
                          headers=api.headers("auditor")).status_code == 422


@pytest.mark.parametrize("field", ["explain", "tender_required"])
@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
def test_booleans_are_booleans(api: Api, field: str, value: object) -> None:
    response = api.client.post("/v1/checks", json={**CHECK, field: value}, headers=api.headers("checker_any"))
    assert response.status_code == 422 and field in _errors(response)
