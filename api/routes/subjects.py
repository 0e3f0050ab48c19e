"""Credit files: what the store holds about a subject (ingesters, auditors, admins), and its supervision class."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from jrp.adapters.facts.identity import subject_id_to_read
from jrp.adapters.facts.provenance import event_origins
from jrp.adapters.facts.iso_dates import IsoDate
from jrp.api.deps import RuntimeDep, SubjectReader, SupervisionReader, scoped_jurisdiction
from jrp.api.errors import NotFound
from jrp.api.openapi import errors
from jrp.api.schemas import SubjectFileV1, SubjectSupervisionV1
from jrp.api.strict_requests import StrictRoute
from jrp.engine.codec import facts_to_json
from jrp.engine.decide import INSPECTION

router = APIRouter(prefix="/v1/subjects", tags=["subjects"], route_class=StrictRoute)


@router.get("/{subject_id}", operation_id="subjects.get", response_model=SubjectFileV1, responses=errors(403, 404))
def get_subject(subject_id: str, key: SubjectReader, runtime: RuntimeDep) -> dict[str, Any]:
    """The subject's credit file: its records and the organisations it holds a role in, with theirs; its events
    with the key that sent each and when it was received."""
    subject_id = subject_id_to_read(subject_id, "subject_id")
    facts = runtime.facts.load(subject_id)
    if facts is None:
        raise NotFound(f"the store has no record of subject {subject_id}")
    events = [origin.as_json() for origin in event_origins(runtime.engine, subject_id)]
    return {**facts_to_json(facts), "events": events}


@router.get("/{subject_id}/supervision", operation_id="subjects.supervision",
            response_model=SubjectSupervisionV1, responses=errors(403))
def get_supervision(
    subject_id: str, key: SupervisionReader, runtime: RuntimeDep, jurisdiction: str | None = None, as_of: IsoDate | None = None,
) -> SubjectSupervisionV1:
    """The subject's graded-supervision class and inspection multiplier, with its grounds (not logged)."""
    subject_id = subject_id_to_read(subject_id, "subject_id")
    jurisdiction = scoped_jurisdiction(runtime, key, INSPECTION, jurisdiction)
    as_of = as_of or runtime.service.today()
    supervision = runtime.service.supervision(subject_id, jurisdiction, as_of)
    return SubjectSupervisionV1(subject=subject_id, jurisdiction=jurisdiction, as_of=as_of,
                                supervision_class=supervision.supervision_class,
                                inspection_multiplier=supervision.inspection_multiplier,
                                grounds=list(supervision.grounds))
