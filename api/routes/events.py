"""Ingestion: authorities send administrative events; each is accepted, a duplicate, or rejected."""

from __future__ import annotations

from fastapi import APIRouter

from jrp.adapters.facts.change_feed import latest_seq, token_of
from jrp.adapters.facts.ingest import ingest
from jrp.api.deps import Ingester, RuntimeDep
from jrp.api.errors import Forbidden
from jrp.api.openapi import errors
from jrp.api.schemas import EventItemV1, EventsRequestV1, EventsResponseV1
from jrp.api.strict_requests import StrictRoute

router = APIRouter(prefix="/v1/events", tags=["events"], route_class=StrictRoute)


@router.post("", operation_id="events.create", response_model=EventsResponseV1, responses=errors(403))
def post_events(body: EventsRequestV1, key: Ingester, runtime: RuntimeDep) -> EventsResponseV1:
    """Store a batch of events (format: adapters/facts/EVENTS.md); a bad item is rejected alone, with its field.

    The consistency token names the newest event committed once the batch is stored, so a check
    presenting it sees this batch (and its duplicates' earlier events) in any worker; this
    worker's own checks see it without the token. Every stored event names this key; a batch with an
    event out of the key's scope (a record of another authority or list, another region) is refused
    whole with 403 naming the records.
    """
    report = ingest(runtime.engine, body.events, context=runtime.event_context, sender=key)
    if report.forbidden:
        raise Forbidden("nothing was stored: " + "; ".join(f"item {item.index} ({item.field}): {item.reason}"
                                                         for item in report.forbidden))
    seq = latest_seq(runtime.engine)
    runtime.service.catch_up(seq)
    return EventsResponseV1(accepted=report.accepted, duplicate=report.duplicate, rejected=report.rejected,
                            items=[EventItemV1.model_validate(item) for item in report.items],
                            consistency_token=token_of(seq))
