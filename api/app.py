"""``create_app(settings)``: the FastAPI application, built the same way by ``jrp serve`` and the tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from jrp import serving
from jrp.adapters.store.checkpointer import Checkpointer
from jrp.api import console, errors, gc_policy, openapi
from jrp.api.metrics import Metrics
from jrp.api.rate_limit import RateLimit
from jrp.api.request_guard import RequestGuard
from jrp.api.request_log import RequestLog
from jrp.api.routes import (
    audit,
    checks,
    decisions,
    events,
    feedback,
    health,
    measures,
    reports,
    rulesets,
    subjects,
    subscriptions,
)
from jrp.api.worker_lifetime import exit_with_parent
from jrp.logs import AccessLog
from jrp.runtime import Runtime
from jrp.settings import Settings

ROUTERS = (checks, decisions, subscriptions, feedback, audit, reports, events, subjects, measures, rulesets, health)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API over the store and rulesets ``settings`` name; the ruleset library loads at start-up."""
    exit_with_parent()  # in a worker of `jrp serve`: see jrp.api.worker_lifetime
    runtime = Runtime(settings or Settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.catalog  # noqa: B018 - parse the rulesets before the first request, not during it
        gc_policy.install()
        checkpointer = Checkpointer(runtime.engine) if runtime.engine.dialect.name == "sqlite" else None
        if checkpointer:
            checkpointer.start()
        writer = runtime.host_writer if serving.host_writer_wanted() else None  # one per worker; an flock elects
        if writer:
            writer.start()
        sequencer = runtime.sequencer()  # one per worker; the database lease elects the one that works
        sequencer.start()
        heartbeat = runtime.heartbeat(_app.state.console_signer.fingerprint())  # this worker among the hosts
        heartbeat.start()
        _app.state.heartbeat = heartbeat
        editions = runtime.edition_follower() if runtime.settings.publication_interval > 0 else None
        if editions:
            editions.start()
        _app.state.editions = editions
        tracking = (runtime.tracker_loop(), runtime.dispatcher()) if runtime.settings.tracking_interval > 0 else ()
        for worker in tracking:  # the tracker works in the lease holder only; every worker dispatches
            worker.start()
        yield
        for worker in reversed(tracking):
            worker.stop()
        if editions:
            editions.stop()
        heartbeat.stop()
        sequencer.stop()
        if writer:
            writer.stop()
        if checkpointer:
            checkpointer.stop()
        runtime.close()

    app = FastAPI(title="jrp", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Joint rewards and penalties (联合奖惩): silent checks with legal basis, "
                              "a decision log that proves itself (Merkle tree, signed checkpoints and receipts), "
                              "ingestion and the measures catalogue.")
    app.state.runtime = runtime
    app.state.metrics = Metrics()
    app.state.report_verifications = RateLimit(runtime.settings.report_verify_limit)
    errors.install(app)
    app.add_middleware(RequestGuard, limits=runtime.settings.body_limits, default=runtime.settings.body_limit_default)
    # added last, so outermost: the 401s and 413s of the guard get a request id, an access line and metrics
    app.add_middleware(RequestLog, access_log=AccessLog.to_stdout(runtime.settings.access_log),  # ids, logs, metrics
                       routes=[route for module in ROUTERS for route in module.router.routes])
    for module in ROUTERS:
        app.include_router(module.router)
    console.mount(app)  # after errors.install: its error pages wrap the API's handlers
    openapi.install(app, runtime)
    return app
