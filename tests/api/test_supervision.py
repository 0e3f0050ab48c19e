"""Graded supervision of a subject: its class, inspection multiplier and grounds, never logged."""

from __future__ import annotations

from jrp.access import Role
from tests.api.conftest import CLEAN, DEBTOR, STRANGER, Api

NANTONG = {"jurisdiction": "CN-JS-NT", "as_of": "2025-06-01"}


def _supervision(api: Api, subject: str, key: str = "auditor", **params: str):
    return api.client.get(f"/v1/subjects/{subject}/supervision", params=params, headers=api.headers(key))


def test_a_listed_subject_is_inspected_more_and_a_clean_one_normally(api: Api) -> None:
    listed = _supervision(api, DEBTOR, **NANTONG)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["subject"] == DEBTOR and body["jurisdiction"] == "CN-JS-NT" and body["as_of"] == "2025-06-01"
    assert body["supervision_class"] == "D" and body["inspection_multiplier"] == 2.0
    assert any("dishonest-judgment-debtors" in ground for ground in body["grounds"])
    clean = _supervision(api, CLEAN, key="admin", **NANTONG).json()
    assert (clean["supervision_class"], clean["inspection_multiplier"], clean["grounds"]) == ("B", 1.0, [])
    unknown = _supervision(api, STRANGER, **NANTONG).json()
    assert unknown["supervision_class"] == "B"


def test_supervision_is_not_recorded_in_the_decision_log(api: Api) -> None:
    before = len(api.runtime.log.search(subject_id=DEBTOR, limit=1000))
    assert _supervision(api, DEBTOR, key="checker_any", **NANTONG).status_code == 200
    assert len(api.runtime.log.search(subject_id=DEBTOR, limit=1000)) == before


def test_roles_and_checker_scopes(api: Api) -> None:
    for key in ("maintainer", "ingester"):
        assert _supervision(api, DEBTOR, key=key, **NANTONG).status_code == 403
    denied = _supervision(api, DEBTOR, key="checker", **NANTONG)  # scoped to procurement and bidding
    assert denied.status_code == 403 and "inspection" in denied.json()["message"]
    inspector = api.runtime.keys.create_key("inspector", Role.checker, ["inspection"], ["CN-JS-NT"]).plaintext
    headers = {"X-API-Key": inspector}
    own = api.client.get(f"/v1/subjects/{DEBTOR}/supervision", headers=headers)
    assert own.status_code == 200 and own.json()["jurisdiction"] == "CN-JS-NT"
    above = api.client.get(f"/v1/subjects/{DEBTOR}/supervision", params={"jurisdiction": "CN-JS"}, headers=headers)
    assert above.status_code == 403


def test_bad_subject_ids_and_jurisdictions_are_rejected(api: Api) -> None:
    assert _supervision(api, "913206000000000000").status_code == 422
    bad = _supervision(api, DEBTOR, jurisdiction="CN-ZZ")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "jurisdiction"
    assert _supervision(api, DEBTOR, as_of="not-a-date").status_code == 422
