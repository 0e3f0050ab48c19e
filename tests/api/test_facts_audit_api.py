"""``GET /v1/audit/facts``: auditors see the projection compared with the replayed history."""

from __future__ import annotations

from sqlalchemy import update

from jrp.adapters.facts.orm import RecordRow
from tests.api.conftest import Api


def test_auditors_see_a_clean_store_then_a_tampered_record(fresh_api: Api) -> None:
    response = fresh_api.client.get("/v1/audit/facts", headers=fresh_api.headers("auditor"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] and body["difference_count"] == 0 and body["records"] > 0 and body["events"] > body["records"]
    with fresh_api.runtime.engine.begin() as connection:
        connection.execute(update(RecordRow).where(RecordRow.record_id == "demo-fixed-debtor-listing")
                           .values(status="repaired"))
    body = fresh_api.client.get("/v1/audit/facts", headers=fresh_api.headers("admin")).json()
    assert not body["ok"] and body["differences"] == [{"table": "records", "key": "demo-fixed-debtor-listing",
                                                       "column": "status", "stored": "repaired",
                                                       "replayed": "active"}]
    for role in ("checker", "ingester", "maintainer"):
        assert fresh_api.client.get("/v1/audit/facts", headers=fresh_api.headers(role)).status_code == 403
