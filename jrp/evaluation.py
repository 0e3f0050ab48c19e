"""One evaluated subject: its facts, the decision, and the forms derived from them.

The check service caches evaluations by subject facts version + bundle hash + scenario +
role + date, so every check that hits the cache shares one ``Evaluation``. What is
derived from it — the JSON snapshots the decision log keeps, the wire form of its
measures — is computed on first use and kept with it, so a cache hit re-serialises
nothing. Derived values are shared: treat them as read-only. A cached evaluation costs
memory for as long as the cache holds it, so what is kept is kept small: the answer as
bytes, the facts snapshot as its digest (74 KiB per evaluation when the JSON forms were
kept as Python objects, ~20 KiB now).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from jrp.engine.codec import Snapshot, canonical, decision_to_json, facts_to_json
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
    def facts_snapshot(self) -> Snapshot:
        """The facts' digest and canonical JSON, as the decision log stores them (once per content).

        The JSON (~20 KB for 10 records) is handed over once, for the first log entry, and
        not kept: the log needs it again only if it no longer knows the digest.
        """
        return self.derived("facts_snapshot", self._facts_snapshot)

    def _facts_snapshot(self) -> Snapshot:
        first = [canonical(facts_to_json(self.facts))]

        def make() -> bytes:
            return first.pop() if first else canonical(facts_to_json(self.facts))

        return Snapshot(hashlib.sha256(first[0]).hexdigest(), make)

    @property
    def decision_json(self) -> dict[str, Any]:
        return self.derived("decision_json", lambda: decision_to_json(self.decision))
