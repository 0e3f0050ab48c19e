"""Replays, facts snapshots, searches, and concurrent appenders from two processes (tampering: test_tampering)."""

from __future__ import annotations

import multiprocessing
import shutil
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy import delete, func, select, update

from jrp.adapters.facts.orm import EventRow
from jrp.adapters.log.entries import decisions_t
from jrp.adapters.log.fact_snapshots import snapshots_t
from jrp.engine.codec import digest
from jrp.rulesets.library import BUNDLED_RULESETS
from tests.api.conftest import CLEAN, DEBTOR, EVENT_LEAVES, STRANGER, Api
from tests.logs import entry, open_log
from tests.publishing import publish_on_file

events_t = EventRow.__table__
LISTING = {"type": "list_entry_added", "idempotency_key": "api-test-clean-listing", "subject": {"id": CLEAN},
           "occurred_on": "2025-05-01", "record_id": "api-test-clean-listing", "list_id": "dishonest-judgment-debtors",
           "severity": "serious", "region": "CN-JS",
           "source": {"authority": "南通市中级人民法院", "doc_no": "（2025）苏06执99号"}}


def _replay(api: Api, decision_id: str, rules: str, key: str = "auditor") -> dict:
    response = api.client.post(f"/v1/decisions/{decision_id}/replay", json={"rules": rules}, headers=api.headers(key))
    assert response.status_code == 200, response.text
    return response.json()


def test_new_facts_change_new_checks_but_not_the_replay_of_an_old_one(fresh_api: Api) -> None:
    before = fresh_api.check(subject={"id": CLEAN})
    assert before["outcome"] == "allow"
    report = fresh_api.client.post("/v1/events", json={"events": [LISTING]}, headers=fresh_api.headers("ingester"))
    assert report.json()["accepted"] == 1
    assert fresh_api.check(subject={"id": CLEAN})["outcome"] == "deny"
    for rules in ("original", "current"):
        replay = _replay(fresh_api, before["decision_id"], rules)
        assert replay["identical"] and replay["differences"] == [], replay["differences"]
        assert replay["original"]["outcome"] == replay["replayed"]["outcome"] == "allow"


def test_batches_reuse_cached_evaluations_only_while_the_facts_are_unchanged(fresh_api: Api) -> None:
    def batch() -> list[dict]:
        response = fresh_api.client.post("/v1/checks/batch", headers=fresh_api.headers("checker"), json={
            "subjects": [{"id": CLEAN}, {"id": CLEAN, "name": "另一名称"}], "scenario": "government_procurement",
            "role": "supplier", "jurisdiction": "CN-JS-NT", "purpose": "南通市政府采购项目 NT-2025-002"})
        assert response.status_code == 200, response.text
        return response.json()["results"]

    single = fresh_api.check(subject={"id": CLEAN})
    first = batch()
    assert [r["outcome"] for r in first] == ["allow", "allow"]
    assert {k: v for k, v in first[0].items() if k not in ("decision_id", "evaluated_at", "receipt")} == \
        {k: v for k, v in single.items() if k not in ("decision_id", "evaluated_at", "receipt")}
    fresh_api.client.post("/v1/events", json={"events": [LISTING]}, headers=fresh_api.headers("ingester"))
    assert [r["outcome"] for r in batch()] == ["deny", "deny"]
    assert fresh_api.check(subject={"id": CLEAN})["outcome"] == "deny"


def test_replay_under_a_new_ruleset_version_shows_the_differences(make_fresh_api, tmp_path: Path) -> None:
    rulesets = tmp_path / "rulesets"
    shutil.copytree(BUNDLED_RULESETS, rulesets, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    folder = rulesets / "CN" / "cn-basic-list"
    data = yaml.safe_load((folder / "2024.4.yaml").read_text(encoding="utf-8"))
    data["ruleset"].update(version="2026.1", effective_from="2026-01-01")
    data["ruleset"].pop("replaces")
    data["rules"] = [rule for rule in data["rules"] if rule["id"] != "judgment-debtor-procurement"]
    (folder / "2026.1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    publish_on_file(folder / "2026.1.yaml")
    api = make_fresh_api(rulesets)
    decision = api.check(key="checker_any", jurisdiction="CN", as_of="2025-06-01")
    assert "gp-supplier-disqualified" in {m["measure_id"] for m in decision["measures"]}
    assert {"id": "cn-basic-list", "version": "2024.4"} in decision["bundle"]["rulesets"]
    assert _replay(api, decision["decision_id"], "original", "maintainer")["identical"]
    current = _replay(api, decision["decision_id"], "current", "maintainer")
    assert not current["identical"]
    assert "measures: gp-supplier-disqualified no longer applies" in current["differences"]
    assert api.client.post("/v1/decisions/unknown/replay", json={"rules": "current"},
                           headers=api.headers("auditor")).status_code == 404
    bad = api.client.post(f"/v1/decisions/{decision['decision_id']}/replay", json={"rules": "newest"},
                          headers=api.headers("auditor"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rules"


def _verify(api: Api) -> dict:
    response = api.client.get("/v1/audit/verify", headers=api.headers("auditor"))
    assert response.status_code == 200
    return response.json()


def _decisions(api: Api, n: int) -> list[str]:
    return [api.check(reference=f"r{i}")["decision_id"] for i in range(n)]


def _settle(api: Api) -> None:
    api.runtime.tree.integrate_all(api.runtime.audit_keys.signing)


def test_facts_are_named_by_their_event_heads_and_rebuilt_with_every_decision(fresh_api: Api) -> None:
    engine = fresh_api.runtime.engine
    ids = _decisions(fresh_api, 3)  # the same debtor, facts unchanged
    fresh_api.check(subject={"id": CLEAN})
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(snapshots_t)).scalar_one() == 0
        stored = connection.execute(select(decisions_t.c.entry).where(decisions_t.c.decision_id == ids[0])).scalar()
    assert '"facts":' not in stored and '"facts_digest":' in stored and '"facts_ref":' in stored
    entries = [fresh_api.runtime.log.get(i) for i in ids]
    named = entries[0]["facts_ref"]
    assert named == entries[2]["facts_ref"] == {"subject_head": entries[0]["facts"]["version"]}  # no related heads
    assert entries[0]["facts"] == entries[2]["facts"] and entries[0]["facts"]["subject"]["subject_id"] == DEBTOR
    assert digest(entries[0]["facts"]) == entries[0]["facts_digest"]
    fresh_api.client.post("/v1/events", json={"events": [LISTING]}, headers=fresh_api.headers("ingester"))
    later = fresh_api.check(subject={"id": CLEAN})["decision_id"]  # new facts: a new head, still no snapshot
    fresh_api.check(subject={"id": STRANGER})  # no events to name: its facts are stored as a snapshot
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(snapshots_t)).scalar_one() == 1
    assert fresh_api.runtime.log.get(later)["facts"]["records"][0]["list_id"] == LISTING["list_id"]
    _settle(fresh_api)
    assert _verify(fresh_api)["ok"]


def test_an_edited_or_deleted_facts_snapshot_is_detected(fresh_api: Api) -> None:
    fresh_api.check(subject={"id": STRANGER})  # a subject without events: its facts are a snapshot
    ids = [fresh_api.check(subject={"id": STRANGER})["decision_id"] for _ in range(2)]
    entry = fresh_api.runtime.log.get(ids[0])
    engine = fresh_api.runtime.engine
    _settle(fresh_api)
    with engine.begin() as connection:
        text = connection.execute(select(snapshots_t.c.facts)).scalar_one()
        connection.execute(update(snapshots_t).values(facts=text.replace(STRANGER, CLEAN)))
    broken = _verify(fresh_api)["broken"]
    assert (broken["leaf_index"], broken["decision_id"]) == (EVENT_LEAVES, _first_decision(fresh_api)) and \
        "facts were edited" in broken["reason"]
    served = fresh_api.client.get(f"/v1/decisions/{ids[0]}", headers=fresh_api.headers("auditor"))
    assert served.status_code == 500 and served.json()["code"] == "log_integrity"  # never served as genuine
    with engine.begin() as connection:
        connection.execute(delete(snapshots_t).where(snapshots_t.c.digest == entry["facts_digest"]))
    assert "is missing" in _verify(fresh_api)["broken"]["reason"]


def _first_decision(api: Api) -> str:
    with api.runtime.engine.connect() as connection:
        return connection.execute(select(decisions_t.c.decision_id).order_by(decisions_t.c.seq)).scalars().first()


def test_facts_named_by_reference_are_never_served_from_edited_or_missing_events(fresh_api: Api) -> None:
    ids = _decisions(fresh_api, 2)
    engine = fresh_api.runtime.engine
    events = select(events_t.c.seq, events_t.c.payload).where(events_t.c.subject_id == DEBTOR)
    with engine.begin() as connection:
        seq, payload = connection.execute(events.where(events_t.c.event_type == "list_entry_added")
                                          .order_by(events_t.c.seq)).first()
        connection.execute(update(events_t).where(events_t.c.seq == seq).values(payload={**payload,
                                                                                          "severity": "general"}))
    served = fresh_api.client.get(f"/v1/decisions/{ids[0]}", headers=fresh_api.headers("auditor"))
    assert served.status_code == 500 and served.json()["code"] == "log_integrity"
    assert "do not match its facts digest" in served.text
    replay = fresh_api.client.post(f"/v1/decisions/{ids[1]}/replay", json={"rules": "original"},
                                   headers=fresh_api.headers("auditor"))
    assert replay.status_code == 500 and replay.json()["code"] == "log_integrity"  # never replayed on other facts
    _settle(fresh_api)
    problems = "\n".join(fresh_api.runtime.verify_log().problems)
    assert f"decision {ids[0]}" in problems and "do not match its facts digest" in problems
    with engine.begin() as connection:  # edited into an event the parser refuses
        connection.execute(update(events_t).where(events_t.c.seq == seq).values(payload={**payload,
                                                                                          "severity": "worst"}))
    served = fresh_api.client.get(f"/v1/decisions/{ids[0]}", headers=fresh_api.headers("auditor"))
    assert served.status_code == 500 and "no longer reads as an event" in served.text
    with engine.begin() as connection:  # the head itself gone
        connection.execute(update(events_t).where(events_t.c.seq == seq).values(payload=payload))
        head = connection.execute(events.order_by(events_t.c.seq.desc())).first()[0]
        connection.execute(delete(events_t).where(events_t.c.seq == head))
    served = fresh_api.client.get(f"/v1/decisions/{ids[0]}", headers=fresh_api.headers("auditor"))
    assert served.status_code == 500 and "is missing" in served.text


def test_search_by_subject_scenario_outcome_and_time(fresh_api: Api) -> None:
    fresh_api.check()
    fresh_api.check(subject={"id": CLEAN})
    headers = fresh_api.headers("auditor")
    found = fresh_api.client.get("/v1/decisions", params={"subject": DEBTOR, "outcome": "deny"}, headers=headers)
    assert [row["subject_id"] for row in found.json()["items"]] == [DEBTOR]
    assert len(fresh_api.client.get("/v1/decisions", params={"scenario": "government_procurement"},
                                    headers=headers).json()["items"]) == 2
    later = datetime.now(UTC).replace(year=2100).isoformat()
    assert fresh_api.client.get("/v1/decisions", params={"since": later}, headers=headers).json() == {
        "items": [], "has_more": False, "next_cursor": None}
    assert len(fresh_api.client.get("/v1/decisions", params={"until": later, "limit": 1},
                                    headers=headers).json()["items"]) == 1


def test_search_pages_with_a_cursor_stable_while_decisions_arrive(fresh_api: Api) -> None:
    ids = [fresh_api.check(reference=f"page-{n}")["decision_id"] for n in range(5)]
    headers = fresh_api.headers("auditor")
    first = fresh_api.client.get("/v1/decisions", params={"limit": 2}, headers=headers).json()
    assert [row["decision_id"] for row in first["items"]] == ids[:2:-1][:2] and first["has_more"]
    fresh_api.check(reference="arrives meanwhile")  # newer: it must not shift the pages
    seen = [row["decision_id"] for row in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = fresh_api.client.get("/v1/decisions", params={"limit": 2, "cursor": cursor}, headers=headers).json()
        seen += [row["decision_id"] for row in page["items"]]
        cursor = page["next_cursor"]
        assert page["has_more"] == (cursor is not None)
    assert seen == ids[::-1]
    for ignored in ({"offset": 2}, {"page": 2}):  # refused, not silently ignored
        response = fresh_api.client.get("/v1/decisions", params=ignored, headers=headers)
        assert response.status_code == 422 and "this route takes: cursor, limit" in response.text
    assert fresh_api.client.get("/v1/decisions", params={"cursor": "abc"}, headers=headers).status_code == 422


def _append(url: str, keys: str, worker: int, n: int) -> None:
    log = open_log(url, Path(keys))
    for i in range(n):
        log.store.append([entry(f"w{worker}-{i}-{j}") for j in range(3)])


def test_two_processes_append_at_once_and_one_tree_holds_every_entry(fresh_api: Api) -> None:
    url = fresh_api.runtime.settings.resolved_database_url()
    keys = fresh_api.runtime.settings.signing_key_path().parent
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append, args=(url, str(keys), w, 40)) for w in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0]
    _settle(fresh_api)
    result = fresh_api.runtime.verify_log()
    assert result.ok and result.count == 2 * 40 * 3 + EVENT_LEAVES and result.pending == 0, result.problems
