"""Audit: verify the decision log's hash chain, and the facts projection against the event history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from jrp.adapters.facts_audit import audit_facts
from jrp.api.deps import RuntimeDep, Verifier
from jrp.api.openapi import errors
from jrp.api.schemas import FactsAuditV1, FactsDifferenceV1, VerifyResponseV1
from jrp.api.strict_requests import StrictRoute

router = APIRouter(prefix="/v1/audit", tags=["audit"], route_class=StrictRoute)


@router.get("/verify", response_model=VerifyResponseV1, responses=errors(403))
def verify(key: Verifier, runtime: RuntimeDep) -> VerifyResponseV1:
    """Walk the whole chain; report the first row that was edited, deleted or re-ordered."""
    result = runtime.log.verify()
    broken = None if result.ok else {"seq": result.seq, "decision_id": result.decision_id, "reason": result.reason}
    return VerifyResponseV1(ok=result.ok, count=result.count, head=result.head, broken=broken)


@router.get("/facts", response_model=FactsAuditV1, responses=errors(403))
def facts(key: Verifier, runtime: RuntimeDep) -> FactsAuditV1:
    """Rebuild subjects, records and relations from the event history; list every difference (reads the whole store)."""
    audit = audit_facts(runtime.engine)
    return FactsAuditV1(ok=audit.ok, events=audit.events, subjects=audit.subjects, records=audit.records,
                        relations=audit.relations, difference_count=audit.difference_count,
                        differences=[FactsDifferenceV1(table=d.table, key=d.key, column=d.column,
                                                       stored=_text(d.stored), replayed=_text(d.replayed))
                                     for d in audit.differences])


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
