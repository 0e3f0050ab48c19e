"""Events, credit files, the measures and rulesets catalogue, health and metrics."""

from __future__ import annotations

from jrp.adapters.facts.demo import make_uscc
from tests.api.conftest import DEBTOR, PERSON, Api

UNSEEN = make_uscc("320600", "NEWC0002")
PENALISED = make_uscc("320600", "NEWC0003")  # not STRANGER: other modules check it as never sent to the store

EVENT = {"type": "penalty_issued", "idempotency_key": "api-test-penalty-1", "subject": {"id": PENALISED},
         "occurred_on": "2025-02-01", "domain": "market", "severity": "general", "amount": 5000,
         "source": {"authority": "南通市市场监督管理局", "doc_no": "通市监罚〔2025〕1号"}}


def test_events_get_a_report_per_item(api: Api) -> None:
    bad = {**EVENT, "idempotency_key": "api-test-penalty-2", "subject": {"id": PENALISED[:-1] + "0"}}
    response = api.client.post("/v1/events", json={"events": [EVENT, bad, EVENT]}, headers=api.headers("ingester"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["status"] for item in body["items"]] == ["accepted", "rejected", "duplicate"]
    assert "checksum" in body["items"][1]["reason"] and "subject" in body["items"][1]["field"]
    assert (body["accepted"], body["rejected"], body["duplicate"]) == (1, 1, 1)


def test_the_credit_file_is_for_entitled_roles(api: Api) -> None:
    response = api.client.get(f"/v1/subjects/{DEBTOR}", headers=api.headers("auditor"))
    assert response.status_code == 200
    records = response.json()["records"]
    assert "demo-fixed-debtor-listing" in {r["record_id"] for r in records}
    person = api.client.get(f"/v1/subjects/{PERSON}", headers=api.headers("ingester")).json()
    assert person["related"][0]["subject"]["subject_id"] == DEBTOR
    assert api.client.get("/v1/subjects/913206000000000000", headers=api.headers("auditor")).status_code == 422
    assert api.client.get(f"/v1/subjects/{UNSEEN}", headers=api.headers("admin")).status_code == 404


def test_measures_search_by_text_jurisdiction_scenario_and_list(api: Api) -> None:
    headers = api.headers("checker")
    by_list = api.client.get("/v1/measures", params={"list": "dishonest-judgment-debtors",
                                                     "scenario": "government_procurement"}, headers=headers).json()
    ids = {item["id"] for item in by_list["items"]}
    assert "gp-supplier-disqualified" in ids and by_list["count"] == len(ids)
    national = api.client.get("/v1/measures", params={"jurisdiction": "CN"}, headers=headers).json()
    nantong = api.client.get("/v1/measures", params={"jurisdiction": "CN-JS-NT"}, headers=headers).json()
    assert {i["jurisdiction"] for i in national["items"]} == {"CN"}
    assert "nt-gp-ban" in {i["id"] for i in nantong["items"]} and nantong["count"] > national["count"]
    text = api.client.get("/v1/measures", params={"q": "政府采购"}, headers=headers).json()
    assert text["count"] >= 1 and all(i["kind"] in ("penalty", "incentive") for i in text["items"])
    bad = api.client.get("/v1/measures", params={"jurisdiction": "CN-ZZ"}, headers=headers)
    assert bad.status_code == 422 and "known: CN" in bad.json()["errors"][0]["message"]


def test_a_measure_with_every_version_and_its_basis(api: Api) -> None:
    body = api.client.get("/v1/measures/gp-supplier-disqualified", headers=api.headers("auditor")).json()
    version = body["versions"][0]
    assert version["ruleset_id"] == "cn-basic-list" and version["basis"]
    assert {"matter", "target", "means", "authority", "effective_from"} <= version.keys()
    assert api.client.get("/v1/measures/no-such-measure", headers=api.headers("auditor")).status_code == 404


def test_rulesets_with_versions_headers_and_counts(api: Api) -> None:
    listing = api.client.get("/v1/rulesets", headers=api.headers("maintainer")).json()
    repair = next(r for r in listing if r["id"] == "cn-credit-repair")
    assert [v["version"] for v in repair["versions"]] == ["2023", "2026", "2026.1"]
    assert [v["withdrawn_by"] for v in repair["versions"]] == [None, "2026.1", None], "a corrected edition withdraws"
    detail = api.client.get("/v1/rulesets/nantong-silent-check", headers=api.headers("maintainer")).json()
    assert detail["jurisdiction"] == "CN-JS-NT"
    assert detail["versions"][0]["header"]["version"] == "2021" and detail["versions"][0]["counts"]["rules"] > 0
    assert api.client.get("/v1/rulesets/nope", headers=api.headers("maintainer")).status_code == 404


def test_health_and_metrics(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    api.check()
    text = api.client.get("/metrics").text
    assert 'jrp_checks_total{outcome="deny",scenario="government_procurement"}' in text
    assert 'jrp_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/v1/checks"}' in text
