"""A property, on SQLite and PostgreSQL: for any sequence of events and checks, the log verifies, the projection
is the one the events give, each logged decision of a subject with events (an organisation or a person) names its
facts by reference (no snapshot stored, see ``jrp.adapters.log.fact_references``), rebuilding them from the
verified events up to the heads it names (for a person, those it saw, related organisations' included) gives the facts
it names (version and digest), and every decision replays identically.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from jrp.access import IngestScope, Role
from jrp.adapters.facts.audit import audit_facts
from jrp.adapters.facts.demo import make_resident_id, make_uscc
from jrp.adapters.facts.orm import SubjectRow
from jrp.adapters.facts.source import NO_EVENTS_VERSION, FactsStore, version_string
from jrp.adapters.log.fact_snapshots import snapshots_t
from jrp.engine.codec import digest, facts_to_json
from jrp.ports import UNKNOWN
from tests.api.conftest import CLEAN, Api
from tests.adapters.facts.factory import SOURCE

_names = itertools.count()
Op = tuple[str, int, int]
OPS = st.lists(st.tuples(st.sampled_from(["listing", "penalty", "remove", "relation", "end_relation", "check"]),
                         st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=10)


class World:
    """Two organisations and a person of one example (fresh identifiers each time), and what was sent."""

    def __init__(self) -> None:
        n = next(_names)
        self.orgs = [make_uscc("320500", f"PRP{n:04d}{i}") for i in range(2)]
        self.person = make_resident_id("320500", date(1980, 1, 1), n)
        self.listings: list[tuple[int, str]] = []
        self.related: set[int] = set()
        self.keys = (f"prop-{n}-{i}" for i in itertools.count())

    def events(self, op: Op) -> list[dict[str, Any]]:
        kind, a, b = op
        key = next(self.keys)
        org = self.orgs[a]
        base = {"idempotency_key": key, "occurred_on": "2025-03-01", "source": SOURCE}
        if kind == "listing":
            self.listings.append((a, key))
            return [{**base, "type": "list_entry_added", "subject": {"id": org}, "list_id": "dishonest-judgment-debtors",
                     "severity": "serious", "region": "CN-JS"}]
        if kind == "penalty":
            return [{**base, "type": "penalty_issued", "subject": {"id": org}, "domain": "market",
                     "severity": "general", "amount": 5000}]
        if kind == "remove" and self.listings:
            owner, record = self.listings.pop(b % len(self.listings))
            return [{**base, "type": "list_entry_removed", "subject": {"id": self.orgs[owner]}, "record_id": record,
                     "occurred_on": "2025-04-01"}]
        if kind == "relation" and a not in self.related:
            self.related.add(a)
            return [{**base, "type": "relation_set", "subject": {"id": self.person, "name": "测试人"},
                     "organisation": {"id": org}, "role": "legal_representative"}]
        if kind == "end_relation" and a in self.related:
            self.related.discard(a)
            return [{**base, "type": "relation_ended", "subject": {"id": self.person}, "organisation": {"id": org},
                     "role": "legal_representative", "occurred_on": "2025-05-01"}]
        return []

    def subject(self, op: Op) -> str:
        return self.person if op[2] else self.orgs[op[1]]


def _check(api: Api, subject: str) -> str | None:
    response = api.client.post("/v1/checks", headers=api.headers("checker"), json={
        "subject": {"id": subject}, "scenario": "government_procurement", "role": "supplier",
        "jurisdiction": "CN-JS-NT", "purpose": "property"})
    assert response.status_code == 200, response.text
    return response.json()["decision_id"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(ops=OPS)
def test_facts_rebuilt_from_the_verified_log_are_those_every_decision_names(fresh_api: Api, ops: list[Op]) -> None:
    world, decisions = World(), []
    store = FactsStore(fresh_api.runtime.engine)
    heads = {}  # decision → the event heads of its subject when it was made
    authority = fresh_api.runtime.keys.create_key(  # the authority that decides every record of the world
        "authority", Role.ingester, ingest_scope=IngestScope(authorities=(SOURCE["authority"],))).plaintext
    for op in ops:
        if op[0] == "check":
            decisions.append((world.subject(op), _check(fresh_api, world.subject(op))))
            heads[decisions[-1][1]] = store.event_heads(world.subject(op))
            continue
        events = world.events(op)
        if events:
            response = fresh_api.client.post("/v1/events", json={"events": events}, headers={"X-API-Key": authority})
            assert response.json()["accepted"] == len(events), response.text
    decisions += [(subject, _check(fresh_api, subject)) for subject in (*world.orgs, world.person)]
    runtime = fresh_api.runtime
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    assert runtime.verify_log().ok
    audit = audit_facts(runtime.engine)
    assert audit.ok, audit.differences
    with runtime.engine.connect() as connection:
        snapshots = set(connection.execute(select(snapshots_t.c.digest)).scalars())
    for subject, decision_id in decisions:
        entry = runtime.log.get(decision_id)
        named = entry["facts"]
        if named["version"] == UNKNOWN:  # a subject the store had not seen yet
            continue
        if named["version"] == NO_EVENTS_VERSION:  # an organisation only a relation named has no chain to refer to
            assert "facts_ref" not in entry and entry["facts_digest"] in snapshots
            continue
        reference = entry["facts_ref"]  # named by the event heads, not stored: ``get`` checked the digest
        assert entry["facts_digest"] not in snapshots
        related_heads = reference.get("related_heads", [])
        if decision_id in heads:  # the heads it saw when it was made
            own, related = heads[decision_id]
            assert version_string(own, related.items()) == named["version"]
            assert reference["subject_head"] == own and related_heads == sorted(h for h in related.values() if h)
        assert named["version"].startswith(reference["subject_head"])
        by_heads = store.facts_at_heads(reference["subject_head"], related_heads)
        assert by_heads is not None and digest(facts_to_json(by_heads)) == digest(named)
        rebuilt = runtime.facts.facts_as_of(subject, datetime.fromisoformat(entry["created_at"]))
        assert rebuilt is not None and rebuilt.version == named["version"]  # the history by time agrees
        assert digest(facts_to_json(rebuilt)) == digest(named)
        replay = fresh_api.client.post(f"/v1/decisions/{decision_id}/replay", json={"rules": "original"},
                                       headers=fresh_api.headers("auditor")).json()
        assert replay["identical"], replay["differences"]


def test_an_event_count_set_back_cannot_make_an_earlier_version(fresh_api: Api) -> None:
    """The version is the event head, not a count: an insider setting the count back aliases nothing cached."""
    store = FactsStore(fresh_api.runtime.engine)
    assert fresh_api.check(subject={"id": CLEAN})["outcome"] == "allow"
    earlier = store.facts_version(CLEAN)
    listing = {"type": "list_entry_added", "idempotency_key": "count-back", "subject": {"id": CLEAN},
               "occurred_on": "2025-05-01", "list_id": "dishonest-judgment-debtors", "severity": "serious",
               "region": "CN-JS", "source": SOURCE}
    assert fresh_api.client.post("/v1/events", json={"events": [listing]},
                                 headers=fresh_api.headers("ingester")).json()["accepted"] == 1
    with fresh_api.runtime.engine.begin() as connection:
        connection.execute(update(SubjectRow).where(SubjectRow.subject_id == CLEAN).values(facts_version=1))
    assert store.facts_version(CLEAN) != earlier
    assert fresh_api.check(subject={"id": CLEAN})["outcome"] == "deny"
