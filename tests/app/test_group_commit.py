"""Group commit: concurrent appends are written together, every one acknowledged only once stored."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from jrp.adapters.database import make_engine, upgrade_database
from jrp.adapters.decision_log import DecisionLogStore
from jrp.group_commit import GroupCommitLog


def _entry(n: int) -> dict:
    return {"decision_id": f"d{n:04d}", "batch_id": None, "created_at": datetime.now(UTC).isoformat(),
            "caller": {"key_id": "k", "name": "t", "department": ""}, "purpose": "test", "reference": "",
            "request": {"subject": {"id": f"s{n}"}, "scenario": "government_procurement"},
            "result": {"outcome": "allow"}}


def test_concurrent_appends_share_transactions_and_keep_the_chain(tmp_path):
    url = f"sqlite:///{tmp_path / 'jrp.db'}"
    upgrade_database(url)
    store = DecisionLogStore(make_engine(url))
    log = GroupCommitLog(store)
    results: dict[int, list] = {}

    def append(n: int) -> None:
        results[n] = log.append([_entry(n)])

    threads = [threading.Thread(target=append, args=(n,)) for n in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {n: r[0]["decision_id"] for n, r in results.items()} == {n: f"d{n:04d}" for n in range(200)}
    assert sorted(r[0]["seq"] for r in results.values()) == list(range(1, 201))
    verification = store.verify()
    assert verification.ok and verification.count == 200


def test_a_failed_append_is_reported_to_its_caller(tmp_path):
    url = f"sqlite:///{tmp_path / 'jrp.db'}"
    upgrade_database(url)
    log = GroupCommitLog(DecisionLogStore(make_engine(url)))
    log.append([_entry(1)])
    with pytest.raises(IntegrityError):  # the same decision id twice violates the unique key
        log.append([_entry(1)])
    assert log.get("d0001") is not None
