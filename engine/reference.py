"""The reference evaluator: every rule against every piece of evidence. Slow, obvious, the oracle."""

from __future__ import annotations

from collections.abc import Sequence

from jrp.engine.compile import CompiledBundle
from jrp.engine.facts import CheckContext
from jrp.engine.matching import matches
from jrp.engine.types import Evidence, Firing


class ReferenceEvaluator:
    """Loops over all compiled rules for each piece of evidence."""

    name = "reference"

    def __init__(self, bundle: CompiledBundle):
        self._rules = bundle.rules

    def fire(self, evidence: Sequence[Evidence], context: CheckContext) -> list[Firing]:
        return [Firing(rule, item) for item in evidence for rule in self._rules if matches(rule, item, context)]
