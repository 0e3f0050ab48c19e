"""Silent checks: one subject, a batch of subjects, and the printable report of a batch."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from jrp.adapters.facts.change_feed import seq_of
from jrp.api.deps import Checker, DecisionReader, MetricsDep, RuntimeDep, readable, scoped_jurisdiction
from jrp.api.errors import NotFound
from jrp.api.lean_route import LeanRoute
from jrp.api.metrics import Metrics
from jrp.api.openapi import errors
from jrp.api.presenters import answer_digest_of, check_json, outcome_counts, to_request
from jrp.api.report import HEADERS as REPORT_HEADERS
from jrp.api.report import render_batch_report
from jrp.api.routes import json_data_response
from jrp.api.schemas import KEY_PATTERN, BatchRequestV1, BatchResponseV1, CheckRequestV1, CheckResponseV1
from jrp.runtime import Runtime

router = APIRouter(prefix="/v1/checks", tags=["checks"], route_class=LeanRoute)


@router.post("", operation_id="checks.create",
             response_model=CheckResponseV1, response_model_exclude_unset=True, responses=errors(403))
async def check(body: CheckRequestV1, key: Checker, request: Request) -> Response:
    """Check one subject silently: the outcome, every measure with its legal basis, recorded in the log."""
    # The hot path: the runtime and metrics are read off the app, not injected (each injected
    # dependency costs FastAPI's solver ~25 µs per request); its duration is measured by jrp.api.request_log.
    runtime: Runtime = request.app.state.runtime
    metrics: Metrics = request.app.state.metrics
    jurisdiction = scoped_jurisdiction(runtime, key, body.scenario.value, body.jurisdiction)
    result = await runtime.service.check_async(to_request(body, body.subject, jurisdiction, body.explain), key.caller(),
                                               seq_of(body.consistency_token) if body.consistency_token else None,
                                               lambda result: answer_digest_of(result, key))
    metrics.check(body.scenario.value, result.decision.outcome.value)
    return Response(check_json(result, key), media_type="application/json")


@router.post("/batch", operation_id="checks.batch", response_model=BatchResponseV1, responses=errors(403))
def batch(body: BatchRequestV1, key: Checker, runtime: RuntimeDep, metrics: MetricsDep) -> Response:
    """Check up to 10,000 subjects (a bid list) in one call; results in the order of ``subjects``."""
    jurisdiction = scoped_jurisdiction(runtime, key, body.scenario.value, body.jurisdiction)
    requests = [to_request(body, subject, jurisdiction) for subject in body.subjects]
    batch_id, results = runtime.service.batch(requests, key.caller(),
                                              seq_of(body.consistency_token) if body.consistency_token else None,
                                              lambda result: answer_digest_of(result, key))
    outcomes = [result.decision.outcome.value for result in results]
    response = json_data_response({"batch_id": batch_id,
                                   "results": [orjson.Fragment(check_json(r, key)) for r in results],
                                   "summary": outcome_counts(outcomes).model_dump()})
    for outcome, n in outcome_counts(outcomes):
        metrics.check(body.scenario.value, outcome, n)
    return response


@router.get("/batch/{batch_id}/report", operation_id="checks.batch_report",
            response_class=HTMLResponse, responses=errors(403, 404))
def batch_report(batch_id: Annotated[str, Path(pattern=KEY_PATTERN)], key: DecisionReader, runtime: RuntimeDep,
                 lang: Annotated[str, Query(pattern="^(zh|en)$", description="zh (default) or en")] = "zh") -> HTMLResponse:
    """The credit result report (信用信息结果报告) of a batch, printable HTML, in Chinese or English."""
    decisions = runtime.log.batch(batch_id)
    if not decisions:
        raise NotFound(f"no batch {batch_id}")
    readable(key, decisions[0].entry)
    return HTMLResponse(render_batch_report(decisions, runtime.library, runtime.audit_keys.signing,
                                           mask_ids=not key.sees_resident_ids, language=lang), headers=REPORT_HEADERS)
