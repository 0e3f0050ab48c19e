"""Who approved the rules a decision used: each ruleset version it names, matched to its publication and proven.

For every ``(id, version)`` of a logged decision's bundle the proof has three parts, each
checked here rather than taken from the database's word:

- **the same rules**: the digest the publication approved equals the digest of that version's
  content in the bundle stored for the decision (``jrp.rulesets.publications.digest_of``);
- **in the log**: the decision and the publication are leaves of the tree under the latest
  checkpoint, whose signature is verified with the service's key (inclusion proofs recomputed);
- **in order**: the publication's leaf is lower than the decision's, or the answer says it was
  carried onto the log afterwards (the editions approved before approvals were on record).

``jrp audit verify`` checks the whole log; this answers one decision's question.
"""

from __future__ import annotations

from dataclasses import dataclass

from jrp.adapters.log.publications import LoggedPublication, logged_publications
from jrp.adapters.log.crypto import merkle
from jrp.adapters.log.crypto.signing import Checkpoint, SignatureError
from jrp.rulesets.bundle import RulesetRef
from jrp.rulesets.publications import digest_of
from jrp.runtime import Runtime
from jrp.service import UnknownDecision


@dataclass(frozen=True)
class Approval:
    """One ruleset version of the decision and what proves its approval (``publication`` None: none found)."""

    ref: RulesetRef
    digest: str
    publication: LoggedPublication | None
    decision_leaf: int
    problem: str = ""

    @property
    def proven(self) -> bool:
        return self.publication is not None and not self.problem

    @property
    def logged_before(self) -> bool:
        return self.publication is not None and self.publication.leaf_index is not None and \
            self.publication.leaf_index < self.decision_leaf


@dataclass(frozen=True)
class DecisionApprovals:
    decision_id: str
    decision_leaf: int
    checkpoint: Checkpoint
    approvals: list[Approval]


def approvals_of(runtime: Runtime, decision_id: str) -> DecisionApprovals:
    """The approvals of the rules ``decision_id`` used, proven against the latest signed checkpoint.

    Raises ``UnknownDecision``; a decision not yet in a signed checkpoint raises ``NotYetIntegrated``.
    """
    stored = runtime.log.find(decision_id)
    if stored is None:
        raise UnknownDecision(decision_id)
    proof = runtime.tree.inclusion(decision_id)
    checkpoint = proof.checkpoint
    signing = runtime.audit_keys.signing
    if checkpoint.key_id != signing.key_id:
        raise SignatureError(f"the latest checkpoint is signed with key {checkpoint.key_id}, not this service's "
                             f"{signing.key_id}: verify the log with that key (jrp audit verify --public-key-file)")
    checkpoint.verify(signing.public)
    merkle.verify_inclusion(bytes.fromhex(proof.entry_hash), proof.leaf_index, checkpoint.tree_size, proof.proof,
                            checkpoint.root)
    bundle = runtime.bundles.load(stored.entry["bundle"]["hash"])
    rulesets = bundle.rulesets if bundle is not None else ()
    logged = logged_publications(runtime.engine)
    approvals = []
    for ruleset in rulesets:
        ref, digest = RulesetRef(ruleset.ruleset.id, ruleset.ruleset.version), digest_of(ruleset)
        matching = [p for p in logged if p.ref == ref and p.publication.digest == digest]
        if not matching:
            other = [p for p in logged if p.ref == ref]
            approvals.append(Approval(ref, digest, None, proof.leaf_index,
                                      "published with other content" if other else "no publication in the log"))
            continue
        publication = matching[0]
        approvals.append(Approval(ref, digest, publication, proof.leaf_index,
                                  _inclusion_problem(runtime, publication, checkpoint)))
    return DecisionApprovals(decision_id, proof.leaf_index, checkpoint, approvals)


def _inclusion_problem(runtime: Runtime, publication: LoggedPublication, checkpoint: Checkpoint) -> str:
    """"" if the publication is a leaf of the checkpoint's tree, else why not."""
    index = publication.leaf_index
    if index is None or index >= checkpoint.tree_size:
        return "the publication is not yet in a signed checkpoint; retry in a few seconds"
    path = merkle.fetch_proof(merkle.inclusion_ranges(index, checkpoint.tree_size), runtime.tree.nodes)
    try:
        merkle.verify_inclusion(bytes.fromhex(publication.entry_hash), index, checkpoint.tree_size, path,
                                checkpoint.root)
    except merkle.ProofError as error:
        return f"its inclusion proof fails: {error}"
    return ""
