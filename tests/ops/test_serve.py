"""``jrp serve`` as deployed (two uvicorn workers): a startup line with the URL, JSON access logs from both
workers, and /metrics summed over them whichever worker answers the scrape."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

JRP = Path(sys.executable).parent / "jrp"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, url: str, output: Path):
        self.url, self.output = url, output

    def lines(self) -> list[str]:
        return self.output.read_text(encoding="utf-8").splitlines()

    def access_log(self) -> list[dict]:
        return [line for line in map(json.loads, self.lines()[1:]) if line.get("event") == "request"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    port, output = _free_port(), tmp_path / "stdout"
    env = {**os.environ, "JRP_DATA_DIR": str(tmp_path / "data"), "JRP_METRICS_DIR": str(tmp_path / "metrics"),
           "JRP_LOG_LEVEL": "info"}
    env.pop("DATABASE_URL", None)
    with output.open("w") as sink:
        process = subprocess.Popen([str(JRP), "serve", "--port", str(port), "--workers", "2"], stdout=sink,
                                   stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, output.read_text()
            assert time.monotonic() < deadline, "jrp serve did not become ready in 90 s"
            time.sleep(0.2)
        yield Server(url, output)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _healthz_count(metrics: str) -> float:
    pattern = r'^jrp_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$'
    found = re.search(pattern, metrics, re.M)
    return float(found.group(1)) if found else 0.0


def test_serve_prints_its_url_logs_json_and_sums_metrics_over_its_workers(server: Server) -> None:
    startup = server.lines()[0]
    assert startup.startswith(f"jrp serving {server.url} ") and "with 2 workers" in startup

    def hit(n: int) -> str:
        return httpx.get(f"{server.url}/healthz", headers={"X-Request-ID": f"t-{n}"}).headers["x-request-id"]

    sent = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        while sent < 400:  # until both workers have answered some (the kernel spreads connections between them)
            assert list(pool.map(hit, range(sent, sent + 40))) == [f"t-{n}" for n in range(sent, sent + 40)]
            sent += 40
            time.sleep(0.3)  # let the workers' log lines reach the file
            if len({line["pid"] for line in server.access_log() if line["path"] == "/healthz"}) >= 2:
                break
    answered = [line for line in server.access_log() if line["path"] == "/healthz" and line["request_id"].startswith("t-")]
    assert len({line["pid"] for line in answered}) == 2, "one worker answered every request"
    assert len(answered) == sent and {line["status"] for line in answered} == {200}
    # whichever worker answers a scrape, it counts every worker's requests
    assert [_healthz_count(httpx.get(f"{server.url}/metrics").text) for _ in range(6)] == [sent] * 6
