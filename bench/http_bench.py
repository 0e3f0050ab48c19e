"""HTTP benchmark: single checks per second against a no-op FastAPI endpoint, and a 10,000-subject batch.

    .venv/bin/python bench/http_bench.py [--seconds 10] [--connections 16] [--subjects 2000]

Both servers are served the way the README tells users to deploy jrp (uvicorn with
uvloop/httptools, 2 worker processes) in the same run, loaded by ``wrk`` (Debian package
``wrk``) from the same machine. jrp runs on a fresh SQLite store with seeded demo data.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from jrp.access import Role
from jrp.adapters.demo import DEMO_SUBJECTS, generate
from jrp.adapters.ingest import ingest
from jrp.demo_vocabulary import vocabulary_of
from jrp.runtime import Runtime
from jrp.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def seed(data_dir: Path, subjects: int) -> tuple[str, list[str]]:
    """A migrated store with demo subjects; returns an admin key and the subject ids."""
    runtime = Runtime(Settings(data_dir=data_dir))
    runtime.migrate()
    events = list(generate(2025, subjects, 3, vocabulary_of(runtime.library)))
    ingest(runtime.engine, events)
    key = runtime.keys.create_key("bench", Role.admin, department="bench").plaintext
    runtime.close()
    ids = list(dict.fromkeys(e["subject"]["id"] for e in events if e["type"] == "subject_registered"))
    return key, ids


def start(command: list[str], port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"server on port {port} did not start: {' '.join(command)}")


def wrk(url: str, body: dict, key: str, seconds: int, connections: int) -> dict[str, float]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(body, ensure_ascii=False))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["X-API-Key"] = "{key}"\n', encoding="utf-8")
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    script.unlink()

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50%"),
            "p99": ms("99%"), "errors": float(non_2xx.group(1)) if non_2xx else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--subjects", type=int, default=2000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    data_dir = Path(tempfile.mkdtemp(prefix="jrp-bench-"))
    key, ids = seed(data_dir, args.subjects)
    env = dict(os.environ, JRP_DATA_DIR=str(data_dir))
    jrp = start([str(VENV_BIN / "jrp"), "serve", "--workers", "2", "--port", "8701"], 8701, env)
    noop = start([str(VENV_BIN / "uvicorn"), "bench.noop_app:app", "--workers", "2", "--port", "8702",
                  "--log-level", "warning", "--no-access-log"], 8702, env)
    try:
        body = {"subject": {"id": DEMO_SUBJECTS["debtor_supplier"].subject_id}, "scenario": "government_procurement",
                "role": "supplier", "jurisdiction": "CN-JS-NT", "purpose": "benchmark"}
        baseline = wrk("http://127.0.0.1:8702/v1/checks", body, key, args.seconds, args.connections)
        checks = wrk("http://127.0.0.1:8701/v1/checks", body, key, args.seconds, args.connections)
        for name, figures in (("no-op endpoint", baseline), ("jrp POST /v1/checks", checks)):
            print(f"{name:22s} {figures['rps']:9.0f} req/s   p50 {figures['p50']:7.2f} ms   "
                  f"p99 {figures['p99']:7.2f} ms   non-2xx {figures['errors']:.0f}")
        print(f"jrp / no-op throughput: {checks['rps'] / baseline['rps']:.1%}  (target ≥ 60 %, p99 ≤ 20 ms)")
        subjects = [{"id": ids[n % len(ids)]} for n in range(10_000)]
        started = time.perf_counter()
        response = httpx.post("http://127.0.0.1:8701/v1/checks/batch", headers={"X-API-Key": key}, timeout=300,
                              json={"scenario": "government_procurement", "role": "supplier",
                                    "jurisdiction": "CN-JS-NT", "purpose": "benchmark", "subjects": subjects})
        response.raise_for_status()
        print(f"batch of 10,000 subjects over HTTP: {time.perf_counter() - started:.2f} s wall (target ≤ 1 s)")
    finally:
        for process in (jrp, noop):
            process.terminate()
            process.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
