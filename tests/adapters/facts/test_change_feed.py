"""The change feed: in-memory facts versions equal the store's after any events (relations included),
PostgreSQL transactions that commit out of ``seq`` order are not missed, keys expire exactly in memory."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jrp.access import Role, terminal_operator
from jrp.adapters.access.api_keys import KeyRefused, KeyStore
from jrp.adapters.facts.change_feed import ChangeFeed, Changes
from jrp.adapters.facts.demo import make_resident_id, make_uscc
from jrp.adapters.facts.event_rules import EventContext, check_event
from jrp.adapters.facts.events import parse_event
from jrp.adapters.facts.ingest import _write, ingest
from jrp.adapters.facts.source import FactsStore
from jrp.adapters.facts.subject_versions import SubjectVersions
from jrp.ports import UNKNOWN

from .factory import ORG, ORG2, PERSON, event, penalty, relation


@contextmanager
def following(engine: Engine) -> Iterator[tuple[ChangeFeed, SubjectVersions, list[Changes]]]:
    """A feed whose background polls are rare (the test polls), the versions it keeps, and what it reported."""
    feed = ChangeFeed(engine, interval=5)
    seen: list[Changes] = []
    feed.on_changes(seen.append)
    versions = SubjectVersions(FactsStore(engine), feed)
    try:
        yield feed.running(), versions, seen
    finally:
        feed.stop()


def settle(feed: ChangeFeed) -> None:
    """Poll until the transactions running at the feed's start have ended (at most ~10 s)."""
    for _ in range(200):
        if feed.settled:
            return
        time.sleep(0.05)
        feed.poll()
    assert feed.settled, "a transaction of the feed's start snapshot still runs after 10 s"


def test_a_persons_version_follows_the_organisations_it_is_related_to(engine: Engine) -> None:
    store = FactsStore(engine)
    new_org = make_uscc("320500", "FEED0001")
    ingest(engine, [penalty("p1", ORG), penalty("p2", ORG2)])
    with following(engine) as (feed, versions, _):
        assert versions.facts_version(PERSON) == UNKNOWN
        assert versions.facts_version(new_org) == UNKNOWN
        ingest(engine, [relation("r1", PERSON, ORG)])
        feed.poll()
        related = versions.facts_version(PERSON)
        assert related == store.facts_version(PERSON) and "-" in related  # own version and the organisation's
        ingest(engine, [penalty("p3", ORG)])  # an event of the organisation only
        feed.poll()
        assert versions.facts_version(PERSON) == store.facts_version(PERSON) != related
        ingest(engine, [relation("r2", PERSON, new_org)])  # names an organisation the store never saw
        feed.poll()
        assert versions.facts_version(new_org) == store.facts_version(new_org) == "0"
        ingest(engine, [event("relation_ended", "r3", PERSON, organisation={"id": ORG}, role="legal_representative")])
        feed.poll()
        ended = versions.facts_version(PERSON)
        assert ended == store.facts_version(PERSON)
        ingest(engine, [penalty("p4", ORG)])  # an ended relation still counts, as the store's query does
        feed.poll()
        assert versions.facts_version(PERSON) == store.facts_version(PERSON) != ended


def test_a_subject_not_held_is_read_whole_once_and_its_version_held(engine: Engine) -> None:
    store = FactsStore(engine)
    ingest(engine, [penalty("v1", ORG)])
    with following(engine) as (feed, versions, _):
        settle(feed)  # on PostgreSQL, a transaction of another client running at the feed's start unsettles it
        version, facts = versions.version_and_facts(ORG)
        assert facts is not None and facts.version == version == store.facts_version(ORG)  # one read, both agree
        assert versions.version_and_facts(ORG) == (version, None)  # held: nothing read
        assert versions.version_and_facts(PERSON) == (UNKNOWN, None)  # a stranger: held as unknown
        ingest(engine, [penalty("v2", ORG)])
        feed.poll()
        changed, facts = versions.version_and_facts(ORG)
        assert facts is not None and changed == facts.version == store.facts_version(ORG) != version


_examples = itertools.count()
ACTIONS = st.lists(st.tuples(st.sampled_from(["penalty", "relation_set", "relation_ended", "registered"]),
                             st.integers(0, 1), st.integers(0, 2), st.booleans()), max_size=10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_in_memory_versions_equal_the_stores_after_any_events(engine: Engine, actions) -> None:
    n = next(_examples)
    persons = [make_resident_id("320500", date(1960, 1, 1) + timedelta(days=n), p) for p in (1, 2)]
    organisations = [make_uscc("320500", f"HY{n:04d}{o:02d}") for o in range(3)]
    everyone = persons + organisations
    store = FactsStore(engine)
    with following(engine) as (feed, versions, _):
        for step, (kind, person, organisation, poll) in enumerate(actions):
            key = f"hy-{n}-{step}"
            if kind == "penalty":
                item = penalty(key, organisations[organisation])
            elif kind == "registered":
                item = event("subject_registered", key, everyone[(person * 3 + organisation) % len(everyone)])
            else:
                item = event(kind, key, persons[person], organisation={"id": organisations[organisation]},
                             role="legal_representative")
            ingest(engine, [item])  # a relation_ended of no open relation is rejected: fine
            if poll:
                feed.poll()
                assert {s: versions.facts_version(s) for s in everyone} == {s: store.facts_version(s) for s in everyone}
            elif step % 2:  # read (and keep) versions the next poll must correct: one by one, or as a batch does
                for subject in everyone:
                    versions.facts_version(subject)
            else:
                versions.load_many(everyone)
        feed.poll()
        assert {s: versions.facts_version(s) for s in everyone} == {s: store.facts_version(s) for s in everyone}


def _parsed(item: dict) -> list:
    return [(0, check_event(parse_event(item), EventContext()))]


def test_postgresql_a_lower_seq_committed_last_is_not_missed(pg_engine: Engine) -> None:
    """SQLite commits one writer at a time, so its seqs never commit out of order: PostgreSQL only."""
    engine = pg_engine
    store = FactsStore(engine)
    ingest(engine, [penalty("a0", ORG), penalty("b0", ORG2)])
    now = datetime.now(UTC)
    with following(engine) as (feed, versions, _):
        first_version, second_version = versions.facts_version(ORG), versions.facts_version(ORG2)
        with engine.connect() as first, engine.connect() as second:
            _write(first, _parsed(penalty("a1", ORG)), now, terminal_operator())  # allocates the lower seq
            low = first.exec_driver_sql("SELECT max(seq) FROM events").scalar_one()
            _write(second, _parsed(penalty("b1", ORG2)), now, terminal_operator())
            high = second.exec_driver_sql("SELECT max(seq) FROM events").scalar_one()
            assert low < high
            second.commit()  # the higher seq commits first
            feed.poll()
            assert feed.covers(high) and not feed.covers(low)
            assert versions.facts_version(ORG2) == store.facts_version(ORG2) != second_version
            assert versions.facts_version(ORG) == first_version  # not committed yet
            first.commit()
        feed.poll()
        assert feed.covers(low)
        assert versions.facts_version(ORG) == store.facts_version(ORG) != first_version


def test_postgresql_a_rolled_back_seq_stops_being_awaited(pg_engine: Engine) -> None:
    engine = pg_engine
    now = datetime.now(UTC)
    with following(engine) as (feed, _, _):
        with engine.connect() as doomed:
            _write(doomed, _parsed(penalty("c1", ORG)), now, terminal_operator())
            lost = doomed.exec_driver_sql("SELECT max(seq) FROM events").scalar_one()
            ingest(engine, [penalty("c2", ORG2)])
            feed.poll()
            assert not feed.covers(lost)  # its transaction may still commit
            doomed.rollback()
        # given up once every transaction older than the first poll that missed it has ended (other sessions
        # of the server count too, so this is a deadline, not an expectation of the very next poll)
        deadline = time.monotonic() + 30
        feed.poll()
        while not feed.covers(lost):
            assert time.monotonic() < deadline, "a rolled-back seq is still awaited"
            time.sleep(0.05)
            feed.poll()


def test_postgresql_an_event_of_a_transaction_running_when_the_feed_starts_is_not_missed(pg_engine: Engine) -> None:
    """However far below the newest seq its seq lies: until that transaction ends nothing read is held."""
    engine = pg_engine
    store = FactsStore(engine)
    ingest(engine, [penalty("d0", ORG)])
    with engine.connect() as running:
        _write(running, _parsed(penalty("d1", ORG)), datetime.now(UTC), terminal_operator())
        low = running.exec_driver_sql("SELECT max(seq) FROM events").scalar_one()
        with engine.connect() as other:  # 50,000 seqs taken by others since: far below the feed's first read
            other.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('events', 'seq'), {low + 50_000})")
            other.commit()
        ingest(engine, [penalty("d2", ORG2)])
        with following(engine) as (feed, versions, seen):
            assert not feed.settled
            before = versions.facts_version(ORG)
            assert before == store.facts_version(ORG) and len(versions) == 0  # read through, not held
            running.commit()
            deadline = time.monotonic() + 30  # other sessions' transactions older than the feed count too
            feed.poll()
            while not feed.settled:
                assert time.monotonic() < deadline, "the feed never settled"
                time.sleep(0.05)
                feed.poll()
            assert seen[-1].everything  # whatever a read in flight was about to hold is dropped
            assert versions.facts_version(ORG) == store.facts_version(ORG) != before
            assert len(versions) == 1  # settled: held from now on


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_key_held_in_memory_expires_at_its_time_and_is_revoked_through_the_feed(engine: Engine) -> None:
    clock = Clock()
    keys = KeyStore(engine, clock)
    other_process = KeyStore(engine, clock)
    feed = ChangeFeed(engine, interval=5)
    keys.follow(feed)
    try:
        expiring = keys.create_key("a", Role.checker, expires_at=clock.now + timedelta(hours=1)).plaintext
        revoked = keys.create_key("b", Role.checker)
        assert keys.authenticate(expiring).name == "a" and keys.authenticate(revoked.plaintext).name == "b"
        clock.now += timedelta(hours=1)
        with pytest.raises(KeyRefused, match="expired"):
            keys.authenticate(expiring)
        other_process.revoke(revoked.key.key_id)
        feed.poll()
        with pytest.raises(KeyRefused, match="revoked"):
            keys.authenticate(revoked.plaintext)
    finally:
        feed.stop()
        keys.close()
        other_process.close()
