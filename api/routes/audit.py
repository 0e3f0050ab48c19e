"""Audit: verify the whole log, the latest signed checkpoint, consistency proofs and the public keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from jrp.api.deps import RuntimeDep, Verifier
from jrp.api.errors import InvalidField, NotFound
from jrp.api.presenters import checkpoint_response
from jrp.api.schemas import CheckpointV1, ConsistencyProofV1, PublicKeyV1, VerifyResponseV1

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/verify", response_model=VerifyResponseV1)
def verify(key: Verifier, runtime: RuntimeDep) -> VerifyResponseV1:
    """Recompute the Merkle tree from every entry; check checkpoints, receipts, snapshots and stored rules."""
    result = runtime.verify_log()
    broken = None if result.ok else {"seq": result.seq, "decision_id": result.decision_id,
                                     "leaf_index": result.leaf_index, "reason": result.reason}
    return VerifyResponseV1(ok=result.ok, count=result.count, head=result.head, tree_size=result.tree_size,
                            pending=result.pending, broken=broken, problems=result.problems,
                            checkpoint=result.checkpoint and checkpoint_response(result.checkpoint))


@router.get("/checkpoint", response_model=CheckpointV1)
def checkpoint(key: Verifier, runtime: RuntimeDep) -> CheckpointV1:
    """The latest signed checkpoint (tree size, root, time), for witnesses to keep."""
    latest = runtime.tree.latest_checkpoint()
    if latest is None:
        raise NotFound("no checkpoint signed yet: the log is empty or the sequencer has not run")
    return checkpoint_response(latest)


@router.get("/consistency", response_model=ConsistencyProofV1)
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


@router.get("/keys", response_model=list[PublicKeyV1])
def keys(runtime: RuntimeDep) -> list[PublicKeyV1]:
    """The public keys that sign checkpoints and receipts (public: receipts are verified offline with them)."""
    return [PublicKeyV1(key_id=key_id, public_key=pem) for key_id, pem in runtime.tree.public_keys().items()]
