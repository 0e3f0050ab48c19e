"""The engine's one small interface: ``Engine.check(facts, context) -> Decision``.

Evaluators are interchangeable behind it (durable_rules, the indexed fast path, the
reference oracle), so the rule backend can be replaced without touching callers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from jrp.engine.compile import CompiledBundle
from jrp.engine.decide import decide
from jrp.engine.evidence import build_evidence
from jrp.engine.explain import explain
from jrp.engine.facts import CheckContext, SubjectFacts
from jrp.engine.types import Decision, Evidence, Firing


class Evaluator(Protocol):
    """Fires compiled rules on evidence; implementations must agree exactly."""

    name: str

    def fire(self, evidence: Sequence[Evidence], context: CheckContext) -> list[Firing]: ...


def make_evaluator(bundle: CompiledBundle, backend: str) -> Evaluator:
    """``indexed`` (default fast path), ``durable`` (durable_rules) or ``reference`` (the oracle)."""
    if backend == "indexed":
        from jrp.engine.indexed import IndexedEvaluator

        return IndexedEvaluator(bundle)
    if backend == "durable":
        from jrp.engine.durable_backend import DurableEvaluator

        return DurableEvaluator(bundle)
    if backend == "reference":
        from jrp.engine.reference import ReferenceEvaluator

        return ReferenceEvaluator(bundle)
    raise ValueError(f"unknown engine backend {backend!r}; use indexed, durable or reference")


class Engine:
    """A compiled bundle and the evaluator that runs it."""

    def __init__(self, bundle: CompiledBundle, backend: str = "indexed"):
        self.bundle = bundle
        self.evaluator = make_evaluator(bundle, backend)

    def check(
        self,
        facts: SubjectFacts,
        context: CheckContext,
        *,
        with_explanation: bool = False,
        with_supervision: bool = False,
    ) -> Decision:
        """Evaluate one check; supervision is computed for ``inspection`` checks or when asked for."""
        evidence = build_evidence(facts, context, self.bundle, explain=with_explanation)
        firings = self.evaluator.fire(evidence.items, context)
        decision = decide(firings, evidence, context, self.bundle, with_supervision=with_supervision)
        if with_explanation:
            decision = explain(decision, evidence, context, self.bundle)
        return decision
