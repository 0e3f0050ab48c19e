"""Credit files: what the store holds about a subject (ingesters, auditors, admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from jrp.adapters.identity import validate_subject_id
from jrp.api.deps import RuntimeDep, SubjectReader
from jrp.api.errors import NotFound
from jrp.engine.codec import facts_to_json

router = APIRouter(prefix="/v1/subjects", tags=["subjects"])


@router.get("/{subject_id}")
def get_subject(subject_id: str, key: SubjectReader, runtime: RuntimeDep) -> dict[str, Any]:
    """The subject's credit file: its records and the organisations it holds a role in, with theirs."""
    facts = runtime.facts.load(validate_subject_id(subject_id, "subject_id"))
    if facts is None:
        raise NotFound(f"the store has no record of subject {subject_id}")
    return facts_to_json(facts)
