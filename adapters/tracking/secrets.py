"""Each subscriber's webhook signing secrets (Standard Webhooks ``whsec_…``), one API key one subscriber.

Rotation adds a new secret and lets the old ones sign on for a grace period: meanwhile every webhook
carries one signature per live secret (``webhook-signature: v1,… v1,…``), so a receiver verifies with
either while it switches over.

A secret is stored sealed (``sealed:`` and base64 of AES-256-GCM nonce and ciphertext), by the key that
wraps the decision log's monthly personal-data keys (``PersonalDataKey.wrap``, its master secret kept
outside the database), bound to its row: associated data ``webhook-secret:<secret_id>``, which no month
(``YYYY-MM``) can equal. A copy of the database alone signs nothing. A secret stored in clear before
secrets were sealed is sealed in place by ``seal_clear`` (run by ``Runtime.migrate``), and read meanwhile
(PostgreSQL: the old row's bytes go at the next vacuum; ``VACUUM FULL webhook_secrets`` at once).
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid

from sqlalchemy import Engine, insert, or_, select, update

from jrp.adapters.facts.erasure import rewrite_files
from jrp.adapters.log.crypto.personal_data import PersonalDataKey
from jrp.adapters.tracking.tables import webhook_secrets_t

SEALED = "sealed:"
CLEAR = "whsec_"


def new_secret() -> str:
    return CLEAR + base64.b64encode(secrets.token_bytes(32)).decode()


class SecretStore:
    def __init__(self, engine: Engine, key: PersonalDataKey):
        self.engine = engine
        self.key = key

    def live(self, owner_key_id: str) -> list[str]:
        """The secrets a webhook of ``owner_key_id`` is signed with now, newest first."""
        now = time.time()
        query = (select(webhook_secrets_t.c.secret_id, webhook_secrets_t.c.secret)
                 .where(webhook_secrets_t.c.owner_key_id == owner_key_id,
                        or_(webhook_secrets_t.c.expires_at.is_(None), webhook_secrets_t.c.expires_at > now))
                 .order_by(webhook_secrets_t.c.created_at.desc()))
        with self.engine.connect() as connection:
            return [self._open(secret_id, stored) for secret_id, stored in connection.execute(query)]

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

    def seal_clear(self) -> int:
        """Seal every secret still stored in clear; how many were. SQLite's files are rewritten after, as an
        erasure rewrites them (``jrp.adapters.facts.erasure.rewrite_files``): no byte of a clear secret stays."""
        with self.engine.begin() as connection:
            clear = connection.execute(select(webhook_secrets_t.c.secret_id, webhook_secrets_t.c.secret)
                                       .where(webhook_secrets_t.c.secret.like(CLEAR + "%"))).all()
            for secret_id, secret in clear:
                connection.execute(update(webhook_secrets_t).where(webhook_secrets_t.c.secret_id == secret_id)
                                   .values(secret=self._seal(secret_id, secret)))
        if clear:
            rewrite_files(self.engine)
        return len(clear)

    def _add(self, owner_key_id: str) -> str:
        secret, secret_id = new_secret(), uuid.uuid4().hex
        with self.engine.begin() as connection:
            connection.execute(insert(webhook_secrets_t).values(secret_id=secret_id, owner_key_id=owner_key_id,
                                                                secret=self._seal(secret_id, secret),
                                                                created_at=time.time()))
        return secret

    def _seal(self, secret_id: str, secret: str) -> str:
        return SEALED + base64.b64encode(self.key.wrap(secret.encode(), _bound_to(secret_id))).decode()

    def _open(self, secret_id: str, stored: str) -> str:
        if not stored.startswith(SEALED):
            return stored  # in clear until ``seal_clear`` runs
        return self.key.unwrap(base64.b64decode(stored[len(SEALED):]), _bound_to(secret_id)).decode()


def _bound_to(secret_id: str) -> str:
    return f"webhook-secret:{secret_id}"
