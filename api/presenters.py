"""Between wire types and the application: check requests in; check results, logged decisions and
catalogue entries out.

Shared by the routes and the CLI, so ``jrp check`` asks and prints what ``POST /v1/checks`` does
(and, importing no web framework, starts quickly).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson
from pydantic import TypeAdapter

from jrp.access import ApiKey
from jrp.adapters.facts.identity import mask_name, mask_resident_id, subject_type_of
from jrp.adapters.log.crypto import personal_data
from jrp.adapters.log.crypto.signing import Checkpoint
from jrp.adapters.log.entries import StoredDecision
from jrp.adapters.log.tree import InclusionProof
from jrp.api.schemas import (
    BundleV1,
    CheckedSubjectV1,
    CheckOptionsV1,
    CheckpointV1,
    CheckResponseV1,
    DecisionSummaryV1,
    DecisionV1,
    ExclusionV1,
    InclusionProofV1,
    MeasureDetailV1,
    MeasureSummaryV1,
    MeasureV1,
    OutcomeCountsV1,
    ReceiptV1,
    RulesetRefV1,
    SubjectV1,
    SupervisionV1,
)
from jrp.engine.codec import canonical
from jrp.engine.facts import Application, Subject
from jrp.engine.types import MatchedMeasure, Via
from jrp.measures_catalog.catalog import CatalogEntry
from jrp.rulesets.bundle import Bundle
from jrp.service import CheckRequest, CheckResult, SubjectRef
from jrp.vocabulary.subjects import SubjectType

_TIMESTAMP = TypeAdapter(datetime)
_TOKEN = uuid.uuid4().hex
_PLACEHOLDER_ID, _PLACEHOLDER_AT = f"{_TOKEN}:decision_id", f"{_TOKEN}:evaluated_at"
_ID, _AT = f'"{_PLACEHOLDER_ID}"'.encode(), f'"{_PLACEHOLDER_AT}"'.encode()


def to_request(options: CheckOptionsV1, subject: SubjectV1, jurisdiction: str, explain: bool = False) -> CheckRequest:
    """The application request; a subject sent without ``type`` gets the type its identifier implies."""
    ref = SubjectRef(subject.id, subject.type or subject_type_of(subject.id), subject.name)
    application = Application.said_in(options)
    return CheckRequest(ref, options.scenario.value, options.purpose, options.role and options.role.value,
                        jurisdiction, options.as_of, options.reference, explain, application)


def _measure(measure: MatchedMeasure, sees_resident_ids: bool) -> MeasureV1:
    if measure.via is not None and not sees_resident_ids:
        measure = replace(measure, via=Via(mask_resident_id(measure.via.subject), measure.via.role))
    return MeasureV1.model_validate(measure)


def bundle_of(bundle: Bundle) -> BundleV1:
    return BundleV1(jurisdiction=bundle.jurisdiction, hash=bundle.hash,
                    rulesets=[RulesetRefV1(id=r.id, version=r.version) for r in bundle.refs])


def shown_name(subject: Subject, sees_personal_data: bool) -> str:
    """The stored name as a role may see it: an organisation's (public, registered) to every role; a natural
    person's in full to the roles that see personal data (``jrp.access.SEES_RESIDENT_IDS``: auditors, admins),
    else masked (``王**``). The checker already holds the identifier it asked about; the store's name of a person
    is more than it sent."""
    if sees_personal_data or subject.subject_type != SubjectType.natural_person:
        return subject.name
    return mask_name(subject.name)


def check_response(result: CheckResult, key: ApiKey) -> CheckResponseV1:
    """The answer to one check; natural persons reached through a relation, and a person's stored name, are
    masked unless entitled."""
    decision, request, subject = result.decision, result.request, result.facts.subject
    sees = key.sees_resident_ids
    response = CheckResponseV1(
        decision_id=result.decision_id,
        outcome=decision.outcome.value,
        measures=[_measure(m, sees) for m in decision.measures],
        incentives=[_measure(m, sees) for m in decision.incentives],
        subject=CheckedSubjectV1(id=subject.subject_id, type=subject.subject_type, name=shown_name(subject, sees)),
        subject_known=result.subject_known,
        scenario=request.scenario,
        role=request.role,
        jurisdiction=request.jurisdiction,
        as_of=result.as_of,
        evaluated_at=result.evaluated_at,
        bundle=bundle_of(result.bundle),
        supervision=SupervisionV1.model_validate(decision.supervision) if decision.supervision else None,
    )
    if request.explain:
        response.excluded = [ExclusionV1.model_validate(e) for e in decision.excluded]
    if result.receipt is not None:
        response.receipt = ReceiptV1.model_validate(result.receipt)
    return response


def check_json(result: CheckResult, key: ApiKey) -> bytes:
    """``check_response`` serialised, from a template built once per cached evaluation.

    Everything in the answer but ``decision_id``, ``evaluated_at`` and ``receipt`` is fixed by
    what the evaluation cache is keyed on (subject facts version, bundle hash — which covers
    the jurisdiction —, scenario, role, date, explain) and by the key's right to see
    resident IDs; so the answer is serialised once through ``CheckResponseV1`` with two
    placeholders, kept with the evaluation as the bytes around them, and each check joins
    its own values in (searching 7 KB for the placeholders at every check cost 2 µs). The
    placeholders carry a random per-process token: no stored text can imitate them.
    """
    head, middle, tail = result.evaluation.derived(("json", key.sees_resident_ids),
                                                   lambda: _template(result, key, orjson.dumps, b"}"))
    receipt = b"}" if result.receipt is None else b',"receipt":%s}' % orjson.dumps(result.receipt)
    return b"".join((head, b'"', result.decision_id.encode(), b'"', middle,
                     _TIMESTAMP.dump_json(result.evaluated_at), tail, receipt))


def answer_digest_of(result: CheckResult, key: ApiKey) -> str:
    """``jrp.adapters.log.crypto.signing.answer_digest`` of the answer ``key`` is returned for ``result`` (before
    its receipt exists): SHA-256 of its canonical JSON, joined from a template like ``check_json``'s (in canonical
    order too, ``decision_id`` comes before ``evaluated_at``)."""
    head, middle, tail = result.evaluation.derived(("canonical", key.sees_resident_ids),
                                                   lambda: _template(result, key, canonical, b""))
    return hashlib.sha256(b"".join((head, b'"', result.decision_id.encode(), b'"', middle,
                                    _TIMESTAMP.dump_json(result.evaluated_at), tail))).hexdigest()


def _template(result: CheckResult, key: ApiKey, dump: Callable[[Any], bytes],
              closing: bytes) -> tuple[bytes, bytes, bytes]:
    """The answer's bytes (as ``dump`` makes them) before ``decision_id``, between it and ``evaluated_at``, and
    after that but for ``closing`` (``decision_id`` is the first field of ``CheckResponseV1``, ``evaluated_at`` a
    later one)."""
    data = check_response(replace(result, receipt=None), key).model_dump(mode="json", exclude_unset=True)
    data["decision_id"], data["evaluated_at"] = _PLACEHOLDER_ID, _PLACEHOLDER_AT
    head, rest = dump(data).split(_ID)
    middle, tail = rest.split(_AT)
    return head, middle, tail.removesuffix(closing)


def outcome_counts(outcomes: Sequence[str]) -> OutcomeCountsV1:
    counts = Counter(outcomes)
    return OutcomeCountsV1(**{name: counts[name] for name in OutcomeCountsV1.model_fields})


def personal_data_state(stored: StoredDecision, sees_personal_data: bool) -> str:
    """How the natural persons' data of a decision is shown to a role: shown, masked or erased."""
    if stored.erased:
        return "erased"
    return "shown" if sees_personal_data else "masked"


def decision_response(stored: StoredDecision, key: ApiKey) -> DecisionV1:
    """A logged decision as ``key``'s role may see it: natural persons' data shown or masked alike everywhere."""
    entry = stored.view(key.sees_resident_ids)
    fields: dict[str, Any] = {name: entry[name] for name in DecisionV1.model_fields if name in entry}
    return DecisionV1(**fields, log={"seq": stored.seq, "leaf_index": stored.leaf_index, "entry_hash": stored.entry_hash},
                      receipt=stored.receipt, personal_data_state=personal_data_state(stored, key.sees_resident_ids))


def decision_summary(row: dict[str, Any], key: ApiKey) -> DecisionSummaryV1:
    """A search row with its subject shown as the role may see it."""
    fields = {name: value for name, value in row.items() if name != "originals"}
    fields["subject_id"] = personal_data.view(row["subject_id"], row["originals"], key.sees_resident_ids)
    return DecisionSummaryV1(**fields)


def checkpoint_response(checkpoint: Checkpoint) -> CheckpointV1:
    return CheckpointV1(**checkpoint.to_json())


def inclusion_response(proof: InclusionProof) -> InclusionProofV1:
    return InclusionProofV1(decision_id=proof.decision_id, leaf_index=proof.leaf_index, entry_hash=proof.entry_hash,
                            checkpoint=checkpoint_response(proof.checkpoint), proof=[h.hex() for h in proof.proof])


def measure_summary(entry: CatalogEntry) -> MeasureSummaryV1:
    return MeasureSummaryV1(**_summary_fields(entry))


def _summary_fields(entry: CatalogEntry) -> dict[str, Any]:
    measure = entry.measure
    return {"id": measure.id, "name": measure.name.zh, "name_en": measure.name.en, "kind": measure.kind.value,
            "category": measure.category, "effect": measure.effect.value,
            "scenarios": [s.value for s in measure.scenarios], "jurisdiction": entry.jurisdiction,
            "ruleset_id": entry.ruleset_id, "ruleset_version": entry.ruleset_version, "lists": list(entry.lists)}


def measure_detail(entry: CatalogEntry) -> MeasureDetailV1:
    measure = entry.measure
    return MeasureDetailV1(
        **_summary_fields(entry), matter=measure.matter, target=measure.target, means=measure.means,
        authority=measure.authority, intensity=measure.intensity, min_severity=measure.min_severity.name,
        duration=measure.duration, effective_from=entry.effective_from, effective_to=entry.effective_to,
        rule_ids=list(entry.rule_ids),
        basis=[{**c.model_dump(mode="json", exclude_none=True), "label": c.label()} for c in measure.basis])
