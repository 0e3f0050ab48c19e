"""Engines: PostgreSQL connections are pinged on checkout only after sitting idle in the pool; SQLite commits are synced."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from jrp.adapters.facts.source import FactsStore
from jrp.adapters.store import database
from jrp.adapters.store.database import make_engine
from jrp.ports import UNKNOWN
from tests.pg import PG_ADMIN


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _kill(pid: int) -> None:  # as a server restart or an idle timeout would
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_connection_that_died_while_idle_is_replaced_on_checkout(pg_url, monkeypatch):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    first = _backend_pid(engine)
    _kill(first)
    monkeypatch.setattr(database, "IDLE_BEFORE_PING", 0.0)
    assert _backend_pid(engine) != first
    engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged_and_is_discarded_once_it_fails(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    first = _backend_pid(engine)
    _kill(first)
    with pytest.raises(OperationalError):  # no ping: the death shows on the next statement
        _backend_pid(engine)
    assert _backend_pid(engine) != first
    engine.dispose()


def test_a_read_on_a_connection_the_server_dropped_is_retried_on_a_fresh_one(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    store = FactsStore(engine)
    assert store.facts_version("91320500MA1X00001A") == UNKNOWN
    _kill(_backend_pid(engine))
    assert store.facts_version("91320500MA1X00001A") == UNKNOWN  # no error: the dead connection was replaced
    engine.dispose()


def test_an_in_memory_sqlite_engine_still_works():
    engine = make_engine("sqlite://")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar_one() == 1


def test_sqlite_commits_are_synced_so_an_answered_check_survives_a_power_loss(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'jrp.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL: the WAL is synced per commit
    engine.dispose()
