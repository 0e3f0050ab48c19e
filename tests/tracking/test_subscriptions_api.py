"""/v1/subscriptions: a bid list in one call, a cursor-paged listing, get and delete; a subscription made from
a logged decision (its answer is the baseline); rule changes reach the subscriptions they change."""

from __future__ import annotations

from pathlib import Path

from jrp.adapters.facts.demo import make_uscc
from jrp.demo_vocabulary import vocabulary_of
from tests.publishing import lifted_ban, nantong_edition, plan_ban, publish_on_file, rulesets_copy, save_edition
from tests.tracking.conftest import CLEAN, DEBTOR, Tracked, tracked_app
from tests.tracking.events import COURT


def test_bulk_create_page_get_delete(tracked: Tracked) -> None:
    subjects = [DEBTOR, CLEAN] + [make_uscc("320600", f"TRK{i:05d}") for i in range(248)]
    items = [{"subject": {"id": s}, "scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT",
              "purpose": "标段 7 投标人名单", "reference": f"NT-7-{i}", "watch_until": "2028-12-31"}
             for i, s in enumerate(subjects)]
    response = tracked.client.post("/v1/subscriptions", json={"subscriptions": items}, headers=tracked.headers())
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["created"] == 250 and created["webhook_secret"].startswith("whsec_")
    assert [i["outcome"] for i in created["items"][:2]] == ["deny", "allow"]
    again = tracked.client.post("/v1/subscriptions", json={"subscriptions": items[:1]}, headers=tracked.headers()).json()
    assert again["webhook_secret"] is None  # shown once

    seen, cursor = [], None
    while True:
        page = tracked.client.get("/v1/subscriptions", params={"limit": 100, **({"cursor": cursor} if cursor else {})},
                                  headers=tracked.headers()).json()
        seen += [s["subscription_id"] for s in page["items"]]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 251
    assert tracked.client.get("/v1/subscriptions", headers=tracked.headers("checker_any")).json()["items"] == []
    assert len(tracked.client.get("/v1/subscriptions", params={"limit": 1000},
                                  headers=tracked.headers("admin")).json()["items"]) == 251

    first = created["items"][0]
    one = tracked.client.get(f"/v1/subscriptions/{first['subscription_id']}", headers=tracked.headers()).json()
    assert one["decision_id"] == first["decision_id"] and one["watch"]["reference"] == "NT-7-0"
    assert one["answer"]["outcome"] == "deny" and one["watch_until"] == "2028-12-31"
    baseline = tracked.client.get(f"/v1/decisions/{first['decision_id']}", headers=tracked.headers())
    assert baseline.status_code == 200  # the baseline is a decision in the log, the subscriber's own
    assert tracked.client.get(f"/v1/subscriptions/{first['subscription_id']}",
                              headers=tracked.headers("checker_any")).status_code == 403
    assert tracked.client.delete(f"/v1/subscriptions/{first['subscription_id']}",
                                 headers=tracked.headers()).json() == {"subscription_id": first["subscription_id"],
                                                                        "deleted": True}
    assert tracked.client.get(f"/v1/subscriptions/{first['subscription_id']}", headers=tracked.headers()).status_code == 404
    bad = tracked.client.post("/v1/subscriptions", json={"subscriptions": [{**items[0], "as_of": "2026-01-01"}]},
                              headers=tracked.headers())
    assert bad.status_code == 422 and "as_of" in bad.json()["errors"][0]["field"]


def test_watch_a_logged_decision_then_hear_what_changed_since(tracked: Tracked) -> None:
    check = tracked.client.post("/v1/checks", headers=tracked.headers(), json={
        "subject": {"id": CLEAN}, "scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT",
        "purpose": "合同 NT-9"}).json()
    vocabulary = vocabulary_of(tracked.runtime.library)
    list_id = vocabulary.list_ids["serious"][0]
    ground = vocabulary.grounds.get(list_id)
    tracked.send({"type": "list_entry_added", "idempotency_key": "watch-listing", "subject": {"id": CLEAN},
                  "occurred_on": tracked.clock.day.isoformat(), "source": COURT, "list_id": list_id,
                  "severity": "serious", **({"ground": ground[0]} if ground else {})})
    response = tracked.client.post(f"/v1/decisions/{check['decision_id']}/watch", headers=tracked.headers(),
                                   json={"delivery": {"webhook_url": tracked.receiver.url}})
    assert response.status_code == 200, response.text
    sub = response.json()
    assert sub["decision_id"] == check["decision_id"] and sub["answer"]["outcome"] == "allow"
    tracked.receiver.secret = tracked.runtime.webhook_secrets.live(
        tracked.runtime.keys.authenticate(tracked.keys["checker"]).key_id)[0]
    assert tracked.track() == 1  # the listing came after the decision watched: news at once
    data = tracked.notifications(sub["subscription_id"])[0]["body"]["data"]
    assert data["before"] == {"outcome": "allow", "decision_id": check["decision_id"]}
    assert data["after"]["outcome"] == "deny"
    other = tracked.client.post(f"/v1/decisions/{check['decision_id']}/watch", headers=tracked.headers("checker_any"),
                                json={})
    assert other.status_code == 403  # not its decision


def test_a_ruleset_version_taking_effect_notifies_with_the_version(store_url: str, tmp_path: Path) -> None:
    rulesets = rulesets_copy(tmp_path / "rulesets")
    publish_on_file(save_edition(rulesets, plan_ban(nantong_edition(rulesets, effective_from="2030-01-01"))))
    for tracked in tracked_app(store_url, tmp_path, rulesets_dir=rulesets):
        sub = tracked.subscribe()
        tracked.track()
        tracked.send({"type": "list_entry_added", "idempotency_key": "plan-listing", "subject": {"id": CLEAN},
                      "occurred_on": tracked.clock.day.isoformat(), "source": COURT, "list_id": "nt-plan-list",
                      "severity": "serious"})
        tracked.track()
        before = tracked.notifications(sub["subscription_id"])
        tracked.clock.day = tracked.clock.day.replace(year=2030, month=1, day=1)
        assert tracked.track() == 1
        notes = tracked.notifications(sub["subscription_id"])
        assert len(notes) == len(before) + 1
        data = notes[-1]["body"]["data"]
        assert data["cause"]["kind"] == "ruleset"
        assert {"id": "nantong-silent-check", "version": "2027.1"} in data["cause"]["rulesets"]
        assert "nt-plan-ban" in [m["measure_id"] for m in data["measures_added"] if m["applies"]]
        assert data["after"]["outcome"] == "deny"
        assert tracked.track() == 0


def test_an_edition_published_is_news_at_the_next_start(store_url: str, tmp_path: Path) -> None:
    """cn-basic-list 2026.1, published while the service runs, takes the procurement ban off judgment debtors:
    the tracker of the next process started (same day) re-evaluates and tells the subscriber, naming the edition."""
    rulesets = rulesets_copy(tmp_path / "rulesets")
    for tracked in tracked_app(store_url, tmp_path, rulesets_dir=rulesets):
        sub = tracked.subscribe(DEBTOR)
        assert sub["outcome"] == "deny"
        assert tracked.track() == 0
    publish_on_file(lifted_ban(rulesets))
    for tracked in tracked_app(store_url, tmp_path, rulesets_dir=rulesets):
        assert tracked.track() == 1
        data = tracked.runtime.outbox.of_subscription(sub["subscription_id"])[0]["body"]["data"]
        assert data["cause"]["kind"] == "ruleset"
        assert {"id": "cn-basic-list", "version": "2026.1"} in data["cause"]["rulesets"]
        assert "gp-supplier-disqualified" in [m["measure_id"] for m in data["measures_removed"]]
        assert tracked.track() == 0
