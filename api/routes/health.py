"""Liveness and Prometheus metrics (no API key: they reveal no credit data)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from jrp.api.deps import MetricsDep
from jrp.api.schemas import HealthV1

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthV1)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(metrics: MetricsDep) -> PlainTextResponse:
    return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")
