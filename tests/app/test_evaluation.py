"""A cached evaluation holds no reference cycle: once evicted, reference counting frees it.

The serving process freezes whatever survives a full collection (``jrp.api.gc_policy``),
so a cycle through a cached evaluation would keep it, and all it holds, for ever.
"""

from __future__ import annotations

import gc
from datetime import date

from jrp.engine.facts import Record, Subject, SubjectFacts
from jrp.engine.types import Decision, Outcome
from jrp.evaluation import Evaluation
from jrp.vocabulary.records import RecordType, Severity
from jrp.vocabulary.subjects import SubjectType


def _evaluation() -> Evaluation:
    facts = SubjectFacts(Subject("91320500MA1X00001A", SubjectType.legal_person, "某公司"),
                         (Record("r1", "91320500MA1X00001A", RecordType.list_entry, date(2025, 1, 1),
                                 list_id="dishonest-judgment-debtors", severity=Severity.serious),), version="3")
    return Evaluation(facts, Decision(Outcome.allow, (), (), None, "bundle-hash"))


def test_a_used_evaluation_is_freed_without_the_cycle_collector():
    gc.collect()
    gc.disable()
    try:
        evaluation = _evaluation()
        first, second = evaluation.facts_snapshot(), evaluation.facts_snapshot()
        assert first.digest == second.digest and first.data == second.data  # the second makes it again
        assert evaluation.decision_json["outcome"] == "allow"
        evaluation.derived("answer", list)  # a container kept with the evaluation
        del evaluation, first, second
        assert gc.collect() == 0  # nothing was left for the cycle collector
    finally:
        gc.enable()
