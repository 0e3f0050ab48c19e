"""Audit: verify the decision log's hash chain."""

from __future__ import annotations

from fastapi import APIRouter

from jrp.api.deps import RuntimeDep, Verifier
from jrp.api.schemas import VerifyResponseV1

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/verify", response_model=VerifyResponseV1)
def verify(key: Verifier, runtime: RuntimeDep) -> VerifyResponseV1:
    """Walk the whole chain; report the first row that was edited, deleted or re-ordered."""
    result = runtime.log.verify()
    broken = None if result.ok else {"seq": result.seq, "decision_id": result.decision_id, "reason": result.reason}
    return VerifyResponseV1(ok=result.ok, count=result.count, head=result.head, broken=broken)
