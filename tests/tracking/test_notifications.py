"""Each kind of change produces exactly the notification expected — before/after, measures with their basis,
the cause, both decision ids with valid proofs — delivered to a real receiver that verifies its signature."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from jrp.demo_vocabulary import vocabulary_of
from tests.tracking.conftest import CLEAN, DEBTOR, PERSON, Tracked
from tests.tracking.events import listing, status

BAN = "gp-supplier-disqualified"


def _only_new(tracked: Tracked, subscription_id: str, seen: int) -> dict[str, Any]:
    """The one notification written since ``seen`` were, as its receiver got it (verified)."""
    notes = tracked.notifications(subscription_id)
    assert len(notes) == seen + 1, [n["body"]["data"]["cause"] for n in notes]
    tracked.dispatch()
    received = tracked.receiver.wait_for(seen + 1)
    assert received[-1] == notes[-1]["body"]
    assert tracked.notifications(subscription_id)[-1]["deliveries"][0]["state"] == "delivered"
    return received[-1]["data"]


def _proven(tracked: Tracked, decision_id: str) -> None:
    tracked.runtime.tree.integrate(tracked.runtime.audit_keys.signing, force_checkpoint=True)
    response = tracked.client.get(f"/v1/decisions/{decision_id}/proof", headers=tracked.headers())
    assert response.status_code == 200, response.text


def test_listing_objection_and_removal_each_notify_once(tracked: Tracked) -> None:
    vocabulary = vocabulary_of(tracked.runtime.library)
    sub = tracked.subscribe()
    assert sub["outcome"] == "allow"
    assert tracked.track() == 0  # nothing happened yet
    today = tracked.clock.day
    tracked.send(listing(vocabulary, CLEAN, "trk-listing", today))
    assert tracked.track() == 1
    data = _only_new(tracked, sub["subscription_id"], 0)
    assert (data["before"]["outcome"], data["after"]["outcome"]) == ("allow", "deny")
    assert data["before"]["decision_id"] == sub["decision_id"]
    assert [m["measure_id"] for m in data["measures_added"] if m["applies"]] == [BAN]
    assert all(m["legal_basis"] for m in data["measures_added"]) and data["measures_removed"] == []
    assert data["cause"] == {"kind": "event", "events": [{"seq": data["cause"]["events"][0]["seq"], "id": "trk-listing"}]}
    assert data["after"]["receipt"]["decision_id"] == data["after"]["decision_id"]
    for decision_id in (data["before"]["decision_id"], data["after"]["decision_id"]):
        _proven(tracked, decision_id)
    assert tracked.track() == 0  # the same answer again: no second notification

    tracked.send(status("objection_filed", CLEAN, "trk-listing", "trk-objection", today))
    tracked.send(status("objection_resolved", CLEAN, "trk-listing", "trk-upheld", today, outcome="upheld"))
    assert tracked.track() >= 1
    notes = tracked.notifications(sub["subscription_id"])
    assert notes[-1]["body"]["data"]["after"]["outcome"] == "allow"  # upheld: the record was wrong
    assert {e["id"] for n in notes[1:] for e in n["body"]["data"]["cause"]["events"]} <= {"trk-objection", "trk-upheld"}

    tracked.send(listing(vocabulary, CLEAN, "trk-listing-2", today))
    tracked.track()
    tracked.send(status("list_entry_removed", CLEAN, "trk-listing-2", "trk-removed", today))
    before = len(tracked.notifications(sub["subscription_id"]))
    assert tracked.track() == 1
    data = tracked.notifications(sub["subscription_id"])[before]["body"]["data"]
    assert (data["before"]["outcome"], data["after"]["outcome"]) == ("deny", "allow")
    assert BAN in [m["measure_id"] for m in data["measures_removed"]] and data["measures_added"] == []
    assert data["cause"]["events"][0]["id"] == "trk-removed"


def test_repair_of_a_related_organisation_reaches_its_person(tracked: Tracked) -> None:
    """The legal representative's travel restriction comes from the debtor's record: repairing it is news for
    a subscription on the person (an event of a related organisation)."""
    sub = tracked.subscribe(PERSON, key="checker_any", scenario="travel", role="consumer", consumption="flight",
                            jurisdiction="CN")
    assert sub["outcome"] in ("deny", "restrict")
    tracked.track()
    tracked.send(status("repair_completed", DEBTOR, "demo-fixed-debtor-consumption", "trk-repair", tracked.clock.day))
    assert tracked.track() == 1
    data = tracked.notifications(sub["subscription_id"], "checker_any")[0]["body"]["data"]
    assert data["after"]["outcome"] != sub["outcome"] and data["measures_removed"]
    assert data["cause"]["events"][0]["id"] == "trk-repair"


def test_date_passing_ends_a_listing_and_notifies_once(tracked: Tracked) -> None:
    vocabulary = vocabulary_of(tracked.runtime.library)
    sub = tracked.subscribe()
    tracked.track()
    today = tracked.clock.day
    end = today + timedelta(days=30)
    tracked.send(listing(vocabulary, CLEAN, "trk-dated", today, end=end.isoformat()))
    assert tracked.track() == 1
    stored = tracked.client.get(f"/v1/subscriptions/{sub['subscription_id']}", headers=tracked.headers()).json()
    assert stored["answer"]["outcome"] == "deny" and date.fromisoformat(stored["next_change"]) <= end
    tracked.clock.day = end - timedelta(days=1)
    assert tracked.track() == 0
    tracked.clock.day = end + timedelta(days=1)
    assert tracked.track() == 1
    data = tracked.notifications(sub["subscription_id"])[-1]["body"]["data"]
    assert (data["before"]["outcome"], data["after"]["outcome"]) == ("deny", "allow")
    assert data["cause"] == {"kind": "date", "date": tracked.clock.day.isoformat()}
    assert tracked.track() == 0
