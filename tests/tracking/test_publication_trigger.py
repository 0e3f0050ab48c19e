"""An edition published while the service runs reaches the running tracker at its next round, and the workers' checks
at their next look (``jrp.publishing.EditionFollower``), without a restart:
logged by ``jrp rulesets publish`` (record written beside an edition written after the start) or by the console
(in the log only, an edition the service read as a draft)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from jrp.access import terminal_operator
from jrp.publishing import publish
from jrp.rulesets.library import read_ruleset_file
from jrp.rulesets.publications import AdoptingDocument, Publication
from tests.publishing import lifted_ban, rulesets_copy
from tests.tracking.conftest import DEBTOR, Tracked, tracked_app


def _fresh_check(tracked: Tracked) -> str:
    """The outcome a check of the subscribed question gives now, through the API."""
    response = tracked.client.post("/v1/checks", headers=tracked.headers("checker"), json={
        "subject": {"id": DEBTOR}, "scenario": "government_procurement", "role": "supplier",
        "jurisdiction": "CN-JS-NT", "purpose": "合同 NT-2026-17 履约期跟踪"})
    assert response.status_code == 200, response.text
    return response.json()["outcome"]


@pytest.mark.parametrize("source", ["publish", "console"])
def test_an_edition_published_while_tracking_is_news_at_the_next_round(store_url: str, tmp_path: Path,
                                                                       source: str) -> None:
    rulesets = rulesets_copy(tmp_path / "rulesets")
    edition = lifted_ban(rulesets) if source == "console" else None  # the console publishes a draft read at start
    for tracked in tracked_app(store_url, tmp_path, rulesets_dir=rulesets):
        sub = tracked.subscribe(DEBTOR)
        assert sub["outcome"] == "deny"
        assert tracked.track() == 0
        if edition is None:  # the command line: the edition is written, then published
            edition = lifted_ban(rulesets)
        assert tracked.track() == 0  # a draft changes nothing
        assert _fresh_check(tracked) == "deny"
        file = read_ruleset_file(edition)
        publication = Publication(version="2026.1", digest=file.digest, drafted_by="测试起草人（测试处）",
                                  approved_by="测试批准人（测试办）", approved_on=date(2025, 12, 1),
                                  adopted_by=AdoptingDocument(doc_no="测试〔2025〕2号", date=date(2025, 11, 30)))
        assert publish(tracked.runtime.publications, file, publication, terminal_operator(),
                       write_record=source == "publish") is not None
        assert tracked.track() == 1
        data = tracked.runtime.outbox.of_subscription(sub["subscription_id"])[0]["body"]["data"]
        tracked.client.app.state.editions.follow()  # the worker's look for publications, now instead of within 5 s
        assert _fresh_check(tracked) == data["after"]["outcome"] == "allow"  # checks agree with the notification
        assert data["cause"]["kind"] == "ruleset"
        assert {"id": "cn-basic-list", "version": "2026.1"} in data["cause"]["rulesets"]
        assert "gp-supplier-disqualified" in [m["measure_id"] for m in data["measures_removed"]]
        assert tracked.track() == 0  # seen once
        tracked.dispatch()
        assert [body["data"]["subscription_id"] for body in tracked.receiver.wait_for(1)] == [sub["subscription_id"]]
