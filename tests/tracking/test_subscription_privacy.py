"""A natural person in subscriptions: kept by the decision log's pseudonym, the originals sealed beside it (no
stored byte of the subscription holds the id or the name); found again from an event on their clear id; left
with nothing of the person by the erasure; and subscriptions stored in clear before are pseudonymised by the
next migration."""

from __future__ import annotations

import json
import uuid
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from jrp.adapters.facts.demo import DEMO_SUBJECTS, make_resident_id, make_uscc
from jrp.adapters.facts.erasure import erase_persons
from jrp.adapters.facts.ingest import ingest
from jrp.adapters.tracking.tables import notifications_t, subscriptions_t
from jrp.demo_vocabulary import vocabulary_of
from jrp.service import SubjectRef
from jrp.tracking.answers import Answer
from jrp.tracking.watches import Subscription, Watch
from jrp.vocabulary.subjects import SubjectType
from tests.tracking.conftest import PERSON, Tracked
from tests.tracking.events import listing, status

NAME = DEMO_SUBJECTS["legal_representative"].name


def _watch(tracked: Tracked, subject: str, name: str) -> dict:
    item = {"subject": {"id": subject, "name": name, "type": "natural_person"}, "scenario": "consumption",
            "jurisdiction": "CN", "purpose": "高消费限制核查", "reference": "CX-2026-3",
            "delivery": {"webhook_url": tracked.receiver.url}}
    response = tracked.client.post("/v1/subscriptions", json={"subscriptions": [item]},
                                   headers=tracked.headers("checker_any"))
    assert response.status_code == 200, response.text
    return response.json()["items"][0]


def _holds(stored: str, value: str) -> bool:
    """Whether ``value`` is among the stored text, as written or escaped in JSON."""
    return value in stored or json.dumps(value)[1:-1] in stored


def _stored(tracked: Tracked, table=subscriptions_t) -> str:
    with tracked.runtime.engine.connect() as connection:
        return "\n".join("\t".join(map(str, row)) for row in connection.execute(select(table)))


def test_a_person_is_stored_by_pseudonym_and_found_from_an_event(tracked: Tracked) -> None:
    sub = _watch(tracked, PERSON, NAME)
    stored = _stored(tracked)
    assert tracked.runtime.log.pseudonym(PERSON) in stored
    assert not _holds(stored, PERSON) and not _holds(stored, NAME)
    shown = tracked.client.get(f"/v1/subscriptions/{sub['subscription_id']}", headers=tracked.headers("checker_any"))
    assert shown.json()["watch"]["subject"]["id"] == PERSON, shown.text  # the surfaces show the person as asked
    tracked.track()
    tracked.send(listing(vocabulary_of(tracked.runtime.library), PERSON, "privacy-listing", tracked.clock.day))
    assert tracked.track() == 1  # the event's clear id reaches the pseudonymised subscription
    [note] = tracked.notifications(sub["subscription_id"], key="checker_any")
    assert note["body"]["data"]["subject"]["id"] == PERSON


def test_the_erasure_leaves_nothing_of_the_person_in_subscriptions(tracked: Tracked) -> None:
    person, name = make_resident_id("320500", date(1960, 5, 1), 78), "李四"
    ingest(tracked.runtime.engine, [{  # registered long ago, nothing since: past retention
        "type": "subject_registered", "idempotency_key": "privacy-erasable", "occurred_on": "2015-06-01",
        "subject": {"id": person, "name": name, "type": "natural_person"},
        "source": {"authority": "苏州市市场监督管理局", "doc_no": ""}}])
    sub = _watch(tracked, person, name)
    tracked.track()
    tracked.send(listing(vocabulary_of(tracked.runtime.library), person, "privacy-erasable-listing", tracked.clock.day))
    assert tracked.track() == 1
    tracked.send(status("list_entry_removed", person, "privacy-erasable-listing", "privacy-erasable-removal",
                        tracked.clock.day))
    assert tracked.track() == 1  # two notifications naming the person, and nothing of theirs in force
    runtime = tracked.runtime
    assert _holds(_stored(tracked, notifications_t), name)
    erased = erase_persons(runtime.engine, runtime.audit_keys.personal.pseudonymiser(), date(2200, 1, 1))
    assert erased.persons >= 1
    for table in (subscriptions_t, notifications_t):
        stored = _stored(tracked, table)
        assert not _holds(stored, person) and not _holds(stored, name)
    with runtime.engine.connect() as connection:
        personal = connection.execute(select(subscriptions_t.c.personal)
                                      .where(subscriptions_t.c.subscription_id == sub["subscription_id"])).scalar()
    assert personal is None  # the sealed originals are gone, not only unreadable
    kept = runtime.subscriptions.get(sub["subscription_id"])
    assert kept is not None and kept.watch.subject.id == runtime.log.pseudonym(person)  # watching the pseudonym
    tracked.track()  # and the tracker goes on with it


def test_subscriptions_stored_in_clear_are_pseudonymised_by_the_migration(tracked: Tracked) -> None:
    sub = _watch(tracked, PERSON, NAME)
    runtime = tracked.runtime
    clear = {"subject": {"id": PERSON, "type": "natural_person", "name": NAME}, "scenario": "consumption",
             "role": None, "jurisdiction": "CN", "purpose": "高消费限制核查", "reference": "CX-2026-3",
             "application": None}
    with runtime.engine.begin() as connection:  # as 0016 stored it, before the privacy migration ran
        connection.execute(update(subscriptions_t).where(subscriptions_t.c.subscription_id == sub["subscription_id"])
                           .values(subject_id=PERSON, request=json.dumps(clear), personal=None))
        connection.execute(text("DELETE FROM tracking_cursor WHERE name = 'privacy'"))
    assert _holds(_stored(tracked), PERSON) and _holds(_stored(tracked), NAME)
    runtime.migrate()
    stored = _stored(tracked)
    assert not _holds(stored, PERSON) and not _holds(stored, NAME) and runtime.log.pseudonym(PERSON) in stored
    assert runtime.subscriptions.get(sub["subscription_id"]).watch.subject.id == PERSON
    assert [s.subscription_id for s in runtime.subscriptions.of_subjects([PERSON])] == [sub["subscription_id"]]


PEOPLE = st.builds(lambda day, sequence, name: (make_resident_id("320500", day, sequence), name, "natural_person"),
                   st.dates(date(1930, 1, 1), date(2010, 12, 31)), st.integers(0, 999),
                   st.text("王李张刘陈杨赵黄周吴建国明华丽娟强伟芳", min_size=2, max_size=4))
ORGANISATIONS = st.builds(lambda body, name: (make_uscc("320600", body), name, "legal_person"),
                          st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8),
                          st.text("南通市建设工程有限公司", min_size=4, max_size=10))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subjects=st.lists(st.one_of(PEOPLE, ORGANISATIONS), min_size=1, max_size=6))
def test_stored_and_read_back(tracked: Tracked, subjects: list[tuple[str, str, str]]) -> None:
    """Any mix of persons and organisations: what is read back is what was watched; no person's id or name is
    among the stored bytes (an organisation is kept as it is); the lookup by clear id finds each."""
    runtime = tracked.runtime
    made = [Subscription(uuid.uuid4().hex, "owner", Watch(SubjectRef(id_, SubjectType(kind), name), "bidding",
                                                         "CN-JS-NT", "投标资格跟踪", "bidder", "ZB-1"),
                         Answer("allow", frozenset(), {}), uuid.uuid4().hex, "0" * 64, 0.0)
            for id_, name, kind in subjects]
    runtime.log.append([], also=lambda _receipts: [runtime.subscriptions.inserts(made)])
    for sub in made:
        assert runtime.subscriptions.get(sub.subscription_id) == sub
        with runtime.engine.connect() as connection:
            row = "\t".join(map(str, connection.execute(select(subscriptions_t).where(
                subscriptions_t.c.subscription_id == sub.subscription_id)).one()))
        subject = sub.watch.subject
        person = subject.type is SubjectType.natural_person
        assert _holds(row, subject.id) is not person and _holds(row, subject.name) is not person
    found = {s.subscription_id for s in runtime.subscriptions.of_subjects([s.watch.subject.id for s in made])}
    assert found >= {s.subscription_id for s in made}
