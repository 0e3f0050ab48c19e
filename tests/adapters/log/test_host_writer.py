"""One writer per SQLite host: several processes' appends committed by it, none lost when it is killed -9."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import threading
from pathlib import Path

import pytest

from jrp.adapters.log.audit_keys import load_or_create
from jrp.adapters.log.crypto.signing import verify_receipt
from jrp.adapters.log.entries import DecisionLogStore, Write
from jrp.adapters.log.host_writer import HostAppends, HostWriter, HostWriterLost, socket_path
from jrp.adapters.store.database import make_engine
from tests.logs import Log, entry, open_log

SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter per worker, as uvicorn's are


def _store(url: str, keys: Path) -> DecisionLogStore:
    audit_keys = load_or_create(keys / "signing.pem", keys / "personal-data.key")
    return DecisionLogStore(make_engine(url), audit_keys.signing, audit_keys.personal)


def _appends(store: DecisionLogStore) -> HostAppends:
    """A worker's appends; its own candidate writer is not started (another process writes)."""
    return HostAppends(store, HostWriter(store, socket_path(store.engine)))


def _worker(url: str, keys: Path, worker: int, count: int, receipts: multiprocessing.Queue) -> None:
    appends = _appends(_store(url, keys))
    for n in range(count):
        receipts.put(appends.append([entry(f"w{worker}-{n}-{k}") for k in range(3)]))
    appends.close()


def _doomed_writer(url: str, keys: Path, when: str, leading: multiprocessing.Event) -> None:
    """A writer that kills itself with SIGKILL before its first commit, or after it but before answering."""
    store = _store(url, keys)
    commit = store.commit

    def commit_then_die(writes: list[Write]) -> None:
        if when == "after":
            commit(writes)
        os.kill(os.getpid(), signal.SIGKILL)

    store.commit = commit_then_die  # type: ignore[method-assign]
    writer = HostWriter(store, socket_path(store.engine))
    writer.start()
    _wait_until(lambda: writer.leading)
    leading.set()
    threading.Event().wait()


def _wait_until(condition) -> None:
    while not condition():
        threading.Event().wait(0.01)


@pytest.fixture
def log(tmp_path: Path) -> Log:
    return open_log(f"sqlite:///{tmp_path / 'jrp.db'}", tmp_path / "keys")


def _leading_writer(log: Log, monkeypatch) -> tuple[HostWriter, list[int]]:
    """A writer in this process, leading; the number of appends of each of its commits."""
    groups: list[int] = []
    commit = log.store.commit
    monkeypatch.setattr(log.store, "commit", lambda writes: groups.append(len(writes)) or commit(writes))
    writer = HostWriter(log.store, socket_path(log.store.engine))
    writer.start()
    _wait_until(lambda: writer.leading)
    return writer, groups


def _stored(log: Log) -> list[str]:
    with log.store.engine.connect() as connection:
        return [row[0] for row in connection.exec_driver_sql("SELECT decision_id FROM decisions ORDER BY decision_id")]


def test_appends_of_several_processes_are_committed_by_the_one_writer(log: Log, tmp_path: Path, monkeypatch) -> None:
    writer, groups = _leading_writer(log, monkeypatch)
    received: multiprocessing.Queue = SPAWN.Queue()
    workers = [SPAWN.Process(target=_worker, args=(str(log.store.engine.url), tmp_path / "keys", w, 25, received))
               for w in range(4)]
    for worker in workers:
        worker.start()
    own = HostAppends(log.store, writer)  # the writer's own process hands its appends without the socket
    receipts = [r for n in range(10) for r in own.append([entry(f"own-{n}")])]
    receipts += [r for _ in range(100) for r in received.get(timeout=120)]
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    writer.stop()

    assert sum(groups) == 110  # every append was committed by the writer
    expected = sorted([f"w{w}-{n}-{k}" for w in range(4) for n in range(25) for k in range(3)]
                      + [f"own-{n}" for n in range(10)])
    assert sorted(r["decision_id"] for r in receipts) == expected == _stored(log)
    for receipt in receipts:
        verify_receipt(receipt, log.keys.signing.public)
    log.integrate()
    verification = log.verify()
    assert verification.ok and verification.count == 310, verification.problems


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_writer_killed_mid_append_loses_nothing_and_workers_recover(log: Log, tmp_path: Path, monkeypatch,
                                                                      caplog, when: str) -> None:
    leading = SPAWN.Event()
    doomed = SPAWN.Process(target=_doomed_writer, args=(str(log.store.engine.url), tmp_path / "keys", when, leading))
    doomed.start()
    assert leading.wait(120)
    appends = _appends(log.store)

    receipts = appends.append([entry("d1"), entry("d2")])  # the writer dies committing it (before or after)
    doomed.join()
    assert doomed.exitcode == -signal.SIGKILL
    assert any("host_writer_lost" in str(record.msg) for record in caplog.records)
    receipts += appends.append([entry("d3")])  # no writer: committed directly
    writer, groups = _leading_writer(log, monkeypatch)  # a new writer is elected
    receipts += appends.append([entry("d4")])  # reached through it
    writer.stop()

    assert groups == [1]
    assert [r["decision_id"] for r in receipts] == ["d1", "d2", "d3", "d4"] == _stored(log)  # each once
    for receipt in receipts:
        verify_receipt(receipt, log.keys.signing.public)
    log.integrate()
    verification = log.verify()
    assert verification.ok and verification.count == 4, verification.problems


def test_an_append_the_lost_writer_did_not_commit_and_that_cannot_be_committed_is_a_clear_error(
        log: Log, tmp_path: Path) -> None:
    log.store.append([entry("d1")])
    leading = SPAWN.Event()
    url = str(log.store.engine.url)
    doomed = SPAWN.Process(target=_doomed_writer, args=(url, tmp_path / "keys", "before", leading))
    doomed.start()
    assert leading.wait(120)

    with pytest.raises(HostWriterLost, match="d1.*not in the log") as raised:
        _appends(log.store).append([entry("d1")])  # another entry under a decision id already used
    doomed.join()
    assert isinstance(raised.value.__cause__, sqlite3.IntegrityError)
    assert _stored(log) == ["d1"]


def test_a_failed_append_fails_its_worker_only(log: Log, monkeypatch) -> None:
    log.store.append([entry("d1")])
    entered, release = threading.Event(), threading.Event()
    commit = log.store.commit
    monkeypatch.setattr(log.store, "commit", lambda writes: (entered.set(), release.wait(), commit(writes)))
    writer = HostWriter(log.store, socket_path(log.store.engine))
    writer.start()
    _wait_until(lambda: writer.leading)
    outcomes: dict[str, object] = {}

    def append(decision_id: str) -> None:
        try:
            outcomes[decision_id] = _appends(log.store).append([entry(decision_id)])
        except sqlite3.IntegrityError as error:
            outcomes[decision_id] = error

    threads = [threading.Thread(target=append, args=(d,)) for d in ("d0", "d1", "d2")]
    threads[0].start()
    assert entered.wait(60)  # d0's commit waits for the release
    for thread in threads[1:]:
        thread.start()
    _wait_until(lambda: writer._queue.qsize() == 2)  # d1 (again) and d2 will be committed together
    release.set()
    for thread in threads:
        thread.join()
    writer.stop()

    assert isinstance(outcomes["d1"], sqlite3.IntegrityError)
    assert [r["decision_id"] for r in outcomes["d0"] + outcomes["d2"]] == ["d0", "d2"]  # type: ignore[operator]
    assert _stored(log) == ["d0", "d1", "d2"]


def test_without_a_writer_appends_are_committed_directly(log: Log) -> None:
    receipts = _appends(log.store).append([entry("d1")], also=lambda receipts: [
        ("INSERT INTO log_lease (name, holder, expires_at) VALUES (?, ?, ?)", [(receipts[0]["decision_id"], "x", 0)])])
    with log.store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT name FROM log_lease").scalar() == "d1"  # ``also`` in the append
    assert [r["decision_id"] for r in receipts] == ["d1"] == _stored(log)
