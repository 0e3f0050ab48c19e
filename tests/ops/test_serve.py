"""``jrp serve`` as deployed (two uvicorn workers): a startup line with the URL, JSON access logs from both
workers, and /metrics summed over them whichever worker answers the scrape."""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.live_server import Server, served


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    env = {"JRP_METRICS_DIR": str(tmp_path / "metrics"), "JRP_LOG_LEVEL": "info"}
    with served(tmp_path / "data", workers=2, env=env, output=tmp_path / "stdout", ready="/readyz",
                stop_signal=signal.SIGINT) as server:
        yield server


def access_log(server: Server) -> list[dict]:
    return [line for line in map(json.loads, server.lines()[1:]) if line.get("event") == "request"]


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
            if len({line["pid"] for line in access_log(server) if line["path"] == "/healthz"}) >= 2:
                break
    answered = [line for line in access_log(server) if line["path"] == "/healthz" and line["request_id"].startswith("t-")]
    assert len({line["pid"] for line in answered}) == 2, "one worker answered every request"
    assert len(answered) == sent and {line["status"] for line in answered} == {200}
    # whichever worker answers a scrape, it counts every worker's requests
    assert [_healthz_count(httpx.get(f"{server.url}/metrics").text) for _ in range(6)] == [sent] * 6
