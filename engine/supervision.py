"""Graded supervision (分级分类监管): better credit, fewer random inspections; worse, more."""

from __future__ import annotations

from jrp.engine.compile import CompiledBundle
from jrp.engine.evidence import EvidenceSet
from jrp.engine.types import Supervision, Trigger
from jrp.vocabulary.measures import ListKind

NORMAL_CLASS = "B"
CLASS_ORDER = "ABCD"  # A best … D worst


def supervision_of(evidence: EvidenceSet, bundle: CompiledBundle) -> Supervision:
    """The worst class any grade or list membership puts the subject in; B when nothing is known."""
    worst, grounds = NORMAL_CLASS, []
    candidates: list[tuple[str, str]] = []
    for item in evidence.items:
        if item.via_role or item.doubts:
            continue  # a related party's record, or one whose facts leave it open, sets no class
        if item.trigger is Trigger.grade and item.key in bundle.grading:
            mapped = bundle.grading[item.key].grades.get(item.grade)
            if mapped:
                candidates.append((mapped, f"{item.key} grade {item.grade}"))
        elif item.trigger is Trigger.list and item.key in bundle.lists:
            kind = bundle.lists[item.key].kind
            if kind is ListKind.serious:
                candidates.append(("D", f"on serious-dishonesty list {item.key}"))
            elif kind is ListKind.key_attention:
                candidates.append(("C", f"on key-attention list {item.key}"))
    if candidates:
        worst = max((cls for cls, _ in candidates), key=CLASS_ORDER.index)
        grounds = [ground for cls, ground in sorted(candidates) if cls == worst]
    table = bundle.supervision_classes.get(worst)
    multiplier = table.inspection_multiplier if table else 1.0
    return Supervision(worst, multiplier, tuple(grounds))
