"""``jrp serve`` as users start it, in a child process of its own process group, on a free port of 127.0.0.1.

The one helper of every test that needs a real server (supervision, kill -9, several hosts,
logs and metrics, schemathesis): ``start`` returns once the server answers, ``served`` stops
it afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

JRP = Path(sys.executable).parent / "jrp"
STORE_ENV = ("DATABASE_URL", "JRP_DATA_DIR", "JRP_CONFIG", "JRP_CONSOLE_SECRET", "JRP_RULESETS_DIR")
"""Variables of the test run's own environment that must not choose a server's store, rules or secret."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Server:
    """A running ``jrp serve``; ``output`` holds its standard output and error when one was asked for."""

    url: str
    port: int
    process: subprocess.Popen
    output: Path | None = None

    def lines(self) -> list[str]:
        assert self.output is not None, "start the server with output=… to read what it prints"
        return self.output.read_text(encoding="utf-8").splitlines()

    def workers(self) -> list[int]:
        """The uvicorn worker processes started so far (spawned interpreters; not multiprocessing's helpers)."""
        found = []
        for pid in children_of(self.process.pid):
            try:
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                continue
        return found

    def kill(self) -> None:
        """kill -9 of the server and its workers at once."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """A graceful stop (requests in flight are answered); kill -9 if it has not ended within 30 s."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start(*, data_dir: Path | None = None, database_url: str | None = None, workers: int = 2,
          env: dict[str, str] | None = None, output: Path | None = None, ready: str = "/healthz",
          timeout: float = 120) -> Server:
    """``jrp serve --workers N`` over ``data_dir`` and/or ``database_url``, once ``ready`` answers 200.

    ``env`` adds to (or overrides) the environment, after the store variables of the test
    run's own environment are dropped; ``output`` is the file the server's output goes to
    (none: the test's own output).
    """
    port = free_port()
    store = [*(["--data-dir", str(data_dir)] if data_dir else []),
             *(["--database-url", database_url] if database_url else [])]
    environment = {name: value for name, value in os.environ.items() if name not in STORE_ENV}
    sink = output.open("w") if output else None
    try:
        process = subprocess.Popen([str(JRP), *store, "serve", "--port", str(port), "--workers", str(workers)],
                                   env={**environment, **(env or {})}, stdout=sink,
                                   stderr=subprocess.STDOUT if sink else None, start_new_session=True)
    finally:
        if sink:
            sink.close()
    server = Server(f"http://127.0.0.1:{port}", port, process, output)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                if httpx.get(f"{server.url}{ready}", timeout=2).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            assert process.poll() is None, "jrp serve exited before it answered" + (
                f":\n{output.read_text()}" if output else "")
            assert time.monotonic() < deadline, f"jrp serve did not answer {ready} within {timeout:.0f} s"
            time.sleep(0.1)
    except BaseException:
        server.kill()
        raise


@contextmanager
def served(data_dir: Path | None = None, workers: int = 2, database_url: str | None = None,
           env: dict[str, str] | None = None, output: Path | None = None, ready: str = "/healthz",
           stop_signal: signal.Signals = signal.SIGTERM) -> Iterator[Server]:
    """``start(...)``, stopped afterwards (``stop_signal`` to its process group, kill -9 if that does not end it)."""
    server = start(data_dir=data_dir, database_url=database_url, workers=workers, env=env, output=output, ready=ready)
    try:
        yield server
    finally:
        server.stop(stop_signal)
