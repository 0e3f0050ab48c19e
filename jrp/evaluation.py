"""One evaluated subject: its facts, the decision, and the forms derived from them.

The check service caches evaluations by subject facts version + bundle hash + scenario +
role + date, so every check that hits the cache shares one ``Evaluation``. What is
derived from it — the decision's JSON the log keeps, the serialised answer — is computed
on first use and kept with it, so a cache hit re-serialises nothing. Derived values are shared: treat them as read-only. A cached evaluation costs
memory for as long as the cache holds it, so what is kept is kept small: the answer as
bytes, the facts snapshot as its digest (74 KiB per evaluation when the JSON forms were
kept as Python objects, ~20 KiB now).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from jrp.engine.codec import Snapshot, canonical, decision_to_json, facts_to_json
from jrp.engine.facts import SubjectFacts
from jrp.engine.types import Decision

T = TypeVar("T")


class Evaluation:
    __slots__ = ("facts", "decision", "_derived", "_facts_digest")

    def __init__(self, facts: SubjectFacts, decision: Decision):
        self.facts = facts
        self.decision = decision
        self._derived: dict[Hashable, Any] = {}
        self._facts_digest: str | None = None

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, computed once per evaluation and ``key`` (a race computes it twice, harmlessly)."""
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = make()
            return value

    def facts_snapshot(self) -> Snapshot:
        """The facts' digest and a way to their canonical JSON, as the decision log stores them (once per content).

        Only the digest is kept. The JSON (~20 KB for 10 records) travels with the first
        snapshot asked for — the first log entry — and is dropped with it; a later one
        makes it again only if the log asks (when it no longer knows the digest). The
        closure holds the facts, not the evaluation: a cycle through it would outlive the
        cache once frozen (``jrp.api.gc_policy``).
        """
        if self._facts_digest is None:
            first = Snapshot.of(facts_to_json(self.facts))
            self._facts_digest = first.digest
            return first
        facts = self.facts
        return Snapshot(self._facts_digest, lambda: canonical(facts_to_json(facts)))

    @property
    def decision_json(self) -> dict[str, Any]:
        return self.derived("decision_json", lambda: decision_to_json(self.decision))
