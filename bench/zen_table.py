"""The peer: the same compiled rules as a GoRules ZEN decision table (hit policy "collect").

Each compiled rule becomes one row; the columns are the evidence attributes the rule
reads. ZEN evaluates one evidence item per call, as durable_rules does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import zen

from jrp.engine.compile import CompiledBundle
from jrp.engine.facts import CheckContext
from jrp.engine.types import CompiledRule, Evidence

COLUMNS = ("trigger", "key", "severity", "value", "grade", "window", "scenario", "role", "via_role")


def _one_of(values: Sequence[str]) -> str:
    return ", ".join(json.dumps(v) for v in sorted(values))


def _row(index: int, rule: CompiledRule) -> dict[str, str]:
    return {
        "_id": f"row-{index}",
        "trigger": json.dumps(rule.trigger.value),
        "key": _one_of(rule.keys) if rule.keys else "",
        "severity": f">= {rule.min_severity}",
        "value": f">= {rule.min_value}" if rule.min_value is not None else "",
        "grade": _one_of(rule.grades) if rule.grades else "",
        "window": json.dumps(rule.window),
        "scenario": _one_of(rule.scenarios),
        "role": _one_of(("", *rule.roles)) if rule.roles else "",
        "via_role": _one_of(("", *rule.extends_to)),
        "out": json.dumps(str(index)),
    }


def decision_content(bundle: CompiledBundle) -> str:
    """The JDM graph: input → decision table → output."""
    rules = [r for r in bundle.rules if r.scenarios]
    table = {
        "hitPolicy": "collect",
        "inputs": [{"id": c, "name": c, "type": "expression", "field": c} for c in COLUMNS],
        "outputs": [{"id": "out", "name": "rule", "type": "expression", "field": "rule"}],
        "rules": [_row(i, rule) for i, rule in enumerate(rules)],
    }
    return json.dumps({
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
            {"id": "table", "type": "decisionTableNode", "name": "Measures", "position": {"x": 1, "y": 0},
             "content": table},
            {"id": "out", "type": "outputNode", "name": "Response", "position": {"x": 2, "y": 0}},
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "out", "type": "edge"},
        ],
    })


class ZenEvaluator:
    """Fires the compiled rules through ZEN; returns (rule index, evidence id) pairs."""

    def __init__(self, bundle: CompiledBundle):
        self._decision = zen.ZenEngine().create_decision(decision_content(bundle))

    def fire(self, evidence: Sequence[Evidence], context: CheckContext) -> list[tuple[int, str]]:
        fired = []
        for item in evidence:
            result = self._decision.evaluate({
                "trigger": item.trigger.value, "key": item.key, "severity": item.severity,
                "value": item.value, "grade": item.grade, "window": item.window,
                "scenario": context.scenario, "role": context.role or "", "via_role": item.via_role,
            })["result"]
            fired.extend((int(row["rule"]), item.evidence_id) for row in result)
        return fired
