"""Audit: verify the whole log, the latest signed checkpoint, consistency proofs, the public keys, and the
facts projection against the event history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from jrp.adapters.facts.audit import audit_facts
from jrp.api.deps import RuntimeDep, Verifier
from jrp.api.errors import InvalidField, NotFound
from jrp.api.openapi import errors
from jrp.api.presenters import checkpoint_response
from jrp.api.schemas import (
    CheckpointV1,
    ConsistencyProofV1,
    FactsAuditV1,
    FactsDifferenceV1,
    PublicKeyV1,
    VerifyResponseV1,
)
from jrp.api.strict_requests import StrictRoute

router = APIRouter(prefix="/v1/audit", tags=["audit"], route_class=StrictRoute)


@router.get("/verify", operation_id="audit.verify", response_model=VerifyResponseV1, responses=errors(403))
def verify(key: Verifier, runtime: RuntimeDep) -> VerifyResponseV1:
    """Recompute the Merkle tree from every entry; check checkpoints, receipts, snapshots and stored rules."""
    result = runtime.verify_log()
    broken = None if result.ok else {"seq": result.seq, "decision_id": result.decision_id,
                                     "leaf_index": result.leaf_index, "reason": result.reason}
    return VerifyResponseV1(ok=result.ok, count=result.count, head=result.head, tree_size=result.tree_size,
                            pending=result.pending, broken=broken, problems=result.problems,
                            checkpoint=result.checkpoint and checkpoint_response(result.checkpoint))


@router.get("/checkpoint", operation_id="audit.checkpoint", response_model=CheckpointV1, responses=errors(403, 404))
def checkpoint(key: Verifier, runtime: RuntimeDep) -> CheckpointV1:
    """The latest signed checkpoint (tree size, root, time), for witnesses to keep."""
    latest = runtime.tree.latest_checkpoint()
    if latest is None:
        raise NotFound("no checkpoint signed yet: the log is empty or the sequencer has not run")
    return checkpoint_response(latest)


@router.get("/consistency", operation_id="audit.consistency",
            response_model=ConsistencyProofV1, responses=errors(403, 422))
def consistency(key: Verifier, runtime: RuntimeDep, old: Annotated[int, Query(ge=1)],
                new: Annotated[int | None, Query(ge=1, description="default: the latest checkpoint's size")] = None,
                ) -> ConsistencyProofV1:
    """The RFC 9162 proof that the tree of size ``new`` extends the tree of size ``old``."""
    latest = runtime.tree.latest_checkpoint()
    limit = latest.tree_size if latest else 0
    new = new or limit
    if not old <= new <= limit:
        raise InvalidField("old", f"sizes must satisfy 1 <= old <= new <= {limit} (the latest checkpoint's size)")
    return ConsistencyProofV1(old_size=old, new_size=new, proof=[h.hex() for h in runtime.tree.consistency(old, new)])


@router.get("/keys", operation_id="audit.keys", response_model=list[PublicKeyV1])
def keys(runtime: RuntimeDep) -> list[PublicKeyV1]:
    """The public keys that sign checkpoints and receipts (public: receipts are verified offline with them)."""
    return [PublicKeyV1(key_id=key_id, public_key=pem) for key_id, pem in runtime.tree.public_keys().items()]


@router.get("/facts", operation_id="audit.facts", response_model=FactsAuditV1, responses=errors(403))
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
