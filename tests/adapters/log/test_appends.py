"""Decision-log appends on both stores: a group is stored whole or not at all, and reads after it see it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from jrp.engine.codec import Snapshot
from tests.logs import RULES, Log, entry, open_log
from tests.pg import pg_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Log]:
    if request.param == "sqlite":
        opened = open_log(f"sqlite:///{tmp_path / 'jrp.db'}", tmp_path / "keys")
        yield opened
        opened.store.engine.dispose()
        return
    with pg_schema("jrp_log") as url:
        opened = open_log(url, tmp_path / "keys")
        yield opened
        opened.store.engine.dispose()


def _stored(log: Log) -> tuple[int, int]:
    with log.store.engine.connect() as connection:
        return (connection.execute(text("SELECT count(*) FROM decisions")).scalar_one(),
                connection.execute(text("SELECT count(*) FROM fact_snapshots")).scalar_one())


def test_a_group_that_fails_at_its_last_row_stores_nothing_and_the_log_goes_on(log: Log) -> None:
    log.store.append([entry("d1")])
    before = _stored(log)
    new_facts = {"subject": {"id": "91320508MA1X000178"}, "records": [{"record_id": "r1"}]}
    group = [entry("d2", facts=new_facts), entry("d3"), entry("d1")]  # d1 again: the unique key refuses it
    with pytest.raises(Exception, match="(?i)unique"):
        log.store.append(group)
    assert _stored(log) == before  # neither the new rows nor the new facts snapshot
    log.store.append([entry("d2", facts=new_facts)])  # the pooled connection still works
    assert log.store.find("d2") is not None and _stored(log) == (before[0] + 1, before[1] + 1)
    log.integrate()
    verification = log.verify()
    assert verification.ok and verification.count == 2, verification.problems


def test_a_group_serialises_the_bundle_it_first_stores_once(log: Log) -> None:
    """A bundle's content takes milliseconds to make: a worker's first append after start (a batch of 10,000) made
    it once per entry (46 s for the batch instead of 8)."""
    made: list[bytes] = []
    rules = Snapshot(RULES.digest, lambda: made.append(RULES.data) or RULES.data)
    log.store.append([entry(f"d{i}", bundle_document=rules) for i in range(5)])
    assert len(made) == 1
    with log.store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM bundles")).scalar_one() == 1
    log.store.append([entry("d5", bundle_document=rules)])
    assert len(made) == 1  # stored: later groups do not send it
