"""An answer as a subscriber sees it — the outcome and the set of measures — and what changed between two.

A measure is part of the set with its state: whether it applies or asks for review, whether its record
is disputed, and through whom it reaches the subject. A measure whose state changes is removed in its
old state and added in its new one, so applying a notification's changes to the answer before always
gives the answer after (``apply``; the property tests hold the tracker to it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class MeasureState:
    """One measure of an answer; ``legal_basis`` rides along but is not part of its identity."""

    measure_id: str
    applies: bool
    disputed: bool
    via: str = ""  # the related subject it reaches through, if any

    def as_json(self, legal_basis: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {"measure_id": self.measure_id, "applies": self.applies, "disputed": self.disputed,
                "via": self.via or None, "legal_basis": legal_basis or []}

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> MeasureState:
        return cls(data["measure_id"], data["applies"], data["disputed"], data.get("via") or "")


@dataclass(frozen=True)
class Answer:
    outcome: str
    measures: frozenset[MeasureState]
    basis: Mapping[str, list[dict[str, Any]]]  # legal basis by measure id (cited articles)

    def as_json(self) -> dict[str, Any]:
        return {"outcome": self.outcome,
                "measures": [m.as_json(self.basis.get(m.measure_id)) for m in sorted(self.measures)]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Answer:
        measures = [MeasureState.of(m) for m in data["measures"]]
        return cls(data["outcome"], frozenset(measures),
                   {m["measure_id"]: m.get("legal_basis", []) for m in data["measures"]})

    def same(self, other: Answer) -> bool:
        """Whether a subscriber would be told nothing: same outcome, same measures in the same states."""
        return self.outcome == other.outcome and self.measures == other.measures


def answer_of(decision: Mapping[str, Any]) -> Answer:
    """The answer of a decision as the engine gives it (``decision_to_json``): its measures and incentives."""
    measures: list[MeasureState] = []
    basis: dict[str, list[dict[str, Any]]] = {}
    for measure in [*decision.get("measures", ()), *decision.get("incentives", ())]:
        via = measure.get("via") or {}
        measures.append(MeasureState(measure["measure_id"], not measure.get("review_reasons"),
                                     bool(measure.get("disputed")), via.get("subject", "")))
        basis[measure["measure_id"]] = [_citation(c) for c in measure.get("legal_basis", ())]
    return Answer(decision["outcome"], frozenset(measures), basis)


def _citation(citation: Mapping[str, Any]) -> dict[str, Any]:
    return {key: citation.get(key, "") for key in ("instrument_id", "title", "doc_no", "article", "quote")}


def changes(before: Answer, after: Answer) -> dict[str, Any]:
    """What a notification says changed: the outcomes, and the measures added and removed with their basis."""
    return {
        "before": {"outcome": before.outcome},
        "after": {"outcome": after.outcome},
        "measures_added": [m.as_json(after.basis.get(m.measure_id)) for m in sorted(after.measures - before.measures)],
        "measures_removed": [m.as_json(before.basis.get(m.measure_id))
                             for m in sorted(before.measures - after.measures)],
    }


def apply(answer: Answer, change: Mapping[str, Any]) -> Answer:
    """``answer`` with a notification's changes applied (what a subscriber keeping state does)."""
    removed = {MeasureState.of(m) for m in change["measures_removed"]}
    added = {MeasureState.of(m) for m in change["measures_added"]}
    return Answer(change["after"]["outcome"], frozenset((answer.measures - removed) | added), answer.basis)


def applied(first: Answer, notifications: Iterable[Mapping[str, Any]]) -> Answer:
    """The first answer with every notification's changes applied in order."""
    for change in notifications:
        first = apply(first, change)
    return first
