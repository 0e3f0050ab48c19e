"""One evaluated subject: its facts, the decision, and the forms derived from them.

The check service caches evaluations by subject facts version + bundle hash + scenario +
role + date, so every check that hits the cache shares one ``Evaluation``. What is
derived from it — the JSON snapshots the decision log keeps, the wire form of its
measures — is computed on first use and kept with it, so a cache hit re-serialises
nothing. Derived values are shared: treat them as read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from jrp.engine.codec import Snapshot, decision_to_json, facts_to_json
from jrp.engine.facts import SubjectFacts
from jrp.engine.types import Decision

T = TypeVar("T")


class Evaluation:
    __slots__ = ("facts", "decision", "_derived")

    def __init__(self, facts: SubjectFacts, decision: Decision):
        self.facts = facts
        self.decision = decision
        self._derived: dict[Hashable, Any] = {}

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, computed once per evaluation and ``key`` (a race computes it twice, harmlessly)."""
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = make()
            return value

    @property
    def facts_json(self) -> dict[str, Any]:
        return self.derived("facts_json", lambda: facts_to_json(self.facts))

    @property
    def facts_snapshot(self) -> Snapshot:
        """The facts' canonical JSON and digest, as the decision log stores them (once per content)."""
        return self.derived("facts_snapshot", lambda: Snapshot.of(self.facts_json))

    @property
    def decision_json(self) -> dict[str, Any]:
        return self.derived("decision_json", lambda: decision_to_json(self.decision))
