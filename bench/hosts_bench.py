"""Several hosts, one service: 1, 2 and 3 ``jrp serve`` processes on one PostgreSQL store, loaded by wrk.

    .venv/bin/python bench/hosts_bench.py [--subjects 100000] [--records 10] [--processes 1,2,3] [--workers 1]
        [--seconds 10] [--connections 24] [--postgres-schema S]

The store is ``bench/seeded.py``'s in PostgreSQL (built on the first run, reused after; a
small one for a quick run: ``--subjects 10000``). For each configuration it starts N
``jrp serve`` processes on distinct ports, sharing the store, a data folder (signing and
personal-data keys) and a console secret, as the README's "Several hosts" says; checks that
/readyz of each reports the others as agreeing; then runs one wrk per process at the same
time (``--connections`` in all, split between them: the offered load stays the same while
the processes grow), each posting checks of random subjects of the store. Prints per
configuration:

- req/s over all processes, p50 and p99 (the worst of the wrk instances), non-2xx and socket errors;
- decision-log entries written during the run (rows of ``decisions``) against the requests wrk
  counted as answered: "ok" when every answered check was logged and at most one more per
  connection (answered after wrk stopped counting) was, "MISMATCH" otherwise; appends/s,
  and entries per group commit (from the servers' /metrics: entries appended / append transactions).

``--workers``: uvicorn workers per process. On a 2-core machine the default 1 keeps the
number of Python processes equal to N (wrk and PostgreSQL need the rest of the cores);
with more cores, give each process as many workers as it has cores to itself.
Figures depend on what else the machine is doing: run it on an idle machine, and more than once.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_bench import add_seed_option, seed_of, subject_ids, wrk_script  # noqa: E402
from seeded import add_store_options, store_from  # noqa: E402

from jrp.access import Role  # noqa: E402
from jrp.runtime import Runtime  # noqa: E402
from jrp.settings import Settings  # noqa: E402

VENV_BIN = Path(sys.executable).parent
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
"""The data folder every process shares: the keys the other benchmarks' processes use on these stores too (a
process with another personal-data key cannot unwrap the month's data key the first one stored)."""
SECRET = "hosts-bench-console-secret-shared-by-every-process"


@dataclass(frozen=True)
class Wrk:
    requests: int
    rps: float
    p50: float
    p99: float
    non_2xx: int
    socket_errors: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_servers(count: int, workers: int, url: str, folder: Path) -> list[tuple[str, subprocess.Popen]]:
    env = {**os.environ, "DATABASE_URL": url, "JRP_DATA_DIR": str(folder), "JRP_CONSOLE_SECRET": SECRET,
           "JRP_ACCESS_LOG": "false", "JRP_LOG_LEVEL": "warning"}
    servers = []
    for _ in range(count):
        port = free_port()
        process = subprocess.Popen([str(VENV_BIN / "jrp"), "serve", "--port", str(port), "--workers", str(workers)],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.append((f"http://127.0.0.1:{port}", process))
    for address, process in servers:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{address}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                stop(servers)
                raise SystemExit(f"jrp serve at {address} did not start")
            time.sleep(0.2)
    return servers


def stop(servers: list[tuple[str, subprocess.Popen]]) -> None:
    for _, process in servers:
        if process.poll() is None:
            process.terminate()
    for _, process in servers:
        process.wait(60)


def agreement(servers: list[tuple[str, subprocess.Popen]]) -> str:
    """What /readyz of each process says of the others (all agree, unless a host serves other rules)."""
    deadline = time.monotonic() + 30
    while True:  # each worker registers as it starts; wait until every process sees the others' workers
        said = [httpx.get(f"{address}/readyz").json()["checks"].get("hosts", "") for address, _ in servers]
        seen = [int(m.group(1)) if (m := re.match(r"agrees with (\d+)", text)) else 0 for text in said]
        if len(servers) == 1 or min(seen) >= len(servers) - 1 or time.monotonic() > deadline:
            return said[0]
        time.sleep(0.5)


def scrape(servers: list[tuple[str, subprocess.Popen]]) -> tuple[float, float]:
    """Entries appended and append transactions, summed over the processes (each sums its own workers)."""
    entries = groups = 0.0
    for address, _ in servers:
        text = httpx.get(f"{address}/metrics").text
        entries += _metric(text, "jrp_decision_log_appended_entries_total")
        groups += _metric(text, "jrp_decision_log_append_duration_seconds_count")
    return entries, groups


def _metric(text: str, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def logged(url: str) -> int:
    runtime = Runtime(Settings(database_url=url))
    try:
        with runtime.engine.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM decisions").scalar_one()
    finally:
        runtime.close()


def run_wrk(address: str, script: Path, seconds: int, connections: int) -> Wrk:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
                          f"{address}/v1/checks"], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Wrk(int(re.search(r"(\d+) requests in", out).group(1)), float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
               ms("50%"), ms("99%"), int(non_2xx.group(1)) if non_2xx else 0,
               sum(map(int, sockets.groups())) if sockets else 0)


def configuration(count: int, args: argparse.Namespace, url: str, script: Path, folder: Path) -> None:
    servers = start_servers(count, args.workers, url, folder)
    try:
        hosts = agreement(servers)
        with ThreadPoolExecutor(count) as pool:  # warm: rulesets compiled, pools filled, on every worker
            list(pool.map(lambda s: run_wrk(s[0], script, 2, max(1, args.connections // count)), servers))
        time.sleep(1)  # the warm-up's requests in flight are answered and logged before counting starts
        before, (entries0, groups0) = logged(url), scrape(servers)
        with ThreadPoolExecutor(count) as pool:
            results = list(pool.map(lambda s: run_wrk(s[0], script, args.seconds, max(1, args.connections // count)),
                                    servers))
        time.sleep(1)  # let the last appends of requests in flight commit
        written, (entries1, groups1) = logged(url) - before, scrape(servers)
    finally:
        stop(servers)
    answered = sum(r.requests - r.non_2xx for r in results)
    connections = max(1, args.connections // count) * count
    # wrk does not count the requests in flight when it stops: at most one per connection more is logged
    accounted = "ok" if answered <= written <= answered + connections else "MISMATCH"
    per_group = (entries1 - entries0) / (groups1 - groups0) if groups1 > groups0 else 0.0
    print(f"{count} process{'es' if count > 1 else '  '} × {args.workers} worker{'s' if args.workers > 1 else ' '}: "
          f"{sum(r.rps for r in results):7.0f} req/s  p50 {max(r.p50 for r in results):6.2f} ms  "
          f"p99 {max(r.p99 for r in results):6.2f} ms  non-2xx {sum(r.non_2xx for r in results)}  "
          f"socket errors {sum(r.socket_errors for r in results)}  |  log: {written:,} entries written for "
          f"{answered:,} answered ({accounted}), {written / args.seconds:,.0f} appends/s, {per_group:.1f} entries per group commit"
          f"  |  /readyz: {hosts}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_store_options(parser, postgres_only=True)
    parser.add_argument("--processes", default="1,2,3", help="configurations: numbers of jrp serve processes")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers per process (see the docstring)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=24, help="wrk connections in all, split between processes")
    add_seed_option(parser)
    args = parser.parse_args()
    seed = seed_of(args)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    store = store_from(args)
    ids = subject_ids(store.url)
    runtime = Runtime(Settings(database_url=store.url))
    key = runtime.keys.create_key("hosts bench", Role.checker, department="bench").plaintext
    runtime.close()
    print(f"store: {len(ids):,} subjects × {args.records} records on PostgreSQL; {os.cpu_count()} cores; "
          f"wrk: {args.connections} connections in all, {args.seconds} s per configuration; --seed {seed}", flush=True)
    for index, count in enumerate(int(n) for n in args.processes.split(",")):
        script = wrk_script(key, ids, seed + index)  # subjects drawn afresh: not those the last configuration read
        try:
            configuration(count, args, store.url, script, DATA_DIR)
        finally:
            script.unlink()


if __name__ == "__main__":
    main()
