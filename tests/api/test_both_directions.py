"""Right in both directions, through the API as an approval system meets it, on SQLite and PostgreSQL: what the
source says comes in (a Shanghai list entry is accepted with its region), and a doubt answers review or the bar the
law sets, never allow (a penalty whose source states no class)."""

from __future__ import annotations

from typing import Any

from jrp.adapters.facts.demo import make_uscc
from tests.api.conftest import Api


def _ingest(api: Api, *events: dict[str, Any]) -> dict[str, Any]:
    response = api.client.post("/v1/events", json={"events": list(events)}, headers=api.headers("ingester"))
    assert response.status_code == 200, response.text
    return response.json()


def _check(api: Api, subject: str, **body: Any) -> dict[str, Any]:
    response = api.client.post("/v1/checks", headers=api.headers("checker_any"), json={
        "subject": {"id": subject}, "purpose": "审批项目 2026-118", "as_of": "2026-06-01", **body})
    assert response.status_code == 200, response.text
    return response.json()


def _shanghai_entry(subject: str, key: str, **fields: Any) -> dict[str, Any]:
    return {"type": "list_entry_added", "idempotency_key": key, "record_id": key, "subject": {"id": subject},
            "occurred_on": "2026-01-05", "list_id": "sh-serious-dishonest-subjects", "domain": "food_safety",
            "source": {"authority": "上海市市场监督管理局", "doc_no": f"沪市监严〔2026〕{key}号"}, **fields}


def test_a_shanghai_serious_entry_is_accepted_with_its_region_and_recognised_in_jiangsu(api: Api) -> None:
    subject = make_uscc("320500", "YRD00001")
    report = _ingest(api, _shanghai_entry(subject, "yrd-1", region="CN-SH"))
    assert report["accepted"] == 1, report
    answer = _check(api, subject, scenario="administrative_licensing", role="applicant", jurisdiction="CN-JS-SZ")
    assert answer["outcome"] == "review"
    assert [m["measure_id"] for m in answer["measures"]] == ["credit-review-reference"]


def test_another_regions_list_type_without_its_region_is_refused_naming_the_field_and_the_fix(api: Api) -> None:
    response = api.client.post("/v1/events", headers=api.headers("ingester"),
                               json={"events": [_shanghai_entry(make_uscc("320500", "YRD00002"), "yrd-2")]})
    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    assert item["status"] == "rejected" and item["field"] == "list_id"
    assert "sh-serious-dishonest-subjects (CN-SH)" in item["reason"] and "`region`" in item["reason"]


def test_a_penalty_whose_source_states_no_class_bars_a_supplier_it_excludes(api: Api) -> None:
    """A criminal penalty for illegal business (政府采购法 art. 22(1)(5)): no class is stated, and none is needed."""
    subject = make_uscc("320600", "CRMN0001")
    _ingest(api, {"type": "penalty_issued", "idempotency_key": "crim-1", "record_id": "crim-1",
                  "subject": {"id": subject}, "occurred_on": "2025-09-01", "domain": "market",
                  "sanctions": ["criminal_penalty"], "source": {"authority": "南通市中级人民法院", "doc_no": "（2025）苏06刑初12号"}})
    answer = _check(api, subject, scenario="government_procurement", role="supplier", jurisdiction="CN-JS-NT")
    assert answer["outcome"] == "deny"
    (measure,) = answer["measures"]
    assert measure["measure_id"] == "gp-major-illegal-record" and measure["applies"]
