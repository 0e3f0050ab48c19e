"""The console's tracking page: subscriptions by caller, recent notifications, dead letters redelivered."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient

from jrp.demo_vocabulary import vocabulary_of
from tests.console.conftest import CSRF, Console
from tests.tracking.conftest import CLEAN, Tracked
from tests.tracking.events import listing


def test_the_tracking_page_shows_callers_notifications_and_redelivers_dead_letters(tracked: Tracked) -> None:
    tracked.receiver.status = 500
    sub = tracked.subscribe()
    tracked.track()
    tracked.send(listing(vocabulary_of(tracked.runtime.library), CLEAN, "console-listing", tracked.clock.day))
    tracked.track()
    deadline = time.monotonic() + 15
    while tracked.notifications(sub["subscription_id"])[0]["deliveries"][0]["state"] != "dead":
        assert time.monotonic() < deadline
        tracked.dispatch()
        time.sleep(0.05)

    console = Console(tracked, TestClient(tracked.client.app, follow_redirects=False))  # type: ignore[arg-type]
    assert console.sign_in("auditor").status_code == 303
    page = console.get("/console/tracking", lang="en")
    assert page.status_code == 200, page.text
    assert "Subscriptions by caller" in page.text and ">checker <" in page.text.replace("</td>", "<")
    assert "console-listing" in page.text and "dead letter" in page.text and "HTTP 500" in page.text
    assert "跟踪监测与自动提示" in console.get("/console/tracking", lang="zh").text

    tracked.receiver.status = 200
    token = CSRF.search(page.text)
    assert token
    notification_id = re.search(r'name="notification_id" value="([^"]+)"', page.text)
    assert notification_id
    done = console.client.post("/console/tracking/redeliver", data={"csrf": token.group(1),
                                                                  "notification_id": notification_id.group(1)})
    assert done.status_code == 200 and "已重新排队投递" in done.text
    assert tracked.dispatch() == 1 and tracked.receiver.ids() == [notification_id.group(1)]

    checker = Console(tracked, TestClient(tracked.client.app, follow_redirects=False))  # type: ignore[arg-type]
    checker.sign_in("checker")
    assert checker.get("/console/tracking").status_code == 403
