"""The bulk path (subscriptions grouped by question, each question evaluated once) writes exactly what
re-evaluating each subscription on its own writes: the same answers and next dates, the same
notifications, and a logged decision of its own per notification with its subscription's purpose and
reference — checked on two stores given the same subscriptions, events and day."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from jrp.adapters.tracking.tables import subscriptions_t
from jrp.demo_vocabulary import vocabulary_of
from tests.pg import pg_schema
from tests.tracking.conftest import CLEAN, DEBTOR, PERSON, Tracked, tracked_app
from tests.tracking.events import listing, status

WATCHES: list[tuple[str, str, dict[str, Any]]] = [  # (reference, key, fields): several ask the same question
    ("NT-1", "checker", {}),
    ("NT-2", "checker", {"purpose": "另一合同的履约期跟踪"}),
    ("NT-3", "checker_any", {}),
    ("NT-4", "checker", {"role": "evaluation_expert"}),
    ("NT-5", "checker", {"subject": DEBTOR}),
    ("NT-6", "checker", {"subject": DEBTOR, "purpose": "另一合同"}),
    ("NT-7", "checker_any", {"subject": PERSON, "scenario": "travel", "role": "consumer",
                             "consumption": "flight", "jurisdiction": "CN"}),
]


@contextmanager
def two_stores(backend: str, tmp_path: Path) -> Iterator[tuple[Tracked, Tracked]]:
    with ExitStack() as stack:
        apps = []
        for name in ("bulk", "one"):
            if backend == "sqlite":
                url = f"sqlite:///{tmp_path / f'{name}.db'}"
            else:
                url = stack.enter_context(pg_schema(f"jrp_trk_{name}"))
            (tmp_path / name).mkdir()
            apps.append(stack.enter_context(contextmanager(tracked_app)(url, tmp_path / name)))
        yield apps[0], apps[1]


def _prepared(tracked: Tracked) -> dict[str, str]:
    """The subscriptions made and the day moved on after a listing, a repair and an objection: every one due.
    Their ids by reference."""
    ids = {}
    for reference, key, fields in WATCHES:
        ids[reference] = tracked.subscribe(key=key, reference=reference, **fields)["subscription_id"]
    vocabulary = vocabulary_of(tracked.runtime.library)
    today = tracked.clock.day
    tracked.send(listing(vocabulary, CLEAN, "bulk-listing", today, end=(today + timedelta(days=20)).isoformat()),
                 status("repair_completed", DEBTOR, "demo-fixed-debtor-consumption", "bulk-repair", today))
    tracked.clock.day = today + timedelta(days=3)
    with tracked.runtime.engine.begin() as connection:
        connection.execute(update(subscriptions_t).values(next_change=tracked.clock.day.isoformat()))
    return ids


def _written(tracked: Tracked, ids: dict[str, str]) -> dict[str, Any]:
    """What re-evaluation wrote for each subscription, without what is fresh per write (ids, receipts, times)."""
    runtime = tracked.runtime
    found: dict[str, Any] = {}
    for reference, subscription_id in ids.items():
        sub = runtime.subscriptions.get(subscription_id)
        assert sub is not None
        notes = runtime.outbox.of_subscription(subscription_id)
        entry = runtime.log.get(sub.decision_id)
        assert entry is not None
        data = [dict(n["body"]["data"]) for n in notes]
        for note in data:
            assert note["after"]["receipt"]["decision_id"] == note["after"]["decision_id"]
            note["before"], note["after"] = note["before"]["outcome"], note["after"]["outcome"]
            del note["notification_id"], note["subscription_id"]
        assert [n["body"]["data"]["after"]["decision_id"] for n in notes][:1] in ([], [sub.decision_id])  # newest
        logged = {key: value for key, value in entry.items() if key in ("purpose", "reference", "request", "result",
                                                                        "bundle", "subject_known")}
        logged["facts"] = {key: value for key, value in entry["facts"].items() if key != "version"}  # the store's
        found[reference] = {"answer": sub.answer.as_json(), "bundle": sub.bundle_hash, "next": sub.next_change,
                            "notified": data, "decision": logged, "caller": entry["caller"]["name"]}
    return found


def test_the_bulk_path_writes_what_one_by_one_writes(backend: str, tmp_path: Path) -> None:
    with two_stores(backend, tmp_path) as (bulk, one):
        bulk_ids, one_ids = _prepared(bulk), _prepared(one)
        today = bulk.clock.day
        due = bulk.runtime.subscriptions.due(today, 100)
        assert len(due) == len(WATCHES)
        bulk.runtime.tracker.reevaluate(due, {})
        for sub in one.runtime.subscriptions.due(today, 100):
            one.runtime.tracker.reevaluate([sub], {})

        written = _written(bulk, bulk_ids)
        assert written == _written(one, one_ids)
        assert {r for r, w in written.items() if w["notified"]} == {"NT-1", "NT-2", "NT-3", "NT-4", "NT-7"}
        assert written["NT-1"]["next"] == today + timedelta(days=17)  # the listing's end
        notified = [written[reference] for reference in ("NT-1", "NT-2", "NT-3")]  # one question, three subscriptions
        assert [w["decision"]["purpose"] for w in notified] == ["合同 NT-2026-17 履约期跟踪", "另一合同的履约期跟踪",
                                                                 "合同 NT-2026-17 履约期跟踪"]
        assert [w["decision"]["reference"] for w in notified] == ["NT-1", "NT-2", "NT-3"]
        decisions = {bulk.runtime.subscriptions.get(i).decision_id for i in bulk_ids.values()}  # type: ignore[union-attr]
        assert len(decisions) == len(WATCHES)  # a logged decision of its own each
