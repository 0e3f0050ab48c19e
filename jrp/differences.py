"""How a re-evaluated decision differs from the logged one (replays, impact previews).

Each difference is data — what changed, in which group of measures, for which measure —
so the console can say it in Chinese or English; ``str()`` is the English line the API
and the CLI print.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

COMPARED = ("until", "legal_basis", "ruleset_version", "effect", "category")
"""The attributes of a measure that still applies whose change is reported."""


class Change(StrEnum):
    outcome = "outcome"
    gone = "gone"
    new = "new"
    changed = "changed"


class MeasureGroup(StrEnum):
    measures = "measures"
    incentives = "incentives"


@dataclass(frozen=True)
class Difference:
    change: Change
    group: MeasureGroup | None = None
    key: str = ""  # the measure id, with " via <role> of <subject>" for a related party's
    attribute: str = ""  # one of COMPARED, for Change.changed
    before: str = ""  # the outcomes, for Change.outcome
    after: str = ""
    measure_id: str = ""  # the parts of ``key``, for pages to say in their language
    via_role: str = ""
    via_subject: str = ""

    def __str__(self) -> str:
        if self.change is Change.outcome:
            return f"outcome {self.before} → {self.after}"
        verb = {Change.gone: "no longer applies", Change.new: "now applies"}.get(self.change, f"{self.attribute} changed")
        return f"{self.group}: {self.key} {verb}"


def compare(original: dict[str, Any], replayed: dict[str, Any]) -> list[Difference]:
    """The differences between two decisions (outcome, measures, end dates, basis), in a stable order."""
    differences = []
    if original["outcome"] != replayed["outcome"]:
        differences.append(Difference(Change.outcome, before=original["outcome"], after=replayed["outcome"]))
    for group in MeasureGroup:
        before = {m["measure_id"] + _via(m): m for m in original[group]}
        after = {m["measure_id"] + _via(m): m for m in replayed[group]}
        differences += [_of(Change.gone, group, key, before[key]) for key in sorted(before.keys() - after.keys())]
        differences += [_of(Change.new, group, key, after[key]) for key in sorted(after.keys() - before.keys())]
        differences += [_of(Change.changed, group, key, after[key], attribute)
                        for key in sorted(before.keys() & after.keys())
                        for attribute in COMPARED if before[key][attribute] != after[key][attribute]]
    return differences


def _of(change: Change, group: MeasureGroup, key: str, measure: dict[str, Any], attribute: str = "") -> Difference:
    via = measure.get("via") or {}
    return Difference(change, group, key, attribute, measure_id=measure["measure_id"], via_role=via.get("role", ""),
                      via_subject=via.get("subject", ""))


def _via(measure: dict[str, Any]) -> str:
    via = measure.get("via")
    return f" via {via['role']} of {via['subject']}" if via else ""
