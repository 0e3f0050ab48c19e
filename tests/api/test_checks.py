"""POST /v1/checks and /v1/checks/batch, the batch report, and what a check records."""

from __future__ import annotations

import copy
import shutil
from datetime import datetime

import yaml

from jrp.adapters.facts.ingest import ingest
from jrp.api.schemas import CheckResponseV1
from jrp.engine.codec import digest
from jrp.rulesets.date_checks import boundary_dates
from jrp.rulesets.library import BUNDLED_RULESETS
from tests.api.conftest import CLEAN, DEBTOR, PERSON, STRANGER, TAXPAYER, Api
from tests.publishing import publish_on_file

MEASURE_FIELDS = {"measure_id", "name", "kind", "category", "effect", "jurisdiction", "ruleset_id", "ruleset_version",
                  "legal_basis", "triggered_by", "proportionality", "roles", "until", "disputed", "via", "applies",
                  "review_reasons", "repair"}


def test_nantong_silent_check_denies_a_judgment_debtor_with_the_basis_of_each_measure(api: Api) -> None:
    body = api.check()
    assert body["outcome"] == "deny"
    measures = {m["measure_id"]: m for m in body["measures"]}
    assert "gp-supplier-disqualified" in measures
    assert "nt-gp-ban" not in measures, "Nantong's ban rests on the bad-conduct record (arts. 77, 78), not on this list"
    national = measures["gp-supplier-disqualified"]
    assert set(national) == MEASURE_FIELDS
    assert (national["ruleset_id"], national["jurisdiction"]) == ("cn-basic-list", "CN")
    assert {"instrument_id": "gov-procurement-law", "title": "中华人民共和国政府采购法", "doc_no": "",
            "article": "第22条第1款第2项", "quote": "具有良好的商业信誉和健全的财务会计制度"} in national["legal_basis"]
    trigger = national["triggered_by"][0]
    assert trigger == {"record_id": "demo-fixed-debtor-listing", "record_type": "list_entry",
                       "list_id": "dishonest-judgment-debtors", "severity": "serious",
                       "authority": "苏州市姑苏区人民法院", "doc_no": "（2025）苏0508执1234号",
                       "start": "2025-03-10", "end": None, "ground": "spc-2017-art1-item1", "sanctions": [],
                       "amount": None, "matter": None, "industry": None}
    assert (national["applies"], national["review_reasons"]) == (True, [])
    (repair,) = national["repair"]
    assert repair["record_id"] == "demo-fixed-debtor-listing" and repair["earliest"] is None
    assert repair["until"] is None, "a listing for refusing to perform has no term"
    assert repair["where"] == "作出纳入决定的执行法院" and "performance" in repair["conditions_en"]
    assert {c["article"] for c in repair["legal_basis"]} == {"第10条第1款第1项", "第10条第2款", "第2条第2款"}
    assert body["subject"] == {"id": DEBTOR, "type": "legal_person", "name": "苏州恒远机电设备有限公司"}
    assert body["bundle"]["jurisdiction"] == "CN-JS-NT"
    assert {"id": "nantong-silent-check", "version": "2024.2"} in body["bundle"]["rulesets"]
    assert len(body["bundle"]["hash"]) == 64
    assert "excluded" not in body


def test_what_is_applied_for_narrows_a_measure_and_its_absence_asks_for_review(fresh_api: Api) -> None:
    """精准惩戒 over HTTP: a licence bar reaches the licence its decision names; without the matter, review."""
    api = fresh_api
    ingest(api.runtime.engine, [{"type": "list_entry_added", "idempotency_key": "bar-1", "subject": {"id": CLEAN},
                 "occurred_on": "2025-06-01", "source": {"authority": "苏州市行政审批局", "doc_no": "苏审〔2025〕9号"},
                 "list_id": "licence-false-application", "matter": "危险化学品经营许可"}])
    common = {"key": "checker_any", "subject": {"id": CLEAN}, "scenario": "administrative_licensing",
              "role": "applicant", "jurisdiction": "CN", "as_of": "2025-09-01", "public_safety": True}
    same = api.check(**common, matter="危险化学品经营许可")
    assert (same["outcome"], [m["measure_id"] for m in same["measures"]]) == ("deny", ["licence-reapplication-bar-1y"])
    other = api.check(**common, matter="食品经营许可")
    assert (other["outcome"], other["measures"]) == ("allow", [])
    unsaid = api.check(**common)
    (bar,) = unsaid["measures"]
    assert (unsaid["outcome"], bar["applies"]) == ("review", False)
    assert [r["reason"] for r in bar["review_reasons"]] == ["matter_not_stated"]
    logged = api.client.get(f"/v1/decisions/{same['decision_id']}", headers=api.headers("auditor")).json()
    assert logged["request"]["application"]["matter"] == "危险化学品经营许可"
    replay = api.client.post(f"/v1/decisions/{same['decision_id']}/replay", json={"rules": "original"},
                             headers=api.headers("auditor")).json()
    assert replay["identical"], "the replay applies for the same matter"


def test_a_consumption_restriction_reaches_what_the_provision_lists_and_asks_what_is_bought(api: Api) -> None:
    """最高法 2015 art. 3: the legal representative of a judgment debtor may not fly; living needs are not restricted."""
    common = {"key": "checker_any", "subject": {"id": PERSON}, "scenario": "travel", "role": "consumer",
              "jurisdiction": "CN"}
    flight = api.check(**common, consumption="flight")
    assert flight["outcome"] == "deny" and [m["measure_id"] for m in flight["measures"]] == ["consumption-restriction"]
    unsaid = api.check(**common)
    (restriction,) = unsaid["measures"]
    assert (unsaid["outcome"], restriction["applies"]) == ("review", False)
    assert [r["reason"] for r in restriction["review_reasons"]] == ["consumption_not_stated"]
    assert api.check(**common, consumption="essential")["outcome"] == "allow"
    logged = api.client.get(f"/v1/decisions/{flight['decision_id']}", headers=api.headers("auditor")).json()
    assert logged["request"]["application"]["consumption"] == "flight"
    body = {name: value for name, value in common.items() if name != "key"}
    wrong = api.client.post("/v1/checks", headers=api.headers("checker_any"),
                            json={**body, "purpose": "p", "consumption": "caviar"})
    assert wrong.status_code == 422 and "consumption" in wrong.text


def test_a_subject_the_store_never_saw_is_allowed_not_404(api: Api) -> None:
    body = api.check(subject={"id": CLEAN})
    assert (body["outcome"], body["measures"]) == ("allow", [])
    unknown = api.check(subject={"id": STRANGER})
    assert unknown["outcome"] == "allow"
    assert unknown["subject"]["id"] == STRANGER


def test_explain_lists_what_did_not_apply_and_why(api: Api) -> None:
    body = api.check(scenario="bidding", role="bidder", explain=True)
    assert body["excluded"], "a listed debtor checked for bidding considers the procurement rules"
    assert {"reason", "detail", "record_id", "measure_id", "rule_id"} == set(body["excluded"][0])


def test_measures_reach_the_legal_representative_through_the_debtor(api: Api) -> None:
    body = api.check(key="checker_any", subject={"id": PERSON}, scenario="consumption", role=None, jurisdiction="CN")
    assert body["outcome"] != "allow"
    via = [m["via"] for m in body["measures"] if m["via"]]
    assert via and via[0] == {"subject": DEBTOR, "role": "legal_representative"}


def test_every_check_is_recorded_with_its_inputs_facts_digest_and_bundle(api: Api) -> None:
    body = api.check(reference="NT-2025-001")
    stored = api.client.get(f"/v1/decisions/{body['decision_id']}", headers=api.headers("checker")).json()
    assert stored["purpose"] == "南通市政府采购项目 NT-2025-001"
    assert stored["reference"] == "NT-2025-001"
    assert stored["request"]["subject"]["id"] == DEBTOR
    assert stored["bundle"]["hash"] == body["bundle"]["hash"]
    entry = api.runtime.log.get(body["decision_id"])
    assert stored["facts_digest"] == digest(entry["facts"])  # the digest is of the facts stored beside it
    assert entry["facts"]["subject"]["subject_id"] == DEBTOR and entry["facts"]["records"]
    assert stored["result"]["outcome"] == "deny"
    assert stored["caller"]["department"] == "测试部门"
    assert stored["log"]["seq"] >= 1 and stored["log"]["entry_hash"] == body["receipt"]["entry_hash"]
    assert stored["receipt"] == body["receipt"] and body["receipt"]["decision_id"] == body["decision_id"]


def test_batch_answers_in_order_with_a_summary_and_a_printable_report(api: Api) -> None:
    subjects = [{"id": CLEAN}, {"id": DEBTOR}, {"id": TAXPAYER}, {"id": PERSON, "name": "王建国"}]
    response = api.client.post("/v1/checks/batch", headers=api.headers("checker"), json={
        "scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT",
        "purpose": "南通市政府采购项目 NT-2025-002 供应商资格审查", "subjects": subjects})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["subject"]["id"] for r in body["results"]] == [s["id"] for s in subjects]
    assert [r["outcome"] for r in body["results"]][:2] == ["allow", "deny"]
    assert body["summary"]["deny"] >= 1 and sum(body["summary"].values()) == 4
    report = api.client.get(f"/v1/checks/batch/{body['batch_id']}/report", headers=api.headers("checker"))
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    html = report.text
    assert "信用信息结果报告" in html and "NT-2025-002 供应商资格审查" in html
    assert body["results"][0]["bundle"]["hash"] in html
    assert "失信被执行人不具备政府采购供应商资格" in html and "中华人民共和国政府采购法" in html
    assert PERSON not in html and PERSON[:6] + "********" + PERSON[-4:] in html  # masked for a checker
    assert PERSON in api.client.get(f"/v1/checks/batch/{body['batch_id']}/report", headers=api.headers("auditor")).text
    other = api.client.get(f"/v1/checks/batch/{body['batch_id']}/report", headers=api.headers("checker_any"))
    assert other.status_code == 403
    assert api.client.get("/v1/checks/batch/nope/report", headers=api.headers("auditor")).status_code == 404


def test_repeated_checks_answered_from_one_cached_evaluation_differ_only_in_id_and_time(api: Api) -> None:
    first, second = api.check(reference="A"), api.check(reference="B")
    assert first["decision_id"] != second["decision_id"]
    assert first["evaluated_at"] < second["evaluated_at"]
    varying = {"decision_id": None, "evaluated_at": None, "receipt": None}  # each check gets its own receipt
    assert {**first, **varying} == {**second, **varying}
    assert CheckResponseV1.model_validate(second).model_dump(mode="json", exclude_unset=True) == second
    for body in (first, second):
        stored = api.client.get(f"/v1/decisions/{body['decision_id']}", headers=api.headers("checker")).json()
        assert datetime.fromisoformat(stored["created_at"]) == datetime.fromisoformat(body["evaluated_at"])


def test_a_subject_the_store_never_saw_is_answered_as_each_caller_names_it(api: Api) -> None:
    for name in ("南通甲公司", "南通乙公司"):
        assert api.check(subject={"id": STRANGER, "name": name})["subject"]["name"] == name


def test_a_date_whose_rules_do_not_form_a_bundle_is_refused_not_a_500(make_fresh_api, tmp_path) -> None:
    """A broken chain (a local version reading a list its higher level defines only in a later version) answers 422
    naming as_of. (A list whose ruleset's first edition is later is read ahead for review, ``Library.ahead``.)"""
    rulesets = tmp_path / "rulesets"
    shutil.copytree(BUNDLED_RULESETS, rulesets, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    jiangsu = rulesets / "CN-JS" / "js-supplementary"
    later = yaml.safe_load((jiangsu / "2021.1.yaml").read_text(encoding="utf-8"))
    later["ruleset"].update(version="2023", effective_from="2023-01-01", replaces=[])
    later["lists"].append({**copy.deepcopy(later["lists"][0]), "id": "js-new-list"})  # no YAML aliases
    (jiangsu / "2023.yaml").write_text(yaml.safe_dump(later, allow_unicode=True), encoding="utf-8")
    nantong = rulesets / "CN-JS-NT" / "nantong-silent-check"
    early = yaml.safe_load((nantong / "2024.2.yaml").read_text(encoding="utf-8"))
    early["ruleset"].update(effective_from="2021-12-31", replaces=["2021", "2021.1", "2021.2", "2024", "2024.1"])
    early["rules"].append({"id": "reads-a-later-list", "when": {"list": "js-new-list"},
                           "measures": ["nt-gp-work-safety-review"]})
    (nantong / "2024.2.yaml").write_text(yaml.safe_dump(early, allow_unicode=True), encoding="utf-8")
    publish_on_file(jiangsu / "2023.yaml")  # both as if published so: checks select them
    publish_on_file(nantong / "2024.2.yaml")
    api = make_fresh_api(rulesets)
    response = api.client.post("/v1/checks", headers=api.headers("checker"), json={
        "subject": {"id": DEBTOR}, "scenario": "government_procurement", "role": "supplier",
        "jurisdiction": "CN-JS-NT", "as_of": "2022-06-01", "purpose": "NT-2022-001"})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "rules_incomplete" and body["errors"][0]["field"] == "as_of"
    assert "js-new-list" in body["message"] and "2022-06-01" in body["message"]
    assert api.check(as_of="2025-06-01")["outcome"] == "deny", "dates with whole rules are answered"


def test_every_jurisdiction_answers_on_every_date_its_rules_change(api: Api) -> None:
    """Broken dates (CN-JS-NT 2021-12-31…2024-02-29, CN-JS-SZ-TC 2021-01-01…2021-08-08 answered 500) are gone."""
    library = api.runtime.library
    for jurisdiction in library.jurisdictions:
        for day in boundary_dates(library, jurisdiction):
            if not library.in_force(jurisdiction, day):
                continue  # no rules at all on that day: refused as such, not a bundle problem
            response = api.client.post("/v1/checks", headers=api.headers("checker_any"), json={
                "subject": {"id": DEBTOR}, "scenario": "government_procurement", "role": "supplier",
                "jurisdiction": jurisdiction, "as_of": day.isoformat(), "purpose": "boundary dates"})
            assert response.status_code == 200, (jurisdiction, day, response.text)
