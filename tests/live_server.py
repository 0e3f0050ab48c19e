"""``jrp serve`` as users start it, in a child process, on a free port of 127.0.0.1."""

from __future__ import annotations

import os
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
    url: str
    port: int
    process: subprocess.Popen


@contextmanager
def served(data_dir: Path, workers: int = 2, database_url: str | None = None,
           env: dict[str, str] | None = None) -> Iterator[Server]:
    """``jrp serve --workers N`` over ``data_dir`` (or ``database_url``), stopped afterwards."""
    port = free_port()
    store = ["--database-url", database_url] if database_url else ["--data-dir", str(data_dir)]
    process = subprocess.Popen([str(JRP), *store, "serve", "--port", str(port), "--workers", str(workers)],
                               env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "jrp serve exited before it answered"
            assert time.monotonic() < deadline, "jrp serve did not answer /healthz within 120 s"
            time.sleep(0.2)
        yield Server(url, port, process)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)
