"""Each subscriber's webhook signing secrets (Standard Webhooks ``whsec_…``), one API key one subscriber.

Rotation adds a new secret and lets the old ones sign on for a grace period: meanwhile every webhook
carries one signature per live secret (``webhook-signature: v1,… v1,…``), so a receiver verifies with
either while it switches over.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid

from sqlalchemy import Engine, insert, or_, select, update

from jrp.adapters.tracking.tables import webhook_secrets_t


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class SecretStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def live(self, owner_key_id: str) -> list[str]:
        """The secrets a webhook of ``owner_key_id`` is signed with now, newest first."""
        now = time.time()
        query = (select(webhook_secrets_t.c.secret).where(webhook_secrets_t.c.owner_key_id == owner_key_id,
                                                         or_(webhook_secrets_t.c.expires_at.is_(None),
                                                             webhook_secrets_t.c.expires_at > now))
                 .order_by(webhook_secrets_t.c.created_at.desc()))
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def ensure(self, owner_key_id: str) -> str | None:
        """A new secret if the subscriber has none live (returned once, to be shown once), else None."""
        if self.live(owner_key_id):
            return None
        return self._add(owner_key_id)

    def rotate(self, owner_key_id: str, grace_seconds: float) -> str:
        """A new secret; the live ones keep signing for ``grace_seconds`` more."""
        now = time.time()
        with self.engine.begin() as connection:
            connection.execute(update(webhook_secrets_t)
                               .where(webhook_secrets_t.c.owner_key_id == owner_key_id,
                                      or_(webhook_secrets_t.c.expires_at.is_(None),
                                          webhook_secrets_t.c.expires_at > now + grace_seconds))
                               .values(expires_at=now + grace_seconds))
        return self._add(owner_key_id)

    def _add(self, owner_key_id: str) -> str:
        secret = new_secret()
        with self.engine.begin() as connection:
            connection.execute(insert(webhook_secrets_t).values(secret_id=uuid.uuid4().hex, owner_key_id=owner_key_id,
                                                                secret=secret, created_at=time.time()))
        return secret
