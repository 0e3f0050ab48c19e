"""Migration 0013 on a store of before (both stores): its events are carried into the log attributed to "before
attribution" and verify, the projection still follows from them, and its decisions still verify and replay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, insert, select, update

from jrp.access import BEFORE_ATTRIBUTION, Role
from jrp.adapters.facts.audit import audit_facts
from jrp.adapters.facts.demo import fixed_events
from jrp.adapters.facts.events import event_payload, parse_event, payload_digest
from jrp.adapters.facts.orm import EventRow
from jrp.adapters.facts.projection import State, apply
from jrp.adapters.log.crypto import merkle
from jrp.adapters.log.crypto.signing import sign_checkpoint
from jrp.adapters.log.log_origin import LEGACY_ORIGIN
from jrp.adapters.store.database import make_engine, upgrade_database
from jrp.api.app import create_app
from jrp.runtime import Runtime
from jrp.settings import Settings
from tests.api.conftest import DEBTOR, STRANGER, _url, running_api

CHECK = {"subject": {"id": DEBTOR}, "scenario": "government_procurement", "role": "supplier",
         "jurisdiction": "CN-JS-NT", "purpose": "before the migration"}

# a subject the scratch store never saw: its facts are a snapshot, as every decision's were before 0013
OLD_CHECK = {**CHECK, "subject": {"id": STRANGER}}


def _old_ingest(engine: Engine, events: Iterator[dict[str, Any]]) -> None:
    """What ingestion wrote before 0013: events without key or entry, the projection beside them."""
    tables = MetaData()
    tables.reflect(engine, only=("subjects", "events", "records", "relations"))
    state, rows, now = State(), [], datetime.now(UTC)
    for item in events:
        event = parse_event(item)
        apply(state, event, now)
        payload = event_payload(event)
        rows.append({"idempotency_key": event.idempotency_key, "digest": payload_digest(payload),
                     "event_type": event.type, "subject_id": event.subject.id, "payload": payload,
                     "occurred_on": event.occurred_on, "recorded_at": now, "source": payload["source"]})

    def columns(table: str, row: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in row.items() if name in tables.tables[table].c and name != "id"}

    with engine.begin() as connection:
        connection.execute(insert(tables.tables["subjects"]), [columns("subjects", r) for r in state.subjects.values()])
        connection.execute(insert(tables.tables["events"]), rows)
        connection.execute(insert(tables.tables["records"]), [columns("records", r) for r in state.records.values()])
        connection.execute(insert(tables.tables["relations"]), [columns("relations", r) for r in state.relations])


def _old_decisions(folder: Path, engine: Engine, runtime: Runtime) -> list[str]:
    """Decisions logged and integrated before 0013 (made on a store of the same keys, their rows copied)."""
    tables = MetaData()
    tables.reflect(engine, only=("decisions", "fact_snapshots", "bundles", "log_nodes", "log_head", "log_checkpoints"))
    with running_api(f"sqlite:///{folder / 'scratch.db'}", folder) as scratch:
        ids = [scratch.check(**OLD_CHECK)["decision_id"] for _ in range(3)]
        with scratch.runtime.engine.connect() as source:
            copied = {name: [dict(row) for row in source.execute(select(tables.tables[name])).mappings()]
                      for name in ("decisions", "fact_snapshots", "bundles")}
    frontier, nodes = merkle.Frontier.empty(), []
    for row in copied["decisions"]:
        row.update(leaf_index=frontier.size, seq=None)
        nodes += frontier.add(merkle.leaf_hash(row["entry"].encode()))
    checkpoint = sign_checkpoint(runtime.audit_keys.signing, LEGACY_ORIGIN, frontier.size,
                                 frontier.root(), datetime.now(UTC).isoformat())
    with engine.begin() as connection:
        for name, rows in copied.items():
            connection.execute(insert(tables.tables[name]), [{k: v for k, v in r.items() if v is not None or k != "seq"}
                                                               for r in rows])
        connection.execute(insert(tables.tables["log_nodes"]), [{"level": lv, "idx": i, "hash": h}
                                                                 for (lv, i), h in nodes])
        connection.execute(update(tables.tables["log_head"]).values(tree_size=frontier.size, root=frontier.root()))
        connection.execute(insert(tables.tables["log_checkpoints"]).values(
            tree_size=frontier.size, root=frontier.root(), time=checkpoint.time, key_id=checkpoint.key_id,
            signature=checkpoint.signature))
    return ids


@pytest.fixture
def old_store(backend: str, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    for url in _url(backend, tmp_path):
        engine = make_engine(url)
        upgrade_database(engine, "0012_publications")
        _old_ingest(engine, fixed_events())
        ids = _old_decisions(tmp_path, engine, Runtime(Settings(database_url=url, data_dir=tmp_path)))
        engine.dispose()
        yield url, ids


def test_events_of_before_are_carried_into_the_log_and_old_decisions_still_verify_and_replay(
        old_store: tuple[str, list[str]], tmp_path: Path) -> None:
    url, old_ids = old_store
    app = create_app(Settings(database_url=url, data_dir=tmp_path))
    runtime: Runtime = app.state.runtime
    runtime.migrate()
    runtime.migrate()  # a second start carries nothing twice
    with runtime.engine.connect() as connection:
        events = connection.execute(select(EventRow.key_id, EventRow.entry)).all()
    assert len(events) == 9 and all(key == BEFORE_ATTRIBUTION and entry for key, entry in events)
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    verified = runtime.verify_log()
    assert verified.ok and (verified.count, verified.events) == (3 + 9, 9), verified.problems
    assert audit_facts(runtime.engine).ok
    admin = runtime.keys.create_key("auditor", Role.auditor).plaintext
    checker = runtime.keys.create_key("checker", Role.checker).plaintext
    with TestClient(app) as client:
        for decision_id in old_ids:
            replay = client.post(f"/v1/decisions/{decision_id}/replay", json={"rules": "original"},
                                 headers={"X-API-Key": admin}).json()
            assert replay["identical"], replay
        after = client.post("/v1/checks", json=CHECK, headers={"X-API-Key": checker}).json()
        subject = client.get(f"/v1/subjects/{DEBTOR}", headers={"X-API-Key": admin}).json()
    assert after["outcome"] == "deny"
    assert {event["key_id"] for event in subject["events"]} == {BEFORE_ATTRIBUTION}
    head = runtime.log.get(after["decision_id"])["facts"]["version"]
    assert head == subject["version"] and len(head) == 64  # the facts named by the head of the debtor's chain
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    assert runtime.verify_log().ok
