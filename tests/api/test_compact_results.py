"""A property, on SQLite and PostgreSQL: a check's log entry is compact (no rendered result, no facts snapshot for a
subject with events, person or organisation), and that entry with the verified events and the bundle stored by
content rebuilds exactly the answer the check returned: its digest is the one the receipt signs
(``jrp.adapters.log.results``, ``ANSWER_DIGEST``)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jrp.access import Role
from jrp.adapters.log import results as results_module
from jrp.adapters.log.entries import NOT_REBUILT, decisions_t
from jrp.api.presenters import answer_digest_of, check_response
from jrp.compact_results import DIGEST, compact, digest
from jrp.engine.codec import application_from_json, canonical, facts_from_json
from jrp.evaluation import Evaluation
from jrp.service import CheckRequest, CheckResult, SubjectRef, log_entry
from jrp.vocabulary.subjects import SubjectType
from tests.api.conftest import CLEAN, DEBTOR, PERSON, STRANGER, TAXPAYER, Api

CHECKS = st.tuples(
    st.sampled_from([DEBTOR, PERSON, CLEAN, TAXPAYER, STRANGER]),
    st.sampled_from([("government_procurement", "supplier"), ("consumption", None), ("bidding", "bidder"),
                     ("administrative_licensing", "applicant"), ("inspection", None)]),
    st.sampled_from(["CN", "CN-JS-NT"]),
    st.integers(-400, 400),  # days from 2025-06-01
    st.booleans(),  # explain
)


def _rebuilt_answer(api: Api, decision_id: str, key: Any) -> tuple[str, dict[str, Any]]:
    """The answer's digest and body made again from the log alone: the compact entry, the facts rebuilt from the
    verified events (the person's originals unsealed) and the stored bundle."""
    log = api.runtime.log
    entry = log.find(decision_id).revealed()
    bundle, _engine = log.results.bundle(entry["bundle"]["hash"])
    request = entry["request"]
    subject = request["subject"]
    check = CheckRequest(SubjectRef(subject["id"], subject["type"] and SubjectType(subject["type"]), subject["name"]),
                         request["scenario"], entry["purpose"], request["role"], request["jurisdiction"],
                         date.fromisoformat(request["as_of"]), entry["reference"], request["explain"],
                         application_from_json(request["application"]))
    result = CheckResult(decision_id, Evaluation(facts_from_json(entry["facts"]),
                                                 log.results.decision(entry, entry["facts"])),
                         check, date.fromisoformat(request["as_of"]), bundle, datetime.fromisoformat(entry["created_at"]))
    return answer_digest_of(result, key), check_response(result, key).model_dump(mode="json", exclude_unset=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(checks=st.lists(CHECKS, min_size=1, max_size=4), sees=st.booleans())
def test_a_compact_entry_rebuilds_exactly_the_answer_its_receipt_signs(api: Api, checks: list, sees: bool) -> None:
    name = "admin" if sees else "checker_any"  # an admin is shown a related person's resident ID, a checker not
    key = api.runtime.keys.authenticate(api.keys[name])
    assert key.sees_resident_ids == sees and key.role in (Role.admin, Role.checker)
    for subject, (scenario, role), jurisdiction, days, explain in checks:
        response = api.client.post("/v1/checks", headers=api.headers(name), json={
            "subject": {"id": subject}, "scenario": scenario, "role": role, "jurisdiction": jurisdiction,
            "as_of": (date(2025, 6, 1) + timedelta(days=days)).isoformat(), "explain": explain,
            "purpose": "compact property"})
        assert response.status_code == 200, response.text
        answer = response.json()
        receipt = answer.pop("receipt")
        with api.runtime.engine.connect() as connection:
            stored = json.loads(connection.execute(select(decisions_t.c.entry).where(
                decisions_t.c.decision_id == answer["decision_id"])).scalar_one())
        assert "facts" not in stored and "rulesets" not in stored["bundle"]
        assert all(isinstance(measure, list) for measure in stored["result"].get("measures", ()))  # no legal texts
        if subject != STRANGER:  # a subject with events, a person's too: by reference, no snapshot
            assert "facts_ref" in stored
        if subject == PERSON:  # no original in the entry but sealed
            assert PERSON not in canonical(stored).decode() and "personal_data" in stored
        digest, body = _rebuilt_answer(api, answer["decision_id"], key)
        assert body == answer
        assert digest == receipt["answer"]
        read = api.client.get(f"/v1/decisions/{answer['decision_id']}", headers=api.headers("auditor")).json()
        assert read["result"]["outcome"] == answer["outcome"]
        assert [m["measure_id"] for m in read["result"]["measures"]] == [m["measure_id"] for m in answer["measures"]]


def test_an_entry_written_with_its_full_result_reads_verifies_and_replays_as_before(fresh_api: Api) -> None:
    """Entries written before compact results keep their full result and their bundle's rulesets inline."""
    api = fresh_api
    runtime = api.runtime
    service = runtime.service
    request = CheckRequest(SubjectRef(DEBTOR), "government_procurement", "an older entry", "supplier", "CN-JS-NT",
                           date(2025, 6, 1))
    result = service.evaluate(request)
    entry = log_entry(result, runtime.keys.authenticate(api.keys["checker"]).caller())
    full = result.evaluation.decision_json
    assert entry.pop(DIGEST) == digest(full) and entry["result"] == compact(full)
    entry["result"] = full  # as written before: the result in full
    runtime.log.append([entry])
    with runtime.engine.connect() as connection:
        stored = json.loads(connection.execute(select(decisions_t.c.entry).where(
            decisions_t.c.decision_id == result.decision_id)).scalar_one())
    assert stored["result"] == full and stored["bundle"]["rulesets"] and DIGEST not in stored
    read = runtime.log.get(result.decision_id)
    assert read["result"] == full and full["measures"]
    replay = api.client.post(f"/v1/decisions/{result.decision_id}/replay", json={"rules": "original"},
                             headers=api.headers("auditor"))
    assert replay.status_code == 200 and replay.json()["identical"], replay.text
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    assert runtime.verify_log().ok


def test_a_decision_todays_engine_no_longer_rebuilds_is_read_in_its_compact_form(fresh_api: Api, monkeypatch) -> None:
    """An engine changed after a decision was logged (simulated: today's rendering of the same facts and rules
    differs) leaves the decision readable as logged — outcome, measures, dates, triggering records — and says so;
    it is never a server error, and never shown with today's result."""
    api = fresh_api
    answer = api.client.post("/v1/checks", headers=api.headers("checker"), json={
        "subject": {"id": DEBTOR}, "scenario": "government_procurement", "role": "supplier",
        "jurisdiction": "CN-JS-NT", "as_of": "2025-06-01", "purpose": "engine changed later"}).json()
    assert answer["outcome"] == "deny" and answer["measures"]
    api.runtime.log.results._full.clear()  # as in a process started after the change
    real = results_module.decision_to_json
    monkeypatch.setattr(results_module, "decision_to_json", lambda decision: {**real(decision), "outcome": "allow"})
    read = api.client.get(f"/v1/decisions/{answer['decision_id']}", headers=api.headers("auditor"))
    assert read.status_code == 200, read.text
    logged = read.json()
    assert logged["result"]["outcome"] == "deny"
    assert [(m["measure_id"], m["until"]) for m in logged["result"]["measures"]] == \
        [(m["measure_id"], m["until"]) for m in answer["measures"]]
    entry = api.runtime.log.get(answer["decision_id"])
    assert "no longer give the result" in entry[NOT_REBUILT]
