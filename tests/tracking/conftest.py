"""Fixtures: the API over a real store (SQLite file, PostgreSQL schema) with tracking driven step by step —
the tracker's clock in the test's hands, its rounds and the dispatcher run when the test says — a real
local webhook receiver, and the real RabbitMQ when it answers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jrp.access import IngestScope, Role
from jrp.adapters.facts.demo import DEMO_SUBJECTS, fixed_events
from jrp.adapters.facts.ingest import ingest
from jrp.api.app import create_app
from jrp.demo_vocabulary import vocabulary_of
from jrp.runtime import Runtime
from jrp.settings import Settings
from tests.api.conftest import KEYS
from tests.pg import pg_schema
from tests.tracking.events import COURT
from tests.tracking.receiver import Receiver, running_receiver

CLEAN = DEMO_SUBJECTS["clean_supplier"].subject_id
DEBTOR = DEMO_SUBJECTS["debtor_supplier"].subject_id
PERSON = DEMO_SUBJECTS["legal_representative"].subject_id
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
COURTS = (COURT["authority"], "苏州市姑苏区人民法院")  # the tests' court, and the demo debtor's


@dataclass
class Clock:
    day: date = field(default_factory=date.today)

    def __call__(self) -> date:
        return self.day


@dataclass
class Tracked:
    client: TestClient
    runtime: Runtime
    keys: dict[str, str]
    receiver: Receiver
    clock: Clock

    def headers(self, name: str = "checker") -> dict[str, str]:
        return {"X-API-Key": self.keys[name]}

    def subscribe(self, subject: str = CLEAN, key: str = "checker", **fields: Any) -> dict[str, Any]:
        item = {"subject": {"id": subject}, "scenario": "government_procurement", "role": "supplier",
                "jurisdiction": "CN-JS-NT", "purpose": "合同 NT-2026-17 履约期跟踪", "reference": "NT-2026-17",
                "delivery": {"webhook_url": self.receiver.url}, **fields}
        response = self.client.post("/v1/subscriptions", json={"subscriptions": [item]}, headers=self.headers(key))
        assert response.status_code == 200, response.text
        created = response.json()
        if created["webhook_secret"]:
            self.receiver.secret = created["webhook_secret"]
        return created["items"][0]

    def send(self, *events: dict[str, Any]) -> None:
        response = self.client.post("/v1/events", json={"events": list(events)}, headers=self.headers("court"))
        assert response.status_code == 200 and response.json()["rejected"] == 0, response.text

    def track(self) -> int:
        """One round of the tracker (events, rules, dates)."""
        return self.runtime.tracker.run_once()

    def dispatch(self) -> int:
        """Deliver what is due now."""
        return asyncio.run(self.runtime.dispatcher().serve(until_idle=True))

    def notifications(self, subscription_id: str, key: str = "checker") -> list[dict[str, Any]]:
        response = self.client.get(f"/v1/subscriptions/{subscription_id}/notifications", headers=self.headers(key))
        assert response.status_code == 200, response.text
        return list(reversed(response.json()["items"]))  # oldest first


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def tracked_settings(url: str, folder: Path, **overrides: Any) -> Settings:
    fast = {"webhook_allowed_networks": ["127.0.0.0/8"], "tracking_interval": 0, "delivery_backoff_base": 0.05,
            "delivery_backoff_cap": 0.2, "delivery_retry_for": 1.0, "webhook_timeout": 2.0}
    return Settings(database_url=url, data_dir=folder, **{**fast, **overrides})


@pytest.fixture
def store_url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'jrp.db'}"
    else:
        with pg_schema("jrp_trk") as url:
            yield url


@pytest.fixture
def tracked(store_url: str, tmp_path: Path) -> Iterator[Tracked]:
    yield from tracked_app(store_url, tmp_path)


def tracked_app(url: str, folder: Path, **overrides: Any) -> Iterator[Tracked]:
    """The app over ``url`` with tracking driven by the test (``overrides``: more settings)."""
    app = create_app(tracked_settings(url, folder, **overrides))
    runtime: Runtime = app.state.runtime
    runtime.migrate()
    ingest(runtime.engine, fixed_events(vocabulary_of(runtime.library)))
    keys = {name: runtime.keys.create_key(name, role, scenarios, jurisdictions, "测试部门").plaintext
            for name, (role, scenarios, jurisdictions) in KEYS.items()}
    keys["court"] = runtime.keys.create_key(  # the courts whose records the tests list, repair and remove
        "court", Role.ingester, department="法院", ingest_scope=IngestScope(authorities=COURTS)).plaintext
    clock = Clock()
    runtime.tracker.today = clock
    with running_receiver() as receiver, TestClient(app) as client:
        yield Tracked(client, runtime, keys, receiver, clock)
