"""Consistency across workers: a check with the token of an ingest sees it in any worker (read-your-writes);
without a token a change shows within the change feed's bound; a cached check reads nothing from the store."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from jrp.adapters.facts.demo import make_uscc
from jrp.api.app import create_app
from jrp.service import CheckRequest, SubjectRef
from jrp.settings import Settings
from tests.api.conftest import Api, within_feed_bound


@contextmanager
def other_worker(api: Api, **settings: Any) -> Iterator[TestClient]:
    """Another worker process's app on the same store (its own feed, caches and keys in memory)."""
    own = api.runtime.settings
    app = create_app(Settings(database_url=own.resolved_database_url(), data_dir=own.data_dir, **settings))
    with TestClient(app) as client:
        yield client


def _listing(subject: str, key: str) -> dict[str, Any]:
    return {"type": "list_entry_added", "idempotency_key": key, "subject": {"id": subject}, "record_id": key,
            "occurred_on": "2025-05-01", "list_id": "dishonest-judgment-debtors", "severity": "serious",
            "region": "CN-JS", "source": {"authority": "南通市中级人民法院", "doc_no": f"（2025）苏06执{key}号"}}


def _check(api: Api, client: TestClient, subject: str, **extra: Any) -> Any:
    return client.post("/v1/checks", headers=api.headers("checker"), json={
        "subject": {"id": subject}, "scenario": "government_procurement", "role": "supplier",
        "jurisdiction": "CN-JS-NT", "purpose": "南通市政府采购项目 NT-2025-009", **extra})


def _ingest(api: Api, *events: dict[str, Any]) -> str:
    response = api.client.post("/v1/events", json={"events": list(events)}, headers=api.headers("ingester"))
    assert response.status_code == 200 and response.json()["accepted"] == len(events), response.text
    return response.json()["consistency_token"]


def test_a_check_with_the_token_of_an_ingest_sees_it_in_another_worker_every_time(fresh_api: Api) -> None:
    with other_worker(fresh_api, feed_interval=5) as other:  # its feed would take seconds on its own
        for n in range(5):
            subject = make_uscc("320600", f"RYW{n:05d}")
            assert _check(fresh_api, other, subject).json()["outcome"] == "allow"  # the other worker keeps its version
            token = _ingest(fresh_api, _listing(subject, f"ryw-{n}"))
            answer = _check(fresh_api, other, subject, consistency_token=token)
            assert answer.status_code == 200 and answer.json()["outcome"] == "deny", answer.text
        batch = other.post("/v1/checks/batch", headers=fresh_api.headers("checker"), json={
            "subjects": [{"id": make_uscc("320600", "RYW00009")}], "scenario": "government_procurement",
            "role": "supplier", "jurisdiction": "CN-JS-NT", "purpose": "南通市政府采购项目 NT-2025-009",
            "consistency_token": _ingest(fresh_api, _listing(make_uscc("320600", "RYW00009"), "ryw-batch"))})
        assert batch.status_code == 200 and batch.json()["results"][0]["outcome"] == "deny", batch.text


def test_a_token_that_is_not_one_or_names_no_event_is_a_422_naming_the_field(fresh_api: Api) -> None:
    for token in ("12", "c1.x", "c1.99999999"):
        response = _check(fresh_api, fresh_api.client, make_uscc("320600", "RYW00010"), consistency_token=token)
        assert response.status_code == 422, response.text
        assert [item["field"] for item in response.json()["errors"]] == ["consistency_token"]


def test_without_a_token_a_change_shows_in_another_worker_within_the_feed_bound(fresh_api: Api) -> None:
    subject = make_uscc("320600", "BNDR0001")
    with other_worker(fresh_api) as other:
        assert _check(fresh_api, other, subject).json()["outcome"] == "allow"
        _ingest(fresh_api, _listing(subject, "bound-1"))
        within_feed_bound(fresh_api.runtime, lambda: _check(fresh_api, other, subject).json()["outcome"],
                          lambda outcome: outcome == "deny")


@contextmanager
def checkouts_here(api: Api) -> Iterator[list[str]]:
    """Every connection taken from the store's pool by this thread (no checkout: no statement)."""
    taken: list[str] = []
    me = threading.get_ident()

    def note(*_args: Any) -> None:
        if threading.get_ident() == me:
            taken.append("checkout")

    engine = api.runtime.engine
    event.listen(engine, "checkout", note)
    try:
        yield taken
    finally:
        event.remove(engine, "checkout", note)


def test_a_cached_check_and_a_known_key_read_nothing_from_the_store(fresh_api: Api) -> None:
    runtime = fresh_api.runtime
    subject = make_uscc("320600", "TEADY001")
    request = CheckRequest(SubjectRef(subject), "government_procurement", "test", "supplier", "CN-JS-NT")
    runtime.service.evaluate(request)
    runtime.keys.authenticate(fresh_api.keys["checker"])
    with checkouts_here(fresh_api) as taken:
        for _ in range(50):
            assert runtime.service.evaluate(request).decision.outcome.value == "allow"
            runtime.keys.authenticate(fresh_api.keys["checker"])
    assert taken == []
    _ingest(fresh_api, _listing(subject, "steady-1"))  # this worker catches up at once: the next check reads again
    with checkouts_here(fresh_api) as taken:
        assert runtime.service.evaluate(request).decision.outcome.value == "deny"
    assert taken != []
