"""Scoped ingest keys (谁认定谁修复) and attributed events, on SQLite and PostgreSQL.

A key of one authority cannot remove, revoke, repair or resolve another authority's record (403 naming
the record, nothing stored); a forged ``source.authority``, a region outside the key's scope or unknown to
every ruleset is refused; every stored event names the key that sent it and when it was received.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jrp.access import IngestScope, Role
from jrp.adapters.facts.orm import EventRow
from jrp.api.app import create_app
from jrp.settings import Settings
from tests.api.conftest import DEBTOR, Api

COURT = "苏州市姑苏区人民法院"  # decided the demo debtor's listing
LISTING = "demo-fixed-debtor-listing"
STATUS_EVENTS = ("list_entry_removed", "penalty_revoked", "repair_completed", "objection_resolved")


def _key(api: Api, name: str, scope: IngestScope) -> str:
    return api.runtime.keys.create_key(name, Role.ingester, department=name, ingest_scope=scope).plaintext


def _post(api: Api, key: str, *events: dict[str, Any]) -> Any:
    return _post_with(api.client, key, *events)


def _status(kind: str, key: str, authority: str, on: str = "2025-06-01") -> dict[str, Any]:
    event = {"type": kind, "idempotency_key": key, "subject": {"id": DEBTOR}, "occurred_on": on,
             "record_id": LISTING, "source": {"authority": authority, "doc_no": "（2025）苏0508执1234号之二"}}
    return {**event, "outcome": "upheld"} if kind == "objection_resolved" else event


def _listing(key: str, authority: str, region: str = "CN-JS") -> dict[str, Any]:
    return {"type": "list_entry_added", "idempotency_key": key, "subject": {"id": DEBTOR}, "occurred_on": "2025-05-01",
            "list_id": "dishonest-judgment-debtors", "severity": "serious", "region": region,
            "source": {"authority": authority, "doc_no": "（2025）苏06执99号"}}


def _key_ids(api: Api) -> dict[str, str]:
    with api.runtime.engine.connect() as connection:
        return dict(connection.execute(select(EventRow.idempotency_key, EventRow.key_id)).all())


@pytest.mark.parametrize("kind", STATUS_EVENTS)
def test_a_key_of_another_authority_cannot_change_a_record(fresh_api: Api, kind: str) -> None:
    bureau = _key(fresh_api, "bureau", IngestScope(authorities=("某区文化和旅游局",)))
    stored = _key_ids(fresh_api)
    response = _post(fresh_api, bureau, _status(kind, f"forged-{kind}", "某区文化和旅游局"))
    assert response.status_code == 403, response.text
    message = response.json()["message"]
    assert LISTING in message and COURT in message and "谁认定谁修复" in message
    # the forged authority on the event does not help either
    response = _post(fresh_api, bureau, _status(kind, f"forged-{kind}-2", COURT))
    assert response.status_code == 403 and LISTING in response.json()["message"]
    assert _key_ids(fresh_api) == stored  # nothing stored
    assert fresh_api.check()["outcome"] == "deny"


def test_the_deciding_authority_changes_its_record_and_the_event_names_its_key(fresh_api: Api) -> None:
    court = _key(fresh_api, "court", IngestScope(authorities=(COURT,)))
    court_id = fresh_api.runtime.keys.authenticate(court).key_id
    response = _post(fresh_api, court, _status("list_entry_removed", "court-removal", COURT))
    assert response.status_code == 200 and response.json()["accepted"] == 1, response.text
    key_ids = _key_ids(fresh_api)
    assert key_ids["court-removal"] == court_id
    assert all(key_ids.values()), key_ids  # every stored event names a key (the fixture's: the terminal's)
    file = fresh_api.client.get(f"/v1/subjects/{DEBTOR}", headers=fresh_api.headers("auditor")).json()
    removal = next(event for event in file["events"] if event["idempotency_key"] == "court-removal")
    assert removal["key_id"] == court_id and removal["received_at"] and removal["record_id"] == LISTING
    assert removal["occurred_on"] == "2025-06-01" and removal["late"]  # received long after it occurred


def test_a_list_key_changes_the_entries_of_its_list_whoever_decided_them(fresh_api: Api) -> None:
    keeper = _key(fresh_api, "keeper", IngestScope(lists=("dishonest-judgment-debtors",)))
    response = _post(fresh_api, keeper, _status("list_entry_removed", "keeper-removal", "最高人民法院"))
    assert response.status_code == 200 and response.json()["accepted"] == 1, response.text


def test_a_new_record_outside_the_keys_scope_is_refused(fresh_api: Api) -> None:
    court = _key(fresh_api, "court-nt", IngestScope(authorities=(COURT,), regions=("CN-JS-SZ",)))
    forged = _post(fresh_api, court, _listing("forged-authority", "南通市中级人民法院", "CN-JS-SZ"))
    assert forged.status_code == 403 and "南通市中级人民法院" in forged.json()["message"]
    elsewhere = _post(fresh_api, court, _listing("other-region", COURT, "CN-JS-NT"))
    assert elsewhere.status_code == 403 and "CN-JS-NT" in elsewhere.json()["message"]
    mixed = _post(fresh_api, court, _listing("in-scope", COURT, "CN-JS-SZ"), _listing("out", "某局", "CN-JS-SZ"))
    assert mixed.status_code == 403 and "item 1" in mixed.json()["message"]
    assert "in-scope" not in _key_ids(fresh_api)  # the batch is refused whole
    assert _post(fresh_api, court, _listing("in-scope", COURT, "CN-JS-SZ")).json()["accepted"] == 1


def test_an_unknown_region_is_refused_naming_the_known_ones(fresh_api: Api) -> None:
    item = _post(fresh_api, fresh_api.keys["ingester"], _listing("unknown-region", COURT, "CN-XX-99")).json()["items"][0]
    assert item["status"] == "rejected" and item["field"] == "region"
    assert "CN-XX-99" in item["reason"] and "CN-JS-NT" in item["reason"]


def test_a_status_event_dated_before_its_record_is_refused(fresh_api: Api) -> None:
    court = _key(fresh_api, "court", IngestScope(authorities=(COURT,)))
    response = _post(fresh_api, court, _status("list_entry_removed", "back-dated", COURT, "2011-01-01"))
    item = response.json()["items"][0]
    assert item["status"] == "rejected" and item["field"] == "occurred_on" and LISTING in item["reason"]
    assert fresh_api.check()["outcome"] == "deny"


def test_the_access_log_names_the_key_of_every_request(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    app = create_app(Settings(data_dir=tmp_path, access_log=True))
    runtime = app.state.runtime
    runtime.migrate()
    new = runtime.keys.create_key("court", Role.ingester, ingest_scope=IngestScope(authorities=(COURT,)))
    with TestClient(app) as client:
        capfd.readouterr()
        response = _post_with(client, new.plaintext, _listing("logged", COURT))
        [line] = [json.loads(text) for text in capfd.readouterr().out.splitlines()]
    assert response.status_code == 200 and response.json()["accepted"] == 1
    assert (line["path"], line["key_id"]) == ("/v1/events", new.key.key_id)


def _post_with(client: TestClient, key: str, *events: dict[str, Any]) -> Any:
    return client.post("/v1/events", json={"events": list(events)}, headers={"X-API-Key": key})


@pytest.mark.parametrize("kind", STATUS_EVENTS)
def test_a_key_made_before_scopes_sends_new_records_but_changes_no_record(fresh_api: Api, kind: str) -> None:
    legacy = fresh_api.keys["ingester"]  # created without a scope, as every ingester key was before them
    response = _post(fresh_api, legacy, _status(kind, f"legacy-{kind}", COURT))
    assert response.status_code == 403, response.text
    message = response.json()["message"]
    assert LISTING in message and "--authority " + COURT in message
    assert fresh_api.check()["outcome"] == "deny"
    listed = _post(fresh_api, legacy, _listing(f"legacy-new-{kind}", COURT)).json()["items"][0]
    assert listed["status"] == "accepted" and _key_ids(fresh_api)[f"legacy-new-{kind}"] != "before attribution"
