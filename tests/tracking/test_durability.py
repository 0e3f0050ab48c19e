"""Never lost, never sent twice at once: a dispatcher killed with SIGKILL mid-stream loses no notification (its
claims lapse and another process sends them, with the same ids), and two processes on one store share the
tracking and the sending without a double notification or a double send."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from jrp.adapters.facts.demo import make_uscc
from jrp.demo_vocabulary import vocabulary_of
from tests.tracking.conftest import CLEAN, Tracked
from tests.tracking.events import listing

WATCHERS = 40


def _watchers(tracked: Tracked, count: int = WATCHERS) -> list[str]:
    """``count`` subscriptions (one contract each) on the clean supplier, its listing not yet sent."""
    items = [{"subject": {"id": CLEAN}, "scenario": "government_procurement", "role": "supplier",
              "jurisdiction": "CN-JS-NT", "purpose": "合同履约跟踪", "reference": f"NT-C-{i}",
              "delivery": {"webhook_url": tracked.receiver.url}} for i in range(count)]
    created = tracked.client.post("/v1/subscriptions", json={"subscriptions": items}, headers=tracked.headers()).json()
    tracked.receiver.secret = created["webhook_secret"]
    return [item["subscription_id"] for item in created["items"]]


def _host(tracked: Tracked, folder: Path, **extra: str) -> subprocess.Popen:
    """A process of the service running tracking alone (`jrp subscriptions run`) on the same store."""
    settings = tracked.runtime.settings
    env = {**os.environ, "DATABASE_URL": settings.resolved_database_url(), "JRP_DATA_DIR": str(settings.data_dir),
           "JRP_WEBHOOK_ALLOWED_NETWORKS": json.dumps(settings.webhook_allowed_networks),
           "JRP_WEBHOOK_TIMEOUT": "2", "JRP_DELIVERY_CONCURRENCY": "4", "JRP_TRACKING_INTERVAL": "0.1", **extra}
    return subprocess.Popen([str(Path(sys.executable).parent / "jrp"), "subscriptions", "run"], env=env, cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _notification_ids(tracked: Tracked, subscriptions: list[str]) -> set[str]:
    return {n["notification_id"] for s in subscriptions for n in tracked.notifications(s)}


def test_a_dispatcher_killed_mid_stream_loses_nothing(tracked: Tracked, tmp_path: Path) -> None:
    subscriptions = _watchers(tracked)
    tracked.track()
    tracked.send(listing(vocabulary_of(tracked.runtime.library), CLEAN, "kill-listing", tracked.clock.day))
    assert tracked.track() == WATCHERS
    written = _notification_ids(tracked, subscriptions)
    tracked.receiver.delay = 0.1
    host = _host(tracked, tmp_path)
    try:
        tracked.receiver.wait_for(5, timeout=30)
    finally:
        os.kill(host.pid, signal.SIGKILL)
        host.wait()
    assert len(tracked.receiver.accepted) < WATCHERS, "killed too late to prove anything"
    tracked.receiver.delay = 0
    deadline = time.monotonic() + 30

    def states() -> set[str]:
        return {d["state"] for s in subscriptions for n in tracked.notifications(s) for d in n["deliveries"]}

    while states() != {"delivered"}:  # the killed process's claims lapse, then go again
        assert time.monotonic() < deadline, f"{len(tracked.receiver.accepted)} of {WATCHERS} after the kill"
        tracked.dispatch()
        time.sleep(0.2)
    assert set(tracked.receiver.ids()) == written  # every one, each once; a re-send came with the same id
    # each attempt delivered once, or again with the same id, or cut off by the kill; none forged or garbled
    assert tracked.receiver.attempts == WATCHERS + tracked.receiver.duplicates + tracked.receiver.truncated
    assert tracked.receiver.refused == []


def test_two_hosts_share_tracking_and_dispatch_without_doubles(tracked: Tracked, tmp_path: Path) -> None:
    subscriptions = _watchers(tracked)
    tracked.track()  # the events' position is kept before the hosts start
    hosts = [_host(tracked, tmp_path) for _ in range(2)]
    try:
        time.sleep(1.5)  # both running, one holds the tracker's lease
        tracked.send(listing(vocabulary_of(tracked.runtime.library), CLEAN, "two-hosts", tracked.clock.day))
        tracked.receiver.wait_for(WATCHERS, timeout=60)
        time.sleep(1.0)  # time for a double to show up
    finally:
        for host in hosts:
            host.send_signal(signal.SIGINT)
        for host in hosts:
            try:
                host.wait(timeout=15)
            except subprocess.TimeoutExpired:
                host.kill()
    assert len(_notification_ids(tracked, subscriptions)) == WATCHERS  # one notification per subscription
    assert tracked.receiver.attempts == WATCHERS and tracked.receiver.duplicates == 0  # each sent once


def test_a_tracker_killed_mid_stream_writes_every_notification_once(tracked: Tracked, tmp_path: Path) -> None:
    """SIGKILL while the tracker works through an import: what it committed stays, the rest is done by the next
    tracker from the committed position — one notification per changed subscription, none twice."""
    vocabulary = vocabulary_of(tracked.runtime.library)
    subjects = [make_uscc("320600", f"KTL{i:05d}") for i in range(300)]
    items = [{"subject": {"id": s}, "scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT",
              "purpose": "合同履约跟踪", "delivery": {"webhook_url": tracked.receiver.url}} for s in subjects]
    created = tracked.client.post("/v1/subscriptions", json={"subscriptions": items}, headers=tracked.headers()).json()
    subscriptions = [item["subscription_id"] for item in created["items"]]
    tracked.track()
    host = _host(tracked, tmp_path, JRP_TRACKING_BATCH="5")  # five events and their work per transaction
    try:
        time.sleep(1.5)  # it holds the tracker's lease
        tracked.send(*[listing(vocabulary, s, f"kill-{s}", tracked.clock.day) for s in subjects])
        deadline = time.monotonic() + 30
        while not 0 < _written(tracked) < len(subjects):
            assert time.monotonic() < deadline and _written(tracked) < len(subjects), "killed too late"
            time.sleep(0.01)
    finally:
        os.kill(host.pid, signal.SIGKILL)
        host.wait()
    deadline = time.monotonic() + 30
    successor = tracked.runtime.tracker_loop()
    while _written(tracked) < len(subjects):  # this process takes the lease once the killed one's lapses
        assert time.monotonic() < deadline
        successor.step()
        time.sleep(0.5)
    successor.step()  # and finds nothing more to write
    assert sorted(n["subscription_id"] for s in subscriptions for n in tracked.notifications(s)) == sorted(subscriptions)


def _written(tracked: Tracked) -> int:
    with tracked.runtime.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM notifications")).scalar_one()
