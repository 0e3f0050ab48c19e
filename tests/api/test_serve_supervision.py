"""``kill -9`` of ``jrp serve`` takes its workers with it: nothing keeps holding the port."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.live_server import Server, alive, port_is_free, served


def _workers(server: Server, expected: int) -> list[int]:
    """The uvicorn workers of ``server``, once all ``expected`` have started."""
    deadline = time.monotonic() + 120
    while len(workers := server.workers()) != expected:
        assert time.monotonic() < deadline, f"{len(workers)} of {expected} workers started"
        time.sleep(0.2)
    return workers


def test_workers_exit_when_the_server_is_killed(tmp_path: Path) -> None:
    with served(tmp_path, workers=2) as server:
        workers = _workers(server, 2)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
        deadline = time.monotonic() + 60
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        survivors = [pid for pid in workers if alive(pid)]
        for pid in survivors:  # do not leave them behind if the test fails
            os.kill(pid, signal.SIGKILL)
        assert survivors == []
        assert port_is_free(server.port)
