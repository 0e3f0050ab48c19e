"""Fixtures: the API built by ``create_app`` over a real store, driven over HTTP with TestClient.

Strategy: one store per backend for the session (``api``), loaded with the demo's fixed
subjects and one key per role; tests that read counts or tamper with the log take a
store of their own (``fresh_api``). Every test runs on SQLite (a file in tmp_path) and on
PostgreSQL (a schema of its own, dropped afterwards), which is skipped with the reason
when the server is unreachable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from fastapi.testclient import TestClient

from jrp.access import Role
from jrp.adapters.facts.demo import DEMO_SUBJECTS, fixed_events, make_uscc
from jrp.adapters.facts.ingest import ingest
from jrp.api.app import create_app
from jrp.demo_vocabulary import vocabulary_of
from jrp.runtime import Runtime
from jrp.settings import Settings
from tests.pg import pg_schema

DEBTOR = DEMO_SUBJECTS["debtor_supplier"].subject_id
PERSON = DEMO_SUBJECTS["legal_representative"].subject_id
CLEAN = DEMO_SUBJECTS["clean_supplier"].subject_id
TAXPAYER = DEMO_SUBJECTS["a_level_taxpayer"].subject_id
STRANGER = make_uscc("320600", "NEWC0001")  # never sent to the store
EVENT_LEAVES = 9  # the demo subjects' events: the first leaves of every store's log, before its decisions

KEYS = {  # name: (role, scenarios, jurisdictions)
    "checker": (Role.checker, ("government_procurement", "bidding"), ("CN-JS-NT",)),
    "checker_any": (Role.checker, (), ()),
    "ingester": (Role.ingester, (), ()),
    "maintainer": (Role.maintainer, (), ()),
    "auditor": (Role.auditor, (), ()),
    "approver": (Role.approver, (), ()),
    "admin": (Role.admin, (), ()),
}


@dataclass
class Api:
    client: TestClient
    runtime: Runtime
    keys: dict[str, str]

    def headers(self, name: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[name]}

    def check(self, key: str = "checker", **body: object) -> dict:
        payload = {"subject": {"id": DEBTOR}, "scenario": "government_procurement", "role": "supplier",
                   "jurisdiction": "CN-JS-NT", "purpose": "南通市政府采购项目 NT-2025-001", **body}
        response = self.client.post("/v1/checks", json=payload, headers=self.headers(key))
        assert response.status_code == 200, response.text
        return response.json()


T = TypeVar("T")
FEED_MARGIN = 2.0  # seconds beyond the feed's bound a busy test machine may need (a deadline, not a pause)


def within_feed_bound(runtime: Runtime, attempt: Callable[[], T], done: Callable[[T], bool]) -> T:
    """The first result of ``attempt`` that is ``done``, polled until the change feed's bound (plus a margin)
    has passed since the call; fails the test if none is."""
    deadline = time.monotonic() + runtime.settings.feed_interval + FEED_MARGIN
    while True:
        result = attempt()
        if done(result):
            return result
        assert time.monotonic() < deadline, f"not reflected within the feed bound: {result!r}"
        time.sleep(0.01)


def _schema_url() -> Iterator[str]:
    with pg_schema("jrp_api") as url:
        yield url


def _url(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'jrp.db'}"
    else:
        yield from _schema_url()


@contextmanager
def running_api(url: str, folder: Path, rulesets_dir: Path | None = None, **settings: object) -> Iterator[Api]:
    """A migrated store with the demo's fixed subjects, one key per role, and a client of the app.

    ``folder`` holds the audit keys (and the SQLite file, if ``url`` names one there); ``settings`` are
    further settings of the app (e.g. ``access_log=True``).
    """
    app = create_app(Settings(database_url=url, rulesets_dir=rulesets_dir, data_dir=folder, **settings))
    runtime: Runtime = app.state.runtime
    runtime.migrate()
    ingest(runtime.engine, fixed_events(vocabulary_of(runtime.library)))
    keys = {name: runtime.keys.create_key(name, role, scenarios, jurisdictions, "测试部门").plaintext
            for name, (role, scenarios, jurisdictions) in KEYS.items()}
    with TestClient(app) as client:
        yield Api(client, runtime, keys)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def api(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The shared API of the session (per backend): never tampered with."""
    folder = tmp_path_factory.mktemp("api")
    for url in _url(backend, folder):
        with running_api(url, folder) as api:
            yield api


@pytest.fixture
def make_fresh_api(backend: str, tmp_path: Path) -> Iterator[Callable[..., Api]]:
    """Builds an API over a store of its own (a new SQLite file or PostgreSQL schema)."""
    stack: list = []

    def make(rulesets_dir: Path | None = None) -> Api:
        urls = _url(backend, tmp_path)
        url = next(urls)
        context = running_api(url, tmp_path, rulesets_dir)
        stack.append((urls, context))
        return context.__enter__()

    yield make
    for urls, context in reversed(stack):
        context.__exit__(None, None, None)
        urls.close()


@pytest.fixture
def fresh_api(make_fresh_api: Callable[..., Api]) -> Api:
    return make_fresh_api()
