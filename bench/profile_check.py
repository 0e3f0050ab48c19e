"""Profile of one silent check through the whole ASGI application, without the network.

    .venv/bin/python bench/profile_check.py [--requests 5000] [--subjects 2000] [--same-subject]

Drives ``create_app`` directly with ASGI messages (what uvicorn would send), so the
figures are jrp's own cost per request: routing, validation, authentication, facts
read, evaluation, decision-log append and serialisation. Prints the time per request
and the functions that take it (cProfile, cumulative).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_bench import admin_key, subject_ids  # noqa: E402
from seeded import seeded_store  # noqa: E402

from jrp.api.app import create_app  # noqa: E402
from jrp.settings import Settings  # noqa: E402


def check_scope(key: str) -> dict:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": "/v1/checks", "raw_path": b"/v1/checks", "query_string": b"",
            "root_path": "", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
            "headers": [(b"content-type", b"application/json"), (b"x-api-key", key.encode())]}


async def request(app, scope: dict, body: bytes) -> int:
    status = 0
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def drive(app, key: str, bodies: list[bytes], sort: str = "cumulative") -> float:
    scope = check_scope(key)
    async with app.router.lifespan_context(app):
        for body in bodies[:200]:  # warm: bundles compiled, caches and pools filled
            assert await request(app, scope, body) == 200
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for body in bodies:
            status = await request(app, scope, body)
            assert status == 200, status
        profiler.disable()
        elapsed = time.perf_counter() - started
    stats = pstats.Stats(profiler).sort_stats(sort)
    stats.print_stats(35)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--subjects", type=int, default=2000, help="size of the seeded store (bench/seeded.py)")
    parser.add_argument("--same-subject", action="store_true", help="every request checks the same subject")
    parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative, tottime, ...")
    args = parser.parse_args()
    store = seeded_store(args.subjects, 10)
    key, ids = admin_key(store.url), subject_ids(store.url)
    rng = random.Random(11)
    picks = [ids[0]] * args.requests if args.same_subject else [rng.choice(ids) for _ in range(args.requests)]
    bodies = [json.dumps({"subject": {"id": s}, "scenario": "government_procurement", "role": "supplier",
                          "jurisdiction": "CN-JS-NT", "purpose": "profile"}).encode() for s in picks]
    app = create_app(Settings(database_url=store.url))
    elapsed = asyncio.run(drive(app, key, bodies, args.sort))
    print(f"{args.requests} checks in {elapsed:.2f} s under cProfile: {elapsed / args.requests * 1e6:.0f} µs each")


if __name__ == "__main__":
    main()
