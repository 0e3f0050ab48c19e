"""The tracker's promise, as a property: for any sequence of events and dates, the notifications a subscriber
receives, applied in order to the first answer, give the answer a fresh check gives now."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jrp.adapters.facts.demo import make_uscc
from jrp.adapters.facts.ingest import ingest
from jrp.demo_vocabulary import vocabulary_of
from jrp.tracking.answers import Answer, answer_of, applied
from tests.tracking.conftest import Tracked
from tests.tracking.events import listing, status

NUMBERS = itertools.count()
RECORD = st.integers(0, 2)
STEP = st.one_of(
    st.tuples(st.just("list"), st.sampled_from([None, 5, 40, 400])),  # a listing, open or ending in n days
    st.tuples(st.just("list_entry_removed"), RECORD),
    st.tuples(st.just("repair_completed"), RECORD),
    st.tuples(st.just("objection_filed"), RECORD),
    st.tuples(st.just("objection_resolved"), RECORD, st.sampled_from(["upheld", "rejected"])),
    st.tuples(st.just("advance"), st.integers(1, 800)),  # days pass
)


def _fresh(tracked: Tracked, subscription_id: str) -> Answer:
    sub = tracked.runtime.subscriptions.get(subscription_id)
    assert sub is not None
    return answer_of(tracked.runtime.tracker.service.evaluate(sub.watch.request(tracked.clock.day)).evaluation.decision_json)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, max_size=8))
def test_notifications_applied_to_the_first_answer_give_todays_answer(tracked: Tracked, steps: list[tuple]) -> None:
    vocabulary = vocabulary_of(tracked.runtime.library)
    tracked.clock.day = date.today()
    subject = make_uscc("320600", f"PRP{next(NUMBERS):05d}")  # a subject of its own per example
    sub = tracked.subscribe(subject)
    tracked.track()
    first = tracked.runtime.subscriptions.get(sub["subscription_id"])
    assert first is not None
    records: list[str] = []
    for step in steps:
        on = min(tracked.clock.day, date.today())  # events are never dated ahead of today
        event: dict[str, Any] | None = None
        if step[0] == "list":
            key = f"{subject}-r{len(records)}"
            records.append(key)
            end = {"end": (on + timedelta(days=step[1])).isoformat()} if step[1] else {}
            event = listing(vocabulary, subject, key, on, **end)
        elif step[0] == "advance":
            tracked.clock.day += timedelta(days=step[1])
        elif step[1] < len(records):
            record = records[step[1]]
            extra = {"outcome": step[2]} if step[0] == "objection_resolved" else {}
            event = status(step[0], subject, record, f"{record}-{step[0]}-{len(steps)}-{step}", on, **extra)
        if event is not None:
            ingest(tracked.runtime.engine, [event], context=tracked.runtime.event_context)  # refused ones change nothing
        tracked.track()
    bodies = [n["body"]["data"] for n in tracked.notifications(sub["subscription_id"])]
    assert applied(first.answer, bodies).same(_fresh(tracked, sub["subscription_id"]))
    for earlier, later in itertools.pairwise(bodies):  # a chain: each starts from the decision the one before ended on
        assert later["before"]["decision_id"] == earlier["after"]["decision_id"]
