"""Group commit: concurrent appends are written together, every one acknowledged only once stored."""

from __future__ import annotations

import asyncio
import fcntl
import sqlite3
import threading

import pytest

from jrp.adapters.log.group_commit import GroupCommitLog
from jrp.engine.codec import Snapshot
from tests.logs import Log, entry, open_log


def _entry(n: int) -> dict:
    return entry(f"d{n:04d}")


def test_concurrent_appends_share_transactions_and_all_reach_the_tree(tmp_path):
    store, log = _log(tmp_path)
    results: dict[int, list] = {}

    def append(n: int) -> None:
        results[n] = log.append([_entry(n)])

    threads = [threading.Thread(target=append, args=(n,)) for n in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {n: r[0]["decision_id"] for n, r in results.items()} == {n: f"d{n:04d}" for n in range(200)}
    store.integrate()
    verification = store.verify()
    assert verification.ok and verification.count == 200, verification.problems


def _log(tmp_path) -> tuple[Log, GroupCommitLog]:
    log = open_log(f"sqlite:///{tmp_path / 'jrp.db'}", tmp_path / "keys")
    return log, GroupCommitLog(log.store)


def _transactions(log: Log, monkeypatch) -> list[int]:
    """The number of entries of each append that reaches the store, as they happen."""
    transactions: list[int] = []
    append = log.store.append
    monkeypatch.setattr(log.store, "append", lambda entries: transactions.append(len(entries)) or append(entries))
    return transactions


def test_a_failed_append_is_reported_to_its_caller(tmp_path):
    _, log = _log(tmp_path)
    log.append([_entry(1)])
    with pytest.raises(sqlite3.IntegrityError):  # the same decision id twice violates the unique key
        log.append([_entry(1)])
    assert log.get("d0001") is not None


def test_checks_of_one_loop_tick_share_one_append(tmp_path, monkeypatch):
    store, log = _log(tmp_path)
    transactions = _transactions(store, monkeypatch)

    async def checks() -> list[list[dict]]:
        first_tick = asyncio.gather(*(log.append_async([_entry(n)]) for n in range(50)))
        await asyncio.sleep(0)
        second_tick = asyncio.gather(*(log.append_async([_entry(n)]) for n in range(50, 60)))
        return await first_tick + await second_tick

    results = asyncio.run(checks())
    assert transactions == [50, 10]
    assert [r[0]["decision_id"] for r in results] == [f"d{n:04d}" for n in range(60)]
    assert [r[0]["group"]["size"] for r in results] == [50] * 50 + [10] * 10  # one signature per commit
    store.integrate()
    assert store.verify().ok


def test_checks_arriving_during_a_write_make_up_the_next_one(tmp_path, monkeypatch):
    store, log = _log(tmp_path)
    transactions = _transactions(store, monkeypatch)

    async def checks() -> list[list[dict]]:
        first = [asyncio.ensure_future(log.append_async([_entry(n)])) for n in range(5)]
        while not transactions:  # the first write is under way in its thread
            await asyncio.sleep(0.001)
        later = [asyncio.ensure_future(log.append_async([_entry(n)])) for n in range(5, 25)]
        return await asyncio.gather(*first, *later)

    results = asyncio.run(checks())
    assert transactions == [5, 20]
    assert [r[0]["decision_id"] for r in results] == [f"d{n:04d}" for n in range(25)]
    store.integrate()
    assert store.verify().count == 25


def test_a_failed_tick_fails_every_check_in_it_and_a_cancelled_check_breaks_nothing(tmp_path):
    _, log = _log(tmp_path)
    log.append([_entry(1)])

    async def checks() -> list:
        tasks = [asyncio.ensure_future(log.append_async([_entry(n)])) for n in (2, 3, 1)]  # d0001 again
        await asyncio.sleep(0)  # all three reach their append in this tick
        tasks[0].cancel()  # its client went away before the flush
        return await asyncio.gather(*tasks, return_exceptions=True)

    gone, *failed = asyncio.run(checks())
    assert isinstance(gone, asyncio.CancelledError)
    assert all(isinstance(outcome, sqlite3.IntegrityError) for outcome in failed)
    assert log.get("d0002") is None and log.get("d0003") is None  # one transaction: nothing of it stored


def test_facts_sent_serialised_or_as_data_are_stored_once_and_read_back(tmp_path):
    store, log = _log(tmp_path)
    facts = {"subject": {"subject_id": "s1", "name": "某公司"}, "records": [{"start": "2025-01-01", "end": None}]}
    log.append([{**_entry(1), "facts": Snapshot.of(facts)}])
    log.append([{**_entry(2), "facts": facts}, {**_entry(3), "facts": facts, "facts_digest": Snapshot.of(facts).digest}])
    entries = [store.store.find(f"d000{n}").entry for n in (1, 2, 3)]
    assert all(entry["facts"] == facts for entry in entries)
    store.integrate()
    assert store.verify().ok
    with pytest.raises(ValueError, match="not the digest"):
        log.append([{**_entry(4), "facts": facts, "facts_digest": "0" * 64}])


def test_an_append_that_cannot_take_the_lock_fails_and_the_next_one_still_runs(tmp_path, monkeypatch):
    store, log = _log(tmp_path)
    refusals = [OSError(37, "No locks available")]

    def flock(file, operation):
        if refusals:
            raise refusals.pop()

    monkeypatch.setattr(fcntl, "flock", flock)
    with pytest.raises(OSError, match="No locks"):
        log.append([_entry(1)])
    assert log.append([_entry(2)])[0]["decision_id"] == "d0002"  # not stuck behind the failed one
