"""What a fired measure reaches (``jrp.engine.scope``): one decision must reach the whole application.

The triggering records of an aggregate (repeated penalties, points) are held against the measure's
conditions one by one, so a condition met by one record and another met by a second record do not add
up to a measure neither decision reaches, and a further record can only add reach.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from jrp.engine.facts import Application, CheckContext, Record
from jrp.engine.scope import APPLIES, Verdict, resolve
from jrp.engine.types import CompiledRule, Evidence, Trigger
from jrp.rulesets.schema import Reach
from jrp.vocabulary.records import RecordType
from jrp.vocabulary.scope import ProjectType, Sanction
from tests.engine.strategies import GROUNDS, applications, reaches, scopes

AS_OF = date(2026, 6, 1)
PROPERTY = settings(max_examples=300, deadline=None)


@st.composite
def penalties(draw, n: int = 0) -> Record:
    start = draw(st.sampled_from([date(2025, 1, 10), date(2026, 3, 1), date(2026, 5, 20)]))
    return Record(f"r-{n}-{draw(st.integers(0, 10**6))}", "s-1", RecordType.penalty, start,
                  sanctions=tuple(draw(st.lists(st.sampled_from(list(Sanction)), unique=True, max_size=2))),
                  amount=draw(st.sampled_from([None, 5000.0, 3000000.0])), ground=draw(st.sampled_from([None, *GROUNDS])),
                  **draw(scopes(start)))


@st.composite
def rules(draw) -> CompiledRule:
    return CompiledRule(
        "rule-1", "m-1", Trigger.repeated_penalties, frozenset(), 0, None, frozenset(), "P2Y", frozenset({"bidding"}),
        frozenset(), frozenset(), False, "rs", "1", "CN",
        sanctions=frozenset(draw(st.lists(st.sampled_from([s.value for s in Sanction]), unique=True, max_size=2))),
        fine_at_least=draw(st.sampled_from([None, 1000000.0])),
        grounds=frozenset(draw(st.lists(st.sampled_from(GROUNDS), unique=True, max_size=1))))


contexts = st.builds(CheckContext, scenario=st.just("bidding"), as_of=st.just(AS_OF), role=st.just("bidder"),
                     jurisdiction=st.just("CN"), application=applications)


def _strength(verdict: Verdict) -> int:
    return 0 if verdict.excluded is not None else (1 if verdict.doubts else 2)


def _resolve(reach: dict, rule: CompiledRule, records: tuple[Record, ...], context: CheckContext) -> Verdict:
    evidence = Evidence("repeat:P2Y", Trigger.repeated_penalties, "", records=records)
    return resolve(Reach(**reach), rule, evidence, context)


@PROPERTY
@given(reach=reaches(), rule=rules(), records=st.lists(penalties(), min_size=1, max_size=3), extra=penalties(9),
       context=contexts)
def test_a_further_triggering_record_never_takes_reach_away(reach, rule, records, extra, context) -> None:
    before = _resolve(reach, rule, tuple(records), context)
    after = _resolve(reach, rule, (*records, extra), context)
    assert _strength(after) >= _strength(before)


@PROPERTY
@given(reach=reaches(), rule=rules(), records=st.lists(penalties(), min_size=1, max_size=3), context=contexts)
def test_a_measure_applies_only_through_a_record_that_meets_every_condition(reach, rule, records, context) -> None:
    together = _resolve(reach, rule, tuple(records), context)
    alone = [_resolve(reach, rule, (record,), context) for record in records]
    assert (together == APPLIES) == any(verdict == APPLIES for verdict in alone)
    assert _strength(together) == max(map(_strength, alone))


def test_conditions_met_by_two_different_decisions_do_not_add_up() -> None:
    rule = CompiledRule("rule-1", "m-1", Trigger.repeated_penalties, frozenset(), 0, None, frozenset(), "P2Y",
                        frozenset({"bidding"}), frozenset(), frozenset(), False, "rs", "1", "CN",
                        sanctions=frozenset({Sanction.permit_revoked.value}))
    context = CheckContext("bidding", AS_OF, "bidder", "CN",
                           application=Application(matter="licence-1", project_type=ProjectType.construction))
    revoked_elsewhere = Record("a", "s-1", RecordType.penalty, date(2026, 1, 5), sanctions=(Sanction.permit_revoked,),
                               matter="licence-2")
    warned_here = Record("b", "s-1", RecordType.penalty, date(2026, 2, 5), sanctions=(Sanction.warning,),
                         matter="licence-1")
    verdict = _resolve({"matter": "same_as_record"}, rule, (revoked_elsewhere, warned_here), context)
    assert verdict.excluded is not None
    revoked_here = Record("c", "s-1", RecordType.penalty, date(2026, 3, 5), sanctions=(Sanction.permit_revoked,),
                          matter="licence-1")
    assert _resolve({"matter": "same_as_record"}, rule, (revoked_elsewhere, warned_here, revoked_here), context) == APPLIES
