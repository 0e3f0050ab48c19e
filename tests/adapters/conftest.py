"""Fixtures: every store test runs on SQLite and on PostgreSQL (skipped, with the reason, if unreachable).

PostgreSQL gets a uniquely named schema per test session (search_path), emptied after
each test, so parallel runs and other suites do not collide.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from jrp.adapters.store.database import make_engine, upgrade_database
from tests.pg import pg_schema

TABLES = ("records", "events", "relations", "subjects", "subject_facts")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with pg_schema("jrp_test") as url:
        upgrade_database(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A migrated, empty store; the URL also works in a child process."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jrp.db'}"
        upgrade_database(url)
        yield url
        return
    url = request.getfixturevalue("pg_url")
    yield url
    _empty(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """PostgreSQL only, for what only it does (e.g. commit rows out of ``seq`` order); emptied afterwards."""
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()
    _empty(pg_url)


def _empty(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY"))
    engine.dispose()


class Clock:
    """A controllable ``now`` for recorded_at: starts 2025-01-01 UTC, moved by ``advance``."""

    def __init__(self) -> None:
        self.current = datetime(2025, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def clock() -> Clock:
    return Clock()
