"""The fast path: compiled rules indexed by (trigger, key, scenario), then the same predicate.

Property tests prove it fires exactly what the reference evaluator and durable_rules fire.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from jrp.engine.compile import CompiledBundle
from jrp.engine.facts import CheckContext
from jrp.engine.matching import matches
from jrp.engine.types import CompiledRule, Evidence, Firing, Trigger

ANY_KEY = "\x00any"


class IndexedEvaluator:
    """Looks up only the rules that could match a piece of evidence."""

    name = "indexed"

    def __init__(self, bundle: CompiledBundle):
        index: dict[tuple[Trigger, str, str], list[CompiledRule]] = defaultdict(list)
        for rule in bundle.rules:
            for scenario in rule.scenarios:
                for key in rule.keys or (ANY_KEY,):
                    index[(rule.trigger, key, scenario)].append(rule)
        self._index = {slot: tuple(rules) for slot, rules in index.items()}

    def fire(self, evidence: Sequence[Evidence], context: CheckContext) -> list[Firing]:
        firings = []
        lookup = self._index.get
        scenario = context.scenario
        for item in evidence:
            for key in (item.key, ANY_KEY):
                for rule in lookup((item.trigger, key, scenario), ()):
                    if matches(rule, item, context):
                        firings.append(Firing(rule, item))
        return firings
