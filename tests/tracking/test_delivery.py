"""Delivery: retries with backoff then a dead letter, redelivery with the same id, signatures a receiver
verifies (a forged or replayed webhook fails), one slow receiver delaying no one, and AMQP to RabbitMQ."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aio_pika
import httpx
import orjson
import pytest

from jrp.adapters.tracking.webhooks import signed_headers
from jrp.demo_vocabulary import vocabulary_of
from tests.tracking.conftest import AMQP_URL, CLEAN, Tracked, tracked_app
from tests.tracking.events import listing
from tests.tracking.receiver import running_receiver


def _listed(tracked: Tracked, key: str = "dl-listing") -> dict:
    sub = tracked.subscribe()
    tracked.track()
    tracked.send(listing(vocabulary_of(tracked.runtime.library), CLEAN, key, tracked.clock.day))
    assert tracked.track() == 1
    return sub


def test_a_failing_receiver_gets_retries_then_a_dead_letter_then_redelivery(tracked: Tracked) -> None:
    tracked.receiver.status = 500
    sub = _listed(tracked)
    deadline = time.monotonic() + 15
    while tracked.notifications(sub["subscription_id"])[0]["deliveries"][0]["state"] != "dead":
        assert time.monotonic() < deadline, "never dead-lettered"
        tracked.dispatch()
        time.sleep(0.05)
    delivery = tracked.notifications(sub["subscription_id"])[0]["deliveries"][0]
    assert delivery["attempts"] >= 3 and delivery["last_error"] == "HTTP 500 from the receiver"
    assert tracked.receiver.attempts == delivery["attempts"] and tracked.receiver.accepted == []
    dead = tracked.client.get("/v1/subscriptions/dead-letters", headers=tracked.headers()).json()["items"]
    notification_id = dead[0]["notification_id"]
    assert [n["subscription_id"] for n in dead] == [sub["subscription_id"]]

    tracked.receiver.status = 200  # the receiver is back
    response = tracked.client.post(f"/v1/subscriptions/{sub['subscription_id']}/notifications/{notification_id}/redeliver",
                                   headers=tracked.headers())
    assert response.status_code == 200 and response.json()["deliveries"] == 1
    assert tracked.dispatch() == 1
    assert tracked.receiver.ids() == [notification_id]
    assert tracked.client.get("/v1/subscriptions/dead-letters", headers=tracked.headers()).json()["items"] == []
    other = tracked.client.post(f"/v1/subscriptions/{sub['subscription_id']}/notifications/msg_{'0' * 32}/redeliver",
                                headers=tracked.headers())
    assert other.status_code == 404


def test_forged_and_replayed_webhooks_fail_the_receivers_verification(tracked: Tracked) -> None:
    sub = _listed(tracked)
    tracked.dispatch()
    genuine = tracked.notifications(sub["subscription_id"])[0]
    body = orjson.dumps(genuine["body"])
    secret = tracked.receiver.secret
    assert secret is not None
    headers = signed_headers(genuine["notification_id"], body, [secret])
    assert tracked.receiver.verify(body, headers) == genuine["body"]
    forged = body.replace(b'"deny"', b'"allow"')
    assert tracked.receiver.verify(forged, headers) is None  # edited on the way
    stranger = signed_headers(genuine["notification_id"], body, ["whsec_" + "B" * 44])
    assert tracked.receiver.verify(body, stranger) is None  # signed by someone without the secret
    replayed = signed_headers(genuine["notification_id"], body, [secret], datetime.now(UTC) - timedelta(minutes=10))
    assert tracked.receiver.verify(body, replayed) is None  # captured and sent again later
    assert len(tracked.receiver.refused) == 3
    assert httpx.post(tracked.receiver.url, content=forged, headers=headers).status_code == 400


def test_secret_rotation_signs_with_both_until_the_grace_ends(tracked: Tracked) -> None:
    sub = _listed(tracked)
    old = tracked.receiver.secret
    rotated = tracked.client.post("/v1/subscriptions/secret", headers=tracked.headers()).json()
    assert rotated["webhook_secret"] != old and rotated["previous_valid_for"] > 0
    tracked.dispatch()  # signed with both: a receiver still on the old secret verifies it
    assert len(tracked.receiver.accepted) == 1
    tracked.receiver.secret = rotated["webhook_secret"]
    body = orjson.dumps(tracked.notifications(sub["subscription_id"])[0]["body"])
    assert tracked.receiver.verify(body, signed_headers("msg_x", body, tracked.runtime.webhook_secrets.live(
        tracked.runtime.keys.authenticate(tracked.keys["checker"]).key_id)))


def test_one_slow_receiver_never_delays_the_others(tracked: Tracked) -> None:
    vocabulary = vocabulary_of(tracked.runtime.library)
    with running_receiver() as slow:
        slow.delay = 1.5
        slow.secret = None
        fast_sub = tracked.subscribe()
        slow_sub = tracked.subscribe(delivery={"webhook_url": slow.url})
        slow.secret = tracked.receiver.secret
        tracked.track()
        tracked.send(listing(vocabulary, CLEAN, "slow-listing", tracked.clock.day))
        assert tracked.track() == 2
        started = time.monotonic()
        dispatcher = tracked.runtime.dispatcher()
        dispatcher.start()
        try:
            tracked.receiver.wait_for(1, timeout=5)
            assert time.monotonic() - started < 1.0  # not behind the slow one
            slow.wait_for(1, timeout=10)
        finally:
            dispatcher.stop()
    assert fast_sub["subscription_id"] != slow_sub["subscription_id"]


def test_refused_targets_and_scopes(tracked: Tracked) -> None:
    def create(key: str = "checker", **fields: object) -> httpx.Response:
        item = {"subject": {"id": CLEAN}, "scenario": "government_procurement", "role": "supplier",
                "jurisdiction": "CN-JS-NT", "purpose": "p", **fields}
        return tracked.client.post("/v1/subscriptions", json={"subscriptions": [item]}, headers=tracked.headers(key))

    strict = tracked.runtime.outbound.__class__(allowed_hosts=("hooks.example.org",))
    tracked.runtime.__dict__["outbound"] = strict  # an operator who allowed one host and no private network
    try:
        for url in ("http://127.0.0.1:9/x", "http://10.0.0.8/x", "http://169.254.169.254/latest", "ftp://hooks.example.org/",
                    "http://other.example.org/x"):
            response = create(delivery={"webhook_url": url})
            assert response.status_code == 422, (url, response.text)
            assert response.json()["errors"][0]["field"] == "subscriptions.0.delivery.webhook_url", response.text
    finally:
        del tracked.runtime.__dict__["outbound"]
    assert create(jurisdiction="CN-JS-SZ").status_code == 403  # the checker key is for Nantong only
    assert create(scenario="travel", role="consumer").status_code == 403
    assert create("ingester").status_code == 403


def test_amqp_is_a_second_sink_of_the_same_outbox(store_url: str, tmp_path: Path) -> None:
    exchange = f"jrp.test.{tmp_path.name}"
    received: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def bind() -> tuple:
        connection = await aio_pika.connect_robust(AMQP_URL, timeout=3)
        channel = await connection.channel()
        ex = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(ex, "CN-JS-NT.#")
        return connection, queue

    async def drain(queue: aio_pika.abc.AbstractQueue) -> None:
        for _ in range(50):
            message = await queue.get(fail=False)
            if message is not None:
                await message.ack()
                received.append(message)
                return
            await asyncio.sleep(0.1)

    loop = asyncio.new_event_loop()
    try:
        try:
            connection, queue = loop.run_until_complete(bind())
        except Exception as error:  # noqa: BLE001
            pytest.skip(f"RabbitMQ not reachable at {AMQP_URL}: {error}")
        for tracked in tracked_app(store_url, tmp_path, amqp_url=AMQP_URL, amqp_exchange=exchange):
            sub = _listed(tracked, "amqp-listing")
            assert tracked.dispatch() == 2  # the webhook and the exchange
            loop.run_until_complete(drain(queue))
            note = tracked.notifications(sub["subscription_id"])[0]
            assert {d["sink"]: d["state"] for d in note["deliveries"]} == {"webhook": "delivered", "amqp": "delivered"}
            assert received and received[0].message_id == note["notification_id"]
            assert received[0].routing_key == "CN-JS-NT.government_procurement"
            assert orjson.loads(received[0].body) == note["body"] == tracked.receiver.accepted[0]
        loop.run_until_complete(connection.close())
    finally:
        loop.close()
