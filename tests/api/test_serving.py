"""jrp served as deployed (``jrp serve``): kill -9 of a worker, of the sequencer, of the host's log writer (SQLite)
and of the whole server during a stream of checks loses no answered check (several servers on one PostgreSQL:
tests/api/test_hosts.py).

Each check that got a 200 must afterwards be in the tree, with an inclusion proof that
verifies against a signed checkpoint, and the whole log must verify.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from jrp.access import Role
from jrp.adapters.facts.demo import fixed_events
from jrp.adapters.facts.ingest import ingest
from jrp.adapters.log.host_writer import socket_path
from jrp.adapters.log.crypto import merkle
from jrp.demo_vocabulary import vocabulary_of
from jrp.runtime import Runtime
from jrp.settings import Settings
from tests.api.conftest import CLEAN, DEBTOR
from tests.live_server import Server, start
from tests.pg import pg_schema

CHECK = {"scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT", "purpose": "stream"}


@dataclass
class Store:
    url: str
    folder: Path
    key: str

    def runtime(self) -> Runtime:
        return Runtime(Settings(database_url=self.url, data_dir=self.folder))


def prepared(url: str, folder: Path) -> Store:
    runtime = Runtime(Settings(database_url=url, data_dir=folder))
    runtime.migrate()
    ingest(runtime.engine, fixed_events(vocabulary_of(runtime.library)))
    key = runtime.keys.create_key("stream", Role.checker).plaintext
    runtime.close()
    return Store(url, folder, key)


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[Store]:
    if backend == "sqlite":
        yield prepared(f"sqlite:///{tmp_path / 'jrp.db'}", tmp_path)
    else:
        with pg_schema("jrp_serve") as url:
            yield prepared(url, tmp_path)


def serve(store: Store, workers: int) -> Server:
    """``jrp serve`` over the store, signing checkpoints every 0.2 s."""
    return start(database_url=store.url, data_dir=store.folder, workers=workers,
                 env={"JRP_CHECKPOINT_INTERVAL": "0.2"})


@dataclass
class Stream:
    """Clients checking without pause against the given servers; what got a 200, and what failed."""

    store: Store
    servers: list[Server]
    answered: list[dict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self, clients: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        return threads

    def _client(self, n: int) -> None:
        with httpx.Client(timeout=30) as client:
            i = 0
            while not self._stop.is_set():
                server = self.servers[(n + i) % len(self.servers)]
                i += 1
                body = {**CHECK, "subject": {"id": (DEBTOR, CLEAN)[i % 2]}, "reference": f"{n}-{i}"}
                try:
                    response = client.post(f"{server.url}/v1/checks", json=body, headers={"X-API-Key": self.store.key})
                except httpx.HTTPError as error:
                    self.failures.append(f"{type(error).__name__} from {server.url}: {error}")
                    time.sleep(0.05)
                    continue
                if response.status_code == 200:
                    self.answered.append(response.json())
                else:
                    self.failures.append(f"{response.status_code} {response.text[:200]}")

    def stop(self, threads: list[threading.Thread]) -> None:
        self._stop.set()
        for thread in threads:
            thread.join(60)


def _sequencer_pid(store: Store) -> int:
    runtime = store.runtime()
    try:
        for _ in range(100):
            with runtime.engine.connect() as connection:
                holder = connection.exec_driver_sql("SELECT holder FROM log_lease WHERE name = 'sequencer'").scalar()
            if holder:
                return int(holder.split(":")[1])
            time.sleep(0.1)
    finally:
        runtime.close()
    raise AssertionError("no process took the sequencer's lease")


def assert_every_answer_is_in_the_tree(store: Store, answered: list[dict]) -> None:
    runtime = store.runtime()
    try:
        runtime.tree.integrate_all(runtime.audit_keys.signing)
        public = runtime.audit_keys.signing.public
        for answer in answered:
            proof = runtime.tree.inclusion(answer["decision_id"])
            proof.checkpoint.verify(public)
            assert proof.entry_hash == answer["receipt"]["entry_hash"]
            merkle.verify_inclusion(bytes.fromhex(proof.entry_hash), proof.leaf_index, proof.checkpoint.tree_size,
                                    proof.proof, proof.checkpoint.root)
        result = runtime.verify_log()
        assert result.ok and result.pending == 0, result.problems
        assert result.count >= len(answered)
    finally:
        runtime.close()


def test_kill_9_of_a_worker_the_sequencer_and_the_server_loses_no_answered_check(store: Store) -> None:
    server = serve(store, workers=2)
    stream = Stream(store, [server])
    threads = stream.run(clients=6)
    try:
        time.sleep(1.5)
        worker = next(pid for pid in server.workers() if pid != _sequencer_pid(store))
        os.kill(worker, signal.SIGKILL)  # a worker that is not the sequencer
        time.sleep(1.5)
        killed = _sequencer_pid(store)
        os.kill(killed, signal.SIGKILL)  # the sequencer: once its lease lapses, another worker takes over
        deadline = time.monotonic() + 15
        while _sequencer_pid(store) == killed:
            assert time.monotonic() < deadline, "no process took over the sequencer's lease"
            time.sleep(0.2)
        time.sleep(1)
        server.kill()  # everything at once, mid-stream
        stream.servers[0] = server = serve(store, workers=2)
        time.sleep(1.5)
    finally:
        stream.stop(threads)
        server.stop()
    assert len(stream.answered) > 50, stream.failures[:5]
    assert_every_answer_is_in_the_tree(store, stream.answered)


def _writer_pid(store: Store) -> int | None:
    """The process of the host's log writer, as its socket names its peer; None while none listens."""
    runtime = store.runtime()
    path = socket_path(runtime.engine)
    runtime.close()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.connect(path)
        except OSError:
            return None
        credentials = struct.Struct("3i")
        return credentials.unpack(connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, credentials.size))[0]


def test_kill_9_of_the_host_writer_loses_no_answered_check_and_another_worker_takes_over(tmp_path: Path) -> None:
    store = prepared(f"sqlite:///{tmp_path / 'jrp.db'}", tmp_path)
    server = serve(store, workers=2)
    stream = Stream(store, [server])
    threads = stream.run(clients=6)
    try:
        time.sleep(1.5)
        killed = _writer_pid(store)
        assert killed in server.workers()  # the workers elected one of them
        os.kill(killed, signal.SIGKILL)  # mid-stream: the other worker's appends in its hands are looked for
        deadline = time.monotonic() + 15
        while _writer_pid(store) in (killed, None):
            assert time.monotonic() < deadline, "no worker took over as the host's writer"
            time.sleep(0.1)
        answered = len(stream.answered)
        while len(stream.answered) < answered + 50:  # checks go on through the new writer
            assert time.monotonic() < deadline + 30, stream.failures[-5:]
            time.sleep(0.1)
    finally:
        stream.stop(threads)
        server.stop()
    assert_every_answer_is_in_the_tree(store, stream.answered)
