"""The decision log: one decision, its inclusion proof, a search, and replays of a decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from jrp.access import ApiKey
from jrp.adapters.facts.iso_dates import IsoDatetime
from jrp.adapters.log.entries import StoredDecision
from jrp.api.deps import Checker, DecisionReader, DecisionSearcher, Replayer, RuntimeDep, readable, scoped_jurisdiction
from jrp.api.errors import NotFound
from jrp.api.openapi import errors
from jrp.api.presenters import decision_response, decision_summary, inclusion_response
from jrp.api.routes import json_response
from jrp.api.schemas import (
    KEY_PATTERN,
    DecisionPageV1,
    DecisionV1,
    InclusionProofV1,
    ReplayRequestV1,
    ReplayResponseV1,
)
from jrp.api.strict_requests import StrictRoute
from jrp.api.subscription_schemas import SubscriptionV1, WatchRequestV1
from jrp.engine.types import Outcome
from jrp.runtime import Runtime
from jrp.vocabulary.scenarios import Scenario

router = APIRouter(prefix="/v1/decisions", tags=["decisions"], route_class=StrictRoute)

DecisionId = Annotated[str, Path(pattern=KEY_PATTERN)]
CURSOR_PATTERN = r"^[1-9][0-9]{0,17}$"


@router.get("", operation_id="decisions.list", response_model=DecisionPageV1, responses=errors(403))
def search(
    key: DecisionSearcher, runtime: RuntimeDep,
    subject: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None, scenario: Scenario | None = None,
    outcome: Outcome | None = None, since: IsoDatetime | None = None, until: IsoDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="decisions per page")] = 100,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN, description="next_cursor of the previous page")] = None,
) -> DecisionPageV1:
    """Decisions newest first, by subject, scenario, outcome and time range (auditors), a page at a time."""
    rows = runtime.log.search(subject_id=subject, scenario=scenario and scenario.value,
                              outcome=outcome and outcome.value, since=since, until=until, limit=limit + 1,
                              before_seq=int(cursor) if cursor else None)
    page = [decision_summary(row, key) for row in rows[:limit]]
    more = len(rows) > limit
    return DecisionPageV1(items=page, has_more=more, next_cursor=str(page[-1].seq) if more else None)


@router.get("/{decision_id}", operation_id="decisions.get", response_model=DecisionV1, responses=errors(403, 404))
def get_decision(decision_id: DecisionId, key: DecisionReader, runtime: RuntimeDep) -> Response:
    """A logged decision: its inputs, the digest of the facts it saw, its bundle and its result."""
    return json_response(decision_response(_readable(runtime, key, decision_id), key))


@router.get("/{decision_id}/proof", operation_id="decisions.proof",
            response_model=InclusionProofV1, responses=errors(403, 404, 409))
def proof(decision_id: DecisionId, key: DecisionReader, runtime: RuntimeDep) -> InclusionProofV1:
    """The RFC 9162 inclusion proof of a decision's entry in the tree of the latest signed checkpoint."""
    _readable(runtime, key, decision_id)
    return inclusion_response(runtime.tree.inclusion(decision_id))


def _readable(runtime: Runtime, key: ApiKey, decision_id: str) -> StoredDecision:
    """The decision if ``key`` may read it; 404 or 403 otherwise."""
    stored = runtime.log.find(decision_id)
    if stored is None:
        raise NotFound(f"no decision {decision_id}")
    readable(key, stored.entry)
    return stored


@router.post("/{decision_id}/replay", operation_id="decisions.replay",
             response_model=ReplayResponseV1, responses=errors(403, 404, 410))
def replay(decision_id: DecisionId, body: ReplayRequestV1, key: Replayer, runtime: RuntimeDep) -> ReplayResponseV1:
    """Re-evaluate a decision on its stored facts, with its original rules (stored by content) or today's."""
    result = runtime.service.replay(decision_id, body.rules)
    return ReplayResponseV1(identical=result.identical, original=result.original, replayed=result.replayed,
                            differences=[str(d) for d in result.differences], rules=[str(n) for n in result.rules],
                            bundle_hash=result.bundle_hash)


@router.post("/{decision_id}/watch", operation_id="decisions.watch", response_model=SubscriptionV1,
             responses=errors(403, 404, 410))
def watch(decision_id: DecisionId, body: WatchRequestV1, key: Checker, runtime: RuntimeDep) -> SubscriptionV1:
    """Watch a logged decision's check: its answer is the baseline, and the subscriber is told when it changes."""
    from jrp.api.routes.subscriptions import checked_target, subscription_view

    stored = _readable(runtime, key, decision_id)
    entry = stored.revealed()
    request = entry["request"]
    scoped_jurisdiction(runtime, key, request["scenario"], request["jurisdiction"])
    url = checked_target(runtime, body.delivery.webhook_url, "delivery.webhook_url")
    made = runtime.tracker.watch_decision(entry, key.key_id, body.watch_until, url)
    runtime.webhook_secrets.ensure(key.key_id)
    return subscription_view(made)
