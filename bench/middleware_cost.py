"""What ``jrp.api.request_log`` (request id, JSON access log, HTTP metrics) costs per request.

    .venv/bin/python bench/middleware_cost.py [--requests 3000] [--rounds 7]

First the middleware alone, around an endpoint that does nothing (its own cost, free of the
noise of a shared machine). Then two apps built by ``create_app`` over one small store (the
demo's fixed subjects), in turns, with ASGI messages (no network): as served, and with the
middleware taken out. Each
request is a warm silent check of one subject (the cheapest route, where the middleware's
share is largest) or ``/healthz``, in short paired rounds. The access log is written as
``jrp serve`` writes it, to /dev/null instead of standard output. Prints the medians per
request and the median difference of the pairs; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from profile_check import check_scope, request  # noqa: E402

from jrp.access import Role  # noqa: E402
from jrp.adapters.facts.demo import DEMO_SUBJECTS, fixed_events  # noqa: E402
from jrp.adapters.facts.ingest import ingest  # noqa: E402
from jrp.api.app import create_app  # noqa: E402
from jrp.api.request_log import RequestLog  # noqa: E402
from jrp.demo_vocabulary import vocabulary_of  # noqa: E402
from jrp.logs import AccessLog  # noqa: E402
from jrp.settings import Settings  # noqa: E402


def _apps(folder: Path):
    settings = Settings(database_url=f"sqlite:///{folder / 'jrp.db'}", access_log=True)
    served, bare = create_app(settings), create_app(settings)
    for middleware in served.user_middleware:  # the access log written as served, to /dev/null instead of stdout
        if middleware.cls is RequestLog:
            middleware.kwargs["access_log"] = AccessLog(os.open(os.devnull, os.O_WRONLY))
    bare.user_middleware = [m for m in bare.user_middleware if m.cls is not RequestLog]
    runtime = served.state.runtime
    runtime.migrate()
    ingest(runtime.engine, fixed_events(vocabulary_of(runtime.library)))
    return served, bare, runtime.keys.create_key("bench", Role.admin).plaintext


async def _round(app, scope: dict, body: bytes, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        assert await request(app, scope, body) == 200
    return (time.perf_counter() - started) / n * 1e6


class _Route:
    path = "/healthz"


async def _endpoint(scope: dict, _receive, send) -> None:
    """The least an ASGI app can do: what is left when timing it is the middleware's own cost."""
    scope["route"] = _Route
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def isolated(n: int = 20_000) -> None:
    """RequestLog around a do-nothing endpoint, against the endpoint alone (no routing, no threads: no noise)."""
    async def ignore(_message: dict) -> None:
        return None

    scope = {"type": "http", "method": "GET", "path": "/healthz", "headers": [(b"host", b"x")], "client": ("c", 1)}
    devnull = AccessLog(os.open(os.devnull, os.O_WRONLY))
    for name, app in (("alone", _endpoint), ("metrics and request id", RequestLog(_endpoint, AccessLog(None))),
                      ("+ JSON access log", RequestLog(_endpoint, devnull))):
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(n):
                await app(dict(scope), None, ignore)
            best = min(best, (time.perf_counter() - started) / n * 1e6)
        print(f"isolated, {name}: {best:.1f} µs a request (best of 5 × {n})")


async def measure(requests: int, rounds: int) -> None:
    await isolated()
    with tempfile.TemporaryDirectory() as folder:
        served, bare, key = _apps(Path(folder))
        body = json.dumps({"subject": {"id": DEMO_SUBJECTS["debtor_supplier"].subject_id},
                           "scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT",
                           "purpose": "bench"}).encode()
        check = check_scope(key)
        health = {**check, "method": "GET", "path": "/healthz", "raw_path": b"/healthz"}
        async with served.router.lifespan_context(served), bare.router.lifespan_context(bare):
            for name, scope, payload in (("POST /v1/checks (warm)", check, body), ("GET /healthz", health, b"")):
                for app in (served, bare):
                    await _round(app, scope, payload, 300)  # warm caches, pools and the metric series
                pairs = []
                for turn in range(rounds):  # short rounds in turns, each first every other round: drift cancels
                    order = ((True, served), (False, bare))[::1 if turn % 2 else -1]
                    pair = {with_: await _round(app, scope, payload, requests) for with_, app in order}
                    pairs.append((pair[True], pair[False]))
                with_, without = (statistics.median(side) for side in zip(*pairs))
                extra = statistics.median(a - b for a, b in pairs)
                print(f"{name}: median {with_:.1f} µs with the middleware, {without:.1f} µs without; "
                      f"median difference of {rounds} paired rounds +{extra:.1f} µs ({extra / without:+.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="per round")
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(measure(args.requests, args.rounds))


if __name__ == "__main__":
    main()
