"""Answers say what they rest on: an unknown subject is flagged, a date without rules and a role foreign to the
scenario are refused, and each measure names the roles it applies to (a check without a role gets them all, in
doubt where the scenario has roles they leave out)."""

from __future__ import annotations

from datetime import date

import pytest

from jrp.vocabulary.scenarios import SCENARIO_ROLES, Scenario
from tests.api.conftest import CLEAN, DEBTOR, STRANGER, Api

OPTIONS = {"scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT", "purpose": "bid"}


def _errors(response) -> dict[str, str]:
    return {item["field"]: item["message"] for item in response.json()["errors"]}


def test_a_subject_jrp_never_saw_is_allowed_and_flagged_unknown_in_the_answer_and_the_log(api: Api) -> None:
    unknown, known = api.check(subject={"id": STRANGER}), api.check(subject={"id": CLEAN})
    assert (unknown["outcome"], unknown["subject_known"]) == ("allow", False)
    assert (known["outcome"], known["subject_known"]) == ("allow", True)
    assert api.runtime.log.get(unknown["decision_id"])["subject_known"] is False
    stored = api.client.get(f"/v1/decisions/{unknown['decision_id']}", headers=api.headers("checker")).json()
    assert stored["subject_known"] is False


def test_a_batch_flags_each_unknown_subject(api: Api) -> None:
    response = api.client.post("/v1/checks/batch", headers=api.headers("checker"),
                               json={**OPTIONS, "subjects": [{"id": DEBTOR}, {"id": STRANGER}]})
    assert [r["subject_known"] for r in response.json()["results"]] == [True, False]


@pytest.mark.parametrize("path, extra", [("/v1/checks", {"subject": {"id": DEBTOR}}),
                                          ("/v1/checks/batch", {"subjects": [{"id": DEBTOR}]})])
def test_a_date_before_any_ruleset_is_refused_naming_as_of_and_the_first_date(api: Api, path: str, extra: dict) -> None:
    response = api.client.post(path, headers=api.headers("checker"), json={**OPTIONS, **extra, "as_of": "2010-01-01"})
    assert response.status_code == 422, response.text
    first = api.runtime.library.first_in_force("CN-JS-NT")
    assert first == date(2014, 10, 1)  # cn-tax-credit 2014, the oldest version in the chain
    message = _errors(response)["as_of"]
    assert "2010-01-01" in message and str(first) in message and "CN-JS-NT" in message


def test_the_first_day_rules_are_in_force_is_answered(api: Api) -> None:
    first = api.runtime.library.first_in_force("CN-JS-NT")
    assert api.check(as_of=str(first))["bundle"]["rulesets"]


@pytest.mark.parametrize("path, extra", [("/v1/checks", {"subject": {"id": DEBTOR}}),
                                          ("/v1/checks/batch", {"subjects": [{"id": DEBTOR}]})])
def test_a_role_that_does_not_belong_to_the_scenario_is_refused(api: Api, path: str, extra: dict) -> None:
    body = {**OPTIONS, **extra, "scenario": "consumption", "role": "supplier", "jurisdiction": "CN"}
    response = api.client.post(path, headers=api.headers("checker_any"), json=body)
    assert response.status_code == 422
    assert _errors(response)["role"] == ("role supplier does not belong to scenario consumption; "
                                         "use one of consumer or leave role out")


def test_a_scenario_without_roles_refuses_any_role(api: Api) -> None:
    roleless = next(s for s, roles in SCENARIO_ROLES.items() if not roles)
    response = api.client.post("/v1/checks", headers=api.headers("checker_any"),
                               json={**OPTIONS, "subject": {"id": DEBTOR}, "scenario": roleless.value,
                                     "jurisdiction": "CN"})
    assert _errors(response)["role"] == f"scenario {roleless.value} takes no role; leave role out"


def test_every_scenario_has_an_entry_in_the_role_table() -> None:
    assert SCENARIO_ROLES.keys() == set(Scenario)


def test_without_a_role_every_role_applies_in_doubt_and_each_measure_says_which_roles(api: Api) -> None:
    with_role = api.check(role="supplier")
    without = api.check(role=None)
    assert with_role["outcome"] == "deny"
    assert without["outcome"] == "review"  # the debtor is not let through, nor denied on a guess of its role
    named = {m["measure_id"]: m for m in without["measures"]}
    assert named["gp-supplier-disqualified"]["roles"] == ["supplier"]  # 政府采购法 art. 22: a supplier condition
    assert [r["reason"] for r in named["gp-supplier-disqualified"]["review_reasons"]] == ["role_not_stated"]
    assert named["nt-gp-participant-review"]["roles"] == ["evaluation_expert", "procurement_agency"]
    for measure in with_role["measures"]:
        assert not measure["roles"] or "supplier" in measure["roles"]  # only rules for suppliers (or any role) fired
        assert "role_not_stated" not in {r["reason"] for r in measure["review_reasons"]}
    assert {m["measure_id"] for m in with_role["measures"]} <= named.keys()