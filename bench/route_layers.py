"""What a warm ``POST /v1/checks`` costs per request beyond a no-op FastAPI endpoint, layer by layer.

    .venv/bin/python bench/route_layers.py [--requests 2000] [--rounds 5] [--batch 10000]

In-process, with ASGI messages (no network), over the demo's fixed subjects (one subject checked
again and again, so the evaluation is cached and what is left is the HTTP work around it):

- the whole request: the no-op endpoint of ``bench/noop_app.py`` and ``POST /v1/checks`` as served
  (access log written to /dev/null, as ``jrp serve`` writes it to standard output);
- in context: the whole request with the service call stubbed, and with one thing taken out at a time (the
  key's lookup, the request log, the guard), in paired rounds: what each costs where it runs, and what the
  route costs beyond the no-op endpoint;
- each layer on its own, timed in a loop of its own: the middlewares (request log, request guard
  with the key's authentication), routing, body read with JSON decoding, validation into
  ``CheckRequestV1``, the key's permission, the service call
  (evaluation from the cache and the decision-log append), response encoding, the check metric;
  and what FastAPI's dependency solver would cost the route beyond validation (``jrp.api.lean_route``
  skips it). Isolated loops run with hot caches: they add up to less than the whole request.
- a batch of ``--batch`` subjects: the whole request, and its decoding, validation and encoding alone.

Each request gets a scope of its own (one shared would carry the key the guard left in its state to the
next request). CPU time of the process (``time.process_time``: all its threads, waits excluded), best of ``--rounds``
rounds per figure (a shared machine adds, never removes). Prints µs; asserts nothing.
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
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import noop_app  # noqa: E402
from fastapi.dependencies.utils import solve_dependencies  # noqa: E402
from middleware_cost import _endpoint  # noqa: E402
from profile_check import check_scope, request  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.routing import Match  # noqa: E402

from jrp.access import Role  # noqa: E402
from jrp.adapters.facts.demo import DEMO_SUBJECTS, fixed_events  # noqa: E402
from jrp.adapters.facts.ingest import ingest  # noqa: E402
from jrp.api import routes as route_modules  # noqa: E402
from jrp.api.app import create_app  # noqa: E402
from jrp.api.deps import Checker, authenticate, scoped_jurisdiction  # noqa: E402
from jrp.api.lean_route import body_validator, read_json  # noqa: E402
from jrp.api.presenters import check_json, to_request  # noqa: E402
from jrp.api.request_guard import RequestGuard  # noqa: E402
from jrp.api.request_log import RequestLog  # noqa: E402
from jrp.api.routes import checks  # noqa: E402
from jrp.api.schemas import BatchRequestV1, CheckRequestV1  # noqa: E402
from jrp.demo_vocabulary import vocabulary_of  # noqa: E402
from jrp.logs import AccessLog  # noqa: E402
from jrp.settings import Settings  # noqa: E402

CHECK = {"subject": {"id": DEMO_SUBJECTS["debtor_supplier"].subject_id}, "scenario": "government_procurement",
         "role": "supplier", "jurisdiction": "CN-JS-NT", "purpose": "bench"}


async def best(rounds: int, n: int, step: Callable[[], Awaitable[Any]]) -> float:
    """Least CPU time (of every thread of the process: the decision log commits in one) per call of ``step``, µs."""
    fastest = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(n):
            await step()
        fastest = min(fastest, (time.process_time() - started) / n * 1e6)
    return fastest


def receiver(body: bytes) -> Callable[[], Awaitable[dict]]:
    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


async def ignore(_message: dict) -> None:
    return None


def _app(folder: Path):
    app = create_app(Settings(database_url=f"sqlite:///{folder / 'jrp.db'}", access_log=True))
    for middleware in app.user_middleware:  # written as served, to /dev/null instead of standard output
        if middleware.cls is RequestLog:
            middleware.kwargs["access_log"] = AccessLog(os.open(os.devnull, os.O_WRONLY))
    runtime = app.state.runtime
    runtime.migrate()
    ingest(runtime.engine, fixed_events(vocabulary_of(runtime.library)))
    return app, runtime.keys.create_key("bench", Role.admin).plaintext


def without(app, settings: Settings, *middlewares: type) -> Any:
    """An app like ``app`` over the same runtime, without ``middlewares``."""
    other = create_app(settings)
    other.user_middleware = [m for m in app.user_middleware if m.cls not in middlewares]
    other.state.runtime, other.state.metrics = app.state.runtime, app.state.metrics
    return other


async def in_context(app, scope: dict, body: bytes, rounds: int, n: int) -> None:
    """Whole requests (service call stubbed) with one thing taken out at a time, in paired rounds: what each costs
    where it runs, caches shared with the rest of the request (isolated loops flatter it)."""
    runtime, settings = app.state.runtime, app.state.runtime.settings
    looked_up = runtime.keys.authenticate(scope_key(scope))
    variants = {"as served": (app, False), "key lookup stubbed": (app, True),
                "without the request log": (without(app, settings, RequestLog), False),
                "without the guard (the route looks the key up)": (without(app, settings, RequestGuard), False),
                "without both, key lookup stubbed": (without(app, settings, RequestLog, RequestGuard), True),
                "no-op endpoint": (noop_app.app, False)}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for turn in range(rounds * 2):
        for name, (variant, stub) in list(variants.items())[::1 if turn % 2 else -1]:
            if stub:
                runtime.keys.authenticate = lambda _plaintext: looked_up
            else:
                vars(runtime.keys).pop("authenticate", None)
            times[name].append(await best(1, n, lambda: request(variant, dict(scope), body)))
    vars(runtime.keys).pop("authenticate", None)
    median = {name: statistics.median(figures) for name, figures in times.items()}
    print("in context, service call stubbed (medians of paired rounds):")
    for name, figure in median.items():
        print(f"  {name:48s} {figure:7.1f} µs")
    print(f"  => key lookup {median['as served'] - median['key lookup stubbed']:.1f} µs, request log "
          f"{median['as served'] - median['without the request log']:.1f} µs, guard beyond the lookup "
          f"{median['as served'] - median['without the guard (the route looks the key up)']:.1f} µs, the route "
          f"beyond the no-op endpoint {median['without both, key lookup stubbed'] - median['no-op endpoint']:.1f} µs")


def scope_key(scope: dict) -> str:
    return dict(scope["headers"])[b"x-api-key"].decode()


async def single(app, key: str, rounds: int, n: int) -> None:
    body = json.dumps(CHECK).encode()
    scope = check_scope(key)
    for _ in range(300):  # warm: bundle compiled, evaluation cached, pools and metric series filled
        assert await request(app, dict(scope), body) == 200
        assert await request(noop_app.app, dict(scope), body) == 200
    runtime, metrics = app.state.runtime, app.state.metrics
    scope_with_app = {**scope, "app": app, "state": {}}
    parsed = json.loads(body)
    model = CheckRequestV1.model_validate(parsed)
    key_obj = authenticate(Request(scope_with_app))
    check_request = to_request(model, model.subject, "CN-JS-NT")
    result = await runtime.service.check_async(check_request, key_obj.caller())
    route = next(r for r in checks.router.routes if r.path == "/v1/checks")
    routes = app.router.routes
    guard = RequestGuard(_endpoint, limits={}, default=runtime.settings.body_limit_default)
    log = RequestLog(_endpoint, AccessLog(os.open(os.devnull, os.O_WRONLY)))

    async def routing() -> None:
        for candidate in routes:
            if candidate.matches(scope)[0] is Match.FULL:
                return

    async def body_json() -> None:
        await read_json(Request(scope, receiver(body)))

    validator = body_validator(CheckRequestV1)

    async def validate() -> None:
        validator(parsed)

    checker = Checker.__metadata__[0].dependency

    async def key_dependency() -> None:
        request_ = Request(scope_with_app)
        request_.state.api_key = key_obj
        await checker(request_)

    async def service() -> None:
        await runtime.service.check_async(to_request(model, model.subject, scoped_jurisdiction(
            runtime, key_obj, model.scenario.value, model.jurisdiction)), key_obj.caller())

    async def encode() -> None:
        check_json(result, key_obj)

    async def metric() -> None:
        metrics.check("government_procurement", "deny")

    layers: dict[str, float] = {
        "request log (id, access line, HTTP metrics)": await best(rounds, n, lambda: log(dict(scope), None, ignore)),
        "request guard (authentication, limits)": await best(rounds, n, lambda: guard(dict(scope_with_app),
                                                                                      None, ignore)),
        "  of which the key's lookup (runtime.keys.authenticate)": await best(
            rounds, n, lambda: asyncio.sleep(0, runtime.keys.authenticate(key))),
        "routing": await best(rounds, n, routing),
        "body read + JSON decode": await best(rounds, n, body_json),
        "validation (CheckRequestV1)": await best(rounds, n, validate),
        "the key's permission (Checker, awaited by LeanRoute)": await best(rounds, n, key_dependency),
    }

    async def solve() -> None:
        async with AsyncExitStack() as stack:
            request_ = Request({**scope_with_app, "state": {"api_key": key_obj}, "route": route,
                                "fastapi_inner_astack": stack, "fastapi_function_astack": stack}, receiver(body))
            solved = await solve_dependencies(request=request_, dependant=route.dependant, body=parsed,
                                              async_exit_stack=stack, embed_body_fields=False)
            assert not solved.errors
    solving = await best(rounds, n, solve) - layers["validation (CheckRequestV1)"]
    layers["service call (cached evaluation, log append)"] = await best(rounds, n // 4, service)
    layers["response encoding (check_json)"] = await best(rounds, n, encode)
    layers["check metric"] = await best(rounds, n, metric)

    whole = await best(rounds, n // 4, lambda: request(app, dict(scope), body))
    together = await best(rounds, n // 64, lambda: asyncio.gather(*(request(app, dict(scope), body) for _ in range(16))))
    noop = await best(rounds, n, lambda: request(noop_app.app, dict(scope), body))

    async def cached(*_args: Any) -> Any:  # the service call answered at once: what is left is the HTTP work
        return result
    runtime.service.check_async = cached
    http_work = await best(rounds, n, lambda: request(app, dict(scope), body))
    print(f"no-op FastAPI endpoint, whole request: {noop:7.1f} µs")
    print(f"POST /v1/checks warm, whole request:   {whole:7.1f} µs; 16 at once (appended in one commit): "
          f"{together / 16:.1f} µs a request")
    print(f"POST /v1/checks, service call stubbed: {http_work:7.1f} µs ({http_work - noop:+.1f} µs beyond the no-op)")
    await in_context(app, scope, body, rounds, n // 4)
    del runtime.service.check_async
    print("isolated loops (caches hot, so lower than in context):")
    service_time = layers.pop("service call (cached evaluation, log append)")
    for name, figure in layers.items():
        print(f"  {name:48s} {figure:7.1f} µs")
    print(f"  FastAPI's dependency solving of this route beyond validation (not run by LeanRoute) {solving:.1f} µs")
    print(f"  service call (cached evaluation, log append) {service_time:.1f} µs")


async def batch(app, key: str, size: int, rounds: int) -> None:
    subjects = [{"id": DEMO_SUBJECTS[name].subject_id} for name in DEMO_SUBJECTS]
    options = {name: value for name, value in CHECK.items() if name != "subject"}
    body = json.dumps({**options, "subjects": [subjects[i % len(subjects)] for i in range(size)]}).encode()
    scope = {**check_scope(key), "path": "/v1/checks/batch", "raw_path": b"/v1/checks/batch"}
    runtime = app.state.runtime
    key_obj = authenticate(Request({**scope, "app": app}))
    assert await request(app, dict(scope), body) == 200
    parsed = json.loads(body)
    model = BatchRequestV1.model_validate(parsed)
    requests = [to_request(model, s, "CN-JS-NT") for s in model.subjects]
    answer = runtime.service.batch(requests, key_obj.caller())
    validator = body_validator(BatchRequestV1)

    async def decode() -> None:
        await read_json(Request(scope, receiver(body)))

    async def validate() -> None:
        validator(parsed)

    async def requests_of() -> None:
        [to_request(model, s, "CN-JS-NT") for s in model.subjects]

    async def service() -> None:
        runtime.service.batch(requests, key_obj.caller())

    async def encode() -> None:
        route_modules.json_data_response({"batch_id": answer[0], "results": [
            route_modules.orjson.Fragment(check_json(r, key_obj)) for r in answer[1]]})

    whole = await best(rounds, 1, lambda: request(app, dict(scope), body))
    runtime.service.batch = lambda *_args: answer  # answered at once: what is left is the HTTP work
    http_work = await best(rounds, 1, lambda: request(app, dict(scope), body))
    del runtime.service.batch
    print(f"POST /v1/checks/batch of {size:,} subjects: whole request {whole / 1000:.1f} ms, service.batch stubbed "
          f"{http_work / 1000:.1f} ms, of which")
    for name, step in (("JSON decode", decode), ("validation (BatchRequestV1)", validate),
                       ("application requests (to_request)", requests_of), ("response encoding", encode)):
        print(f"  {name:48s} {await best(rounds, 1, step) / 1000:7.1f} ms")
    print(f"service.batch alone (evaluations cached, log append): {await best(rounds, 1, service) / 1000:.1f} ms")


async def measure(requests: int, rounds: int, size: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, key = _app(Path(folder))
        async with app.router.lifespan_context(app):
            await single(app, key, rounds, requests)
            await batch(app, key, size, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=10_000, help="subjects in the batch request")
    args = parser.parse_args()
    asyncio.run(measure(args.requests, args.rounds, args.batch))


if __name__ == "__main__":
    main()
