"""Webhook secrets at rest: sealed in the store (neither the secret nor its key bytes are in any stored byte),
still signing webhooks a receiver verifies, through a rotation too; a secret stored in clear is sealed by
the next migration and signs on unchanged."""

from __future__ import annotations

import base64
import time
import uuid
from pathlib import Path

from sqlalchemy import insert, select

from jrp.adapters.tracking.tables import webhook_secrets_t
from jrp.adapters.facts.demo import make_uscc
from jrp.demo_vocabulary import vocabulary_of
from tests.tracking.conftest import CLEAN, Tracked
from tests.tracking.events import listing


def _stored(tracked: Tracked) -> list[bytes]:
    """Every byte the store keeps of the secrets: the rows and, on SQLite, the database files themselves."""
    with tracked.runtime.engine.connect() as connection:
        rows = [row.encode() for row in connection.execute(select(webhook_secrets_t.c.secret)).scalars()]
    url = tracked.runtime.engine.url
    if url.get_backend_name() == "sqlite":
        files = [Path(url.database), Path(f"{url.database}-wal")]
        rows += [file.read_bytes() for file in files if file.exists()]
    return rows


def _absent(secret: str, stored: list[bytes]) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    return not any(secret.encode() in blob or key in blob or secret.removeprefix("whsec_").encode() in blob
                   for blob in stored)


def _notified(tracked: Tracked, key: str) -> None:
    tracked.send(listing(vocabulary_of(tracked.runtime.library), CLEAN, key, tracked.clock.day))
    assert tracked.track() == 1
    tracked.dispatch()


def test_secrets_are_sealed_and_sign_through_a_rotation(tracked: Tracked) -> None:
    tracked.subscribe()
    first = tracked.receiver.secret
    assert first is not None and _absent(first, _stored(tracked))
    tracked.track()
    _notified(tracked, "sealed-1")
    assert len(tracked.receiver.accepted) == 1 and not tracked.receiver.refused  # signed with the sealed secret
    rotated = tracked.client.post("/v1/subscriptions/secret", headers=tracked.headers()).json()["webhook_secret"]
    assert _absent(rotated, _stored(tracked)) and _absent(first, _stored(tracked))
    tracked.receiver.secret = rotated  # a receiver already switched over verifies the next one
    other = make_uscc("320600", "TRK90001")
    tracked.subscribe(other)
    tracked.track()
    tracked.send(listing(vocabulary_of(tracked.runtime.library), other, "sealed-2", tracked.clock.day))
    assert tracked.track() == 1
    tracked.dispatch()
    assert len(tracked.receiver.accepted) == 2 and not tracked.receiver.refused
    owner = tracked.runtime.keys.authenticate(tracked.keys["checker"]).key_id
    assert tracked.runtime.webhook_secrets.live(owner) == [rotated, first]  # both sign until the grace ends


def test_a_secret_stored_in_clear_is_sealed_by_the_migration(tracked: Tracked) -> None:
    owner = tracked.runtime.keys.authenticate(tracked.keys["checker"]).key_id
    clear = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
    with tracked.runtime.engine.begin() as connection:  # as the store kept them before secrets were sealed
        connection.execute(insert(webhook_secrets_t).values(secret_id=uuid.uuid4().hex, owner_key_id=owner,
                                                            secret=clear, created_at=time.time()))
    assert tracked.runtime.webhook_secrets.live(owner) == [clear]  # read meanwhile
    tracked.runtime.migrate()
    assert _absent(clear, _stored(tracked))
    assert tracked.runtime.webhook_secrets.live(owner) == [clear]
    tracked.receiver.secret = clear
    tracked.subscribe()  # no new secret: the migrated one is live
    tracked.track()
    _notified(tracked, "sealed-clear")
    assert len(tracked.receiver.accepted) == 1 and not tracked.receiver.refused
