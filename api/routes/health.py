"""Liveness, readiness and Prometheus metrics (no API key: they reveal no credit data)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from jrp.adapters.store.database import unreachable
from jrp.api.deps import MetricsDep, RuntimeDep
from jrp.api.schemas import HealthV1

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="health.live", response_model=HealthV1)
def healthz() -> dict[str, str]:
    """Alive: the process answers (it says nothing of the database)."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="health.ready",
            responses={503: {"description": "not ready: the database or the rulesets are not"}})
def readyz(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Ready to answer checks: the database answers a query and the rulesets are loaded; 503 naming what is not.

    ``checks.hosts`` compares this process with the other live processes of the store
    (``jrp.hosts``): rules, keys and console secret they serve with. A disagreement is
    reported, not a reason to be unready (a rolling change of the rules passes through one).
    """
    problem = unreachable(runtime.engine)
    checks = {"database": f"unreachable: {problem}" if problem else "ok"}
    loaded = "library" in runtime.__dict__ and runtime.library.files
    checks["rulesets"] = f"{len(runtime.library.files)} ruleset versions loaded" if loaded else "not loaded"
    ready = checks["database"] == "ok" and bool(loaded)
    heartbeat = getattr(request.app.state, "heartbeat", None)
    if ready and heartbeat is not None:
        try:
            checks["hosts"] = str(heartbeat.agreement())
        except Exception as error:  # noqa: BLE001 - an unmigrated store, a lost connection: told, not a 500
            checks["hosts"] = f"unknown: {str(error).strip().splitlines()[0]}"
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", operation_id="health.metrics",
            response_class=PlainTextResponse)  # documents the text/plain exposition format
def metrics(metrics: MetricsDep) -> Response:
    """Prometheus metrics, summed over all worker processes of the server."""
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
