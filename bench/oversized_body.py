"""Memory of a worker sent an oversized body: ``jrp serve --workers 2`` on a fresh store, then a 200 MiB
JSON body (one long string) without an API key to ``POST /v1/checks``, with ``Content-Length`` and chunked.

Prints each worker's resident memory (VmRSS) and peak (VmHWM) before and after, the answer's
status and how long it took. Run it from the checkout: ``.venv/bin/python bench/oversized_body.py``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

CHUNK = 1024 * 1024
JRP = Path(sys.executable).parent / "jrp"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workers(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if ppid == parent and b"spawn_main" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return sorted(found)


def _memory(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["VmHWM"].split()[0]) // 1024


def _send(port: int, size: int, chunked: bool) -> tuple[str, float, int]:
    """Send ``size`` bytes of body without a key; the status line, seconds to it, and bytes the server took."""
    started = time.perf_counter()
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as connection:
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
        connection.sendall(f"POST /v1/checks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           f"{framing}\r\n\r\n".encode())
        connection.settimeout(120)
        opening, closing = b'{"purpose": "', b'"}'
        try:
            while sent < size:
                block = b"a" * CHUNK
                if sent == 0:
                    block = opening + block[len(opening):]
                if sent + CHUNK >= size:
                    block = block[:-len(closing)] + closing
                connection.sendall(f"{CHUNK:x}\r\n".encode() + block + b"\r\n" if chunked else block)
                sent += CHUNK
            if chunked:
                connection.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the whole body was sent
        try:
            status = connection.recv(4096).split(b"\r\n", 1)[0].decode()
        except (ConnectionResetError, TimeoutError) as error:
            status = f"no answer ({type(error).__name__})"
    return status, time.perf_counter() - started, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jrp-oversized-") as folder:
        port = _free_port()
        server = subprocess.Popen([str(JRP), "--data-dir", folder, "serve", "--port", str(port), "--workers", "2"],
                                  env=os.environ.copy())
        try:
            deadline = time.monotonic() + 120
            while len(_workers(server.pid)) < 2 or not _answers(port):
                assert time.monotonic() < deadline and server.poll() is None, "jrp serve did not start"
                time.sleep(0.2)
            time.sleep(2)  # both workers have loaded the rulesets
            workers = _workers(server.pid)
            print(f"{'':34} " + "  ".join(f"worker {pid}: RSS / peak MiB" for pid in workers))
            print(f"{'started':34} " + "  ".join(f"{'%d / %d' % _memory(pid):>27}" for pid in workers))
            for chunked in (False, True):
                status, seconds, sent = _send(port, args.size_mib * CHUNK, chunked)
                time.sleep(1)
                label = f"{args.size_mib} MiB {'chunked' if chunked else 'with Content-Length'}, no key"
                print(f"{label:34} " + "  ".join(f"{'%d / %d' % _memory(pid):>27}" for pid in workers)
                      + f"   {status!r} after {seconds:.2f} s, {sent // CHUNK} MiB sent")
        finally:
            server.terminate()
            server.wait(timeout=60)


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


if __name__ == "__main__":
    main()
