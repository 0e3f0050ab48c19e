"""Fixtures for bulk work: demo stores, the bundled rulesets, and one Spark session for the whole test run.

Strategy: the Spark comparisons share one demo store (SQLite, a few hundred generated
subjects and the fixed demo ones) built once per module, and one ``local[2]`` session
for the test session (starting Spark takes seconds). Its files are cut into partitions
of 64 KiB, so even this small store is evaluated in several partitions whose tallies
are merged, as a province's would be. Screening history tests take a store of their
own on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from jrp.adapters.facts.demo import generate
from jrp.adapters.facts.ingest import ingest
from jrp.adapters.facts.source import FactsStore
from jrp.adapters.store.database import make_engine, upgrade_database
from jrp.demo_vocabulary import vocabulary_of
from jrp.rulesets.library import Library
from tests.pg import pg_schema

DEMO_SUBJECTS, DEMO_RECORDS = 400, 4


@pytest.fixture(scope="session")
def library() -> Library:
    return Library.load()


def demo_engine(url: str, library: Library) -> Engine:
    upgrade_database(url)
    engine = make_engine(url)
    report = ingest(engine, generate(7, DEMO_SUBJECTS, DEMO_RECORDS, vocabulary_of(library)))
    assert report.rejected == 0
    return engine


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory, library: Library) -> Iterator[FactsStore]:
    """The demo store on SQLite, shared by a module's tests (which do not change its facts)."""
    engine = demo_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'jrp.db'}", library)
    yield FactsStore(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store of the test's own on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jrp.db'}"
        upgrade_database(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
        return
    with pg_schema("jrp_bulk") as url:
        upgrade_database(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture(scope="session")
def spark():
    """One local[2] Spark session for every Spark test; runners use it and leave it running."""
    from jrp.bulk.spark import session_for

    session = session_for("local[2]", {"spark.sql.files.maxPartitionBytes": "65536"})
    yield session
    session.stop()
