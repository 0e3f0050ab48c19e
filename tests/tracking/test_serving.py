"""As served: the app's own tracker (under its lease) and dispatcher turn an event into a webhook received,
with nothing driven by hand."""

from __future__ import annotations

import time
from pathlib import Path

from jrp.demo_vocabulary import vocabulary_of
from tests.tracking.conftest import CLEAN, tracked_app
from tests.tracking.events import listing


def test_the_served_app_tracks_and_delivers_by_itself(store_url: str, tmp_path: Path) -> None:
    for tracked in tracked_app(store_url, tmp_path, tracking_interval=0.1):
        tracked.subscribe()
        time.sleep(0.5)  # the tracker has taken its lease and the events' position
        started = time.monotonic()
        tracked.send(listing(vocabulary_of(tracked.runtime.library), CLEAN, "served-listing", tracked.clock.day))
        data = tracked.receiver.wait_for(1, timeout=10)[0]["data"]
        assert time.monotonic() - started < 5
        assert (data["before"]["outcome"], data["after"]["outcome"]) == ("allow", "deny")
        assert data["cause"]["events"][0]["id"] == "served-listing"
