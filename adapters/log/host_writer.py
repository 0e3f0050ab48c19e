"""One writer per SQLite host: the workers' appends of a moment committed together, in one synced commit.

On SQLite every commit takes the database's single write lock and its own fsync: workers that append by
themselves queue for the lock, one fsync per worker's group. (On the bench VM an fdatasync measured
0.2–0.24 ms under strace, so there the CPU, not the flush, bounds throughput and the writer moved the figures
within noise; it pays where flushes are slow, 2–4 ms on the disks the log was first measured on.)
Under ``jrp serve --workers N`` on SQLite, a worker still makes its append ready itself
(``DecisionLogStore.prepare``: pseudonyms, canonical JSON, hashes, the group's receipts signed — the
CPU work stays spread over the workers) and hands the statements to its host's writer over a Unix
domain socket beside the database (``<database>.writer``). The writer commits everything handed to
it while its previous commit ran in one transaction, with ``DecisionLogStore.commit`` (the code of
every append), and answers each worker once committed; only then does the worker answer its checks.

Who writes: a thread of one worker, elected by an flock on ``<database>.writer-lock``. Not a process
of its own started by ``jrp serve``: uvicorn restarts killed workers but would not restart it, and
the workers need a way to append without it anyway (while it is down, from the CLI). Not the
database lease (``jrp.adapters.store.leases``): a lease lapses ``lease_seconds`` after its holder
dies and costs a commit per renewal, while the kernel releases an flock the moment its holder
dies and another worker, trying the lock every ``POLL`` seconds, takes over at once; a SQLite file is
one host's, so a per-host lock has the right scope. The elected worker hands its own appends to
its writer thread without the socket.

When no writer answers (CLI commands, tests, a single process, a writer just killed) a process
commits its appends itself (``DecisionLogStore.commit`` under the appenders' flock, as before).
A writer lost while committing a worker's append (kill -9) leaves it committed or not, never half:
the worker looks for its first entry (decision id and leaf hash) and commits the append itself only
if absent, so no acknowledged answer is lost and none is written twice. Appends without entries
(tracking's outbox statements alone) cannot be looked for, and are always committed directly. PostgreSQL has no host writer:
its appenders commit in parallel.

The socket is its owner's only (0600, and a peer of another user id is refused on either side,
``SO_PEERCRED``): what crosses it is pickled, so it is trusted as the database file is.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import queue
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from jrp.adapters.log.entries import Also, DecisionLogStore, Write

log = logging.getLogger(__name__)

POLL = 0.05
"""Seconds between a standby worker's tries of the writer's lock, and between the writer's looks for a stop."""
_LENGTH = struct.Struct("!I")
_CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid
_SELECT = "SELECT leaf_hash FROM decisions WHERE decision_id = ?"


class HostWriterLost(RuntimeError):
    """The host's writer went away while committing an append, and committing it directly failed too."""


def socket_path(engine: Engine) -> str | None:
    """Where the host's writer listens for the database of ``engine`` (None: PostgreSQL, in memory)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    return f"{database}.writer" if database and database != ":memory:" else None


def _send(connection: socket.socket, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    connection.sendall(_LENGTH.pack(len(data)) + data)


def _receive(connection: socket.socket) -> Any:
    """One message from a peer of our own user id (``_same_user``): unpickled as trusted."""
    size, = _LENGTH.unpack(_exactly(connection, _LENGTH.size))
    return pickle.loads(_exactly(connection, size))


def _exactly(connection: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError("the peer closed the connection")
        data += chunk
    return bytes(data)


def _same_user(connection: socket.socket) -> bool:
    """Whether the process at the other end runs as this one's user (Linux ``SO_PEERCRED``)."""
    _pid, uid, _gid = _CREDENTIALS.unpack(connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                _CREDENTIALS.size))
    return uid == os.getuid()


def _error_of(error: BaseException) -> BaseException:
    """``error`` as it can cross the socket (its type kept when it pickles: an ``IntegrityError`` stays one)."""
    try:
        pickle.dumps(error)
    except Exception:  # noqa: BLE001 - any error that does not pickle is sent as its text
        return RuntimeError(f"the host's log writer could not commit: {type(error).__name__}: {error}")
    return error


@dataclass
class _Handed:
    write: Write
    reply: Callable[[BaseException | None], None]


class HostWriter:
    """This process's candidate for its host's writer: a thread that waits for the lock, then commits for all."""

    def __init__(self, store: DecisionLogStore, path: str):
        self.store = store
        self.path = path
        self.leading = False
        self._lock = threading.Lock()  # ``leading`` changes and in-process handing
        self._queue: queue.Queue[_Handed | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-host-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after committing what was handed; workers still connected find the writer gone."""
        self._stop.set()
        self._thread.join()

    def hand(self, write: Write) -> bool:
        """Commit ``write`` with the others if this process is the writer (raises what kept it out); False if not."""
        done = threading.Event()
        outcome: list[BaseException | None] = []
        with self._lock:
            if not self.leading:
                return False
            self._queue.put(_Handed(write, lambda error: (outcome.append(error), done.set())))
        done.wait()
        if outcome[0] is not None:
            raise outcome[0]
        return True

    def _run(self) -> None:
        descriptor = os.open(f"{self.path}-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while not self._stop.is_set():
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:  # another worker writes
                    self._stop.wait(POLL)
                    continue
                self._lead()
                return
        except Exception:  # the workers commit directly: slower, still correct
            log.exception({"event": "host_writer_failed", "message": "the host's log writer stopped; "
                           "workers commit their appends themselves"})
        finally:
            os.close(descriptor)  # releases the lock: another worker takes over

    def _lead(self) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with contextlib.suppress(FileNotFoundError):  # left by a writer killed -9; the lock says it is gone
            os.unlink(self.path)
        listener.bind(self.path)
        os.chmod(self.path, 0o600)
        listener.listen(64)
        listener.settimeout(POLL)
        committer = threading.Thread(target=self._commit_loop, name="log-host-writer-commits", daemon=True)
        committer.start()
        with self._lock:
            self.leading = True
        connections: list[socket.socket] = []
        try:
            while not self._stop.is_set():
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    continue
                connection.setblocking(True)
                if not _same_user(connection):
                    connection.close()
                    continue
                connections.append(connection)
                threading.Thread(target=self._read, args=(connection,), name="log-host-writer-reader",
                                 daemon=True).start()
        finally:
            with self._lock:
                self.leading = False
            listener.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            self._queue.put(None)  # what was handed before is committed first
            committer.join()
            for connection in connections:  # a worker whose append was not taken finds it absent, commits it itself
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()

    def _read(self, connection: socket.socket) -> None:
        """One worker's appends, one at a time (a worker waits for each answer before handing the next)."""

        def reply(error: BaseException | None) -> None:
            with contextlib.suppress(OSError):  # the worker is gone: nobody waits for this answer
                _send(connection, None if error is None else _error_of(error))

        with contextlib.suppress(EOFError, OSError):
            while True:
                self._queue.put(_Handed(_receive(connection), reply))

    def _commit_loop(self) -> None:
        """Everything handed while the previous commit ran, committed together."""
        while True:
            group = [self._queue.get()]
            while group[-1] is not None and not self._queue.empty():  # this thread alone takes from the queue
                group.append(self._queue.get_nowait())
            handed = [h for h in group if h is not None]
            if handed:
                self._commit(handed)
            if group[-1] is None:  # stopping
                return

    def _commit(self, group: list[_Handed]) -> None:
        try:
            self.store.commit([handed.write for handed in group])
        except Exception as error:  # noqa: BLE001 - every worker learns whether its own append was kept out
            if len(group) == 1:
                group[0].reply(error)
                return
            for handed in group:  # one worker's failure (a decision id twice, say) is not the others'
                self._commit([handed])
            return
        for handed in group:
            handed.reply(None)


class HostAppends:
    """A decision log whose appends go to the host's writer when one answers, else are committed directly."""

    def __init__(self, store: DecisionLogStore, writer: HostWriter | None):
        self.store = store
        self._writer = writer
        self._connection: socket.socket | None = None
        self._lock = threading.Lock()  # one append at a time on the connection

    def append(self, entries: Iterable[dict[str, Any]], also: Also | None = None) -> list[dict[str, Any]]:
        """``DecisionLogStore.append``, committed by the host's writer if one answers."""
        write = self.store.prepare(entries, also)
        if write.statements:
            self._commit(write)
        return self.store.committed(write)

    def get(self, decision_id: str) -> dict[str, Any] | None:
        return self.store.get(decision_id)

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _commit(self, write: Write) -> None:
        if self._writer is None or not write.receipts:
            self.store.commit([write])
            return
        if self._writer.hand(write):
            return
        with self._lock:
            connection = self._connected()
            if connection is None:
                self.store.commit([write])
                return
            try:
                _send(connection, write)
                error = _receive(connection)
            except (EOFError, OSError) as lost:
                self._drop()
                self._recover(write, lost)
                return
        if error is not None:
            raise error

    def _connected(self) -> socket.socket | None:
        """The connection to the host's writer, made if needed; None when none listens."""
        if self._connection is None:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                connection.connect(self._writer.path)  # type: ignore[union-attr] - checked by the caller
                trusted = _same_user(connection)
            except OSError:  # no writer (yet): none elected, or its path too long for a socket
                trusted = False
            if not trusted:  # what a writer sends is unpickled: only one of our own user id is listened to
                connection.close()
                return None
            self._connection = connection
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _recover(self, write: Write, lost: BaseException) -> None:
        """After the writer was lost mid-append: the append is committed whole or not at all; commit it if not."""
        committed = self._is_committed(write.receipts[0])
        log.warning({"event": "host_writer_lost", "message": f"the host's log writer went away ({lost}) while "
                     f"committing {len(write.receipts)} entries; "
                     f"{'they were committed' if committed else 'committing them directly'}"})
        if committed:
            return
        try:
            self.store.commit([write])
        except Exception as error:
            raise HostWriterLost(f"the host's log writer went away while committing decisions "
                                 f"{write.receipts[0]['decision_id']}…, and committing them directly failed: {error}; "
                                 "they are not in the log") from error

    def _is_committed(self, receipt: dict[str, Any]) -> bool:
        """Whether the entry of ``receipt`` is in the log (its decision id, and its very entry: its leaf hash)."""
        driver = self.store.driver
        with driver.connection() as connection:
            cursor = connection.cursor()
            try:
                cursor.execute(driver.sql(_SELECT), (receipt["decision_id"],))
                row = cursor.fetchone()
            finally:
                cursor.close()
        return row is not None and bytes(row[0]).hex() == receipt["entry_hash"]
