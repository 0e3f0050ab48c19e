"""Feedback on decisions (applied, waived, not used) and the statistics of checks, hits and feedback."""

from __future__ import annotations

from tests.api.conftest import CLEAN, Api


def _feedback(api: Api, decision_id: str, key: str = "checker", **body: str):
    return api.client.post(f"/v1/decisions/{decision_id}/feedback", json=body, headers=api.headers(key))


def test_feedback_by_the_checker_who_made_the_decision_or_an_admin(api: Api) -> None:
    decision = api.check()["decision_id"]
    applied = _feedback(api, decision, action="applied", case_outcome="bid rejected")
    assert applied.status_code == 201, applied.text
    body = applied.json()
    assert (body["decision_id"], body["action"], body["case_outcome"]) == (decision, "applied", "bid rejected")
    assert _feedback(api, decision, "admin", action="not_used").status_code == 201
    assert _feedback(api, decision, "checker_any", action="applied").status_code == 403
    for key in ("auditor", "maintainer", "ingester"):
        assert _feedback(api, decision, key, action="applied").status_code == 403


def test_unknown_decisions_waivers_without_reason_and_bad_actions(api: Api) -> None:
    assert _feedback(api, "0" * 32, action="applied").status_code == 404
    decision = api.check()["decision_id"]
    waived = _feedback(api, decision, action="waived")
    assert waived.status_code == 422 and waived.json()["errors"][0]["field"] == "reason"
    assert _feedback(api, decision, action="waived", reason="  ").status_code == 422
    assert _feedback(api, decision, action="waived", reason="法院已裁定中止执行").status_code == 201
    assert _feedback(api, decision, action="ignored").status_code == 422


def test_stats_per_period_department_scenario_and_jurisdiction(fresh_api: Api) -> None:
    hit = fresh_api.check()
    fresh_api.check()
    fresh_api.check(subject={"id": CLEAN})
    assert _feedback(fresh_api, hit["decision_id"], action="applied").status_code == 201
    assert _feedback(fresh_api, hit["decision_id"], "admin", action="applied").status_code == 201
    response = fresh_api.client.get("/v1/stats", headers=fresh_api.headers("auditor"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == "month" and len(body["rows"]) == 1
    row = body["rows"][0]
    assert (row["department"], row["scenario"], row["jurisdiction"]) == ("测试部门", "government_procurement", "CN-JS-NT")
    assert row["period"] == hit["evaluated_at"][:7]
    assert row["checks"] == 3 and row["outcomes"] == {"deny": 2, "restrict": 0, "review": 0, "allow": 1}
    assert all(row["measures"][m["measure_id"]] == 2 for m in hit["measures"])
    assert (row["feedback_received"], row["feedback_missing"]) == (1, 1)
    quarter = fresh_api.client.get("/v1/stats", params={"period": "quarter"}, headers=fresh_api.headers("admin")).json()
    assert quarter["rows"][0]["period"] == f"{hit['evaluated_at'][:4]}-Q{(int(hit['evaluated_at'][5:7]) - 1) // 3 + 1}"
    assert fresh_api.client.get("/v1/stats", params={"period": "week"}, headers=fresh_api.headers("admin")).status_code == 422
    for key in ("checker", "maintainer", "ingester"):
        assert fresh_api.client.get("/v1/stats", headers=fresh_api.headers(key)).status_code == 403


def test_stats_follow_new_checks_and_late_feedback(fresh_api: Api) -> None:
    def row() -> dict:
        rows = fresh_api.client.get("/v1/stats", headers=fresh_api.headers("auditor")).json()["rows"]
        assert len(rows) == 1
        return rows[0]

    first = fresh_api.check()
    assert (row()["checks"], row()["feedback_received"], row()["feedback_missing"]) == (1, 0, 1)
    second = fresh_api.check()
    fresh_api.check(subject={"id": CLEAN})
    assert (row()["checks"], row()["outcomes"]["allow"], row()["feedback_missing"]) == (3, 1, 2)
    assert _feedback(fresh_api, first["decision_id"], action="applied").status_code == 201  # late, for an old one
    assert (row()["checks"], row()["feedback_received"], row()["feedback_missing"]) == (3, 1, 1)
    assert _feedback(fresh_api, second["decision_id"], action="waived", reason="已纠正").status_code == 201
    assert (row()["feedback_received"], row()["feedback_missing"]) == (2, 0)
