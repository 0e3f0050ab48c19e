"""Feedback on decisions (what the department did with the measures) and the statistics of checks and feedback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from jrp.access import Role
from jrp.adapters.feedback import Period
from jrp.api.deps import FeedbackGiver, RuntimeDep, StatsReader
from jrp.api.errors import Forbidden, NotFound
from jrp.api.openapi import errors
from jrp.api.schemas import KEY_PATTERN, FeedbackRequestV1, FeedbackV1, OutcomeCountsV1, StatsRowV1, StatsV1
from jrp.api.strict_requests import StrictRoute

router = APIRouter(tags=["feedback"], route_class=StrictRoute)


@router.post("/v1/decisions/{decision_id}/feedback", operation_id="decisions.feedback",
             response_model=FeedbackV1, status_code=201, responses=errors(403, 404))
def give_feedback(
    decision_id: Annotated[str, Path(pattern=KEY_PATTERN)], body: FeedbackRequestV1, key: FeedbackGiver, runtime: RuntimeDep,
) -> FeedbackV1:
    """Record what was done with a decision's measures: applied, waived (with a reason) or not used."""
    stored = runtime.log.find(decision_id)
    if stored is None:
        raise NotFound(f"no decision {decision_id}")
    if key.role is Role.checker and stored.entry["caller"]["key_id"] != key.key_id:
        raise Forbidden("a checker key may only give feedback on the decisions it made itself")
    stored = runtime.feedback.record(decision_id, key.key_id, body.action, body.reason, body.case_outcome)
    return FeedbackV1(**stored)


@router.get("/v1/stats", operation_id="stats.get", response_model=StatsV1, responses=errors(403))
def stats(key: StatsReader, runtime: RuntimeDep, period: Period = Period.month) -> StatsV1:
    """Per period × calling department × scenario × jurisdiction: checks, outcomes, measures hit, feedback."""
    rows = [StatsRowV1(period=row.period, department=row.department, scenario=row.scenario,
                       jurisdiction=row.jurisdiction, checks=row.checks, outcomes=OutcomeCountsV1(**row.outcomes),
                       measures=dict(sorted(row.measures.items())), feedback_received=row.feedback_received,
                       feedback_missing=row.feedback_missing)
            for row in runtime.feedback.stats(period)]
    return StatsV1(period=period.value, rows=rows)
