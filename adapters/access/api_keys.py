"""API keys: created with a role, scopes and an optional expiry, stored as SHA-256 hashes, shown in plaintext once.

Without a change feed every authentication reads the key's row (one indexed query in
plain DBAPI, ~20 µs on SQLite, ~215 µs on PostgreSQL). A server's workers follow the
store's change feed (:meth:`KeyStore.follow`): a key is read once, then answered from
memory; after every poll of the feed that may have seen a change, the keys held are read
again in one query, so a revocation in any process refuses the key in every worker within
the feed's bound (``feed_interval`` + one poll; at once in the revoking process). Expiry
needs no feed: the expiry time is compared with the clock on every request. A key sent
for the first time (just created) is read from the store, so it works at once.

The time a key was last used is kept to the minute: a worker writes it at most once a
minute per key, from a background thread, so authentication never waits for a write.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Engine, MetaData, String, Table, insert, select, update

from jrp.access import ApiKey, IngestScope, Role
from jrp.adapters.facts.change_feed import ChangeFeed
from jrp.adapters.store.dbapi import Driver

metadata = MetaData()
api_keys_t = Table(
    "api_keys", metadata,
    Column("key_id", String(32), primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("scenarios", JSON, nullable=False),
    Column("jurisdictions", JSON, nullable=False),
    Column("department", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
    Column("ingest_scope", JSON),  # {"authorities", "lists", "regions"}; NULL: any authority (IngestScope)
)

PREFIX = "jrp_"
LAST_USE_RESOLUTION = timedelta(minutes=1)
_COLUMNS = ('SELECT key_id, key_hash, name, role, scenarios, jurisdictions, department, created_at, expires_at, '
            'revoked_at, last_used_at, ingest_scope FROM api_keys ')
_BY_HASH = _COLUMNS + 'WHERE key_hash = ?'
_BY_HASHES = _COLUMNS + 'WHERE key_hash IN ({})'


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8", "surrogatepass")).hexdigest()


class KeyRefused(Exception):
    """The key is unknown, revoked or expired; the message says which (the caller holds the key already)."""


@dataclass(frozen=True)
class NewKey:
    """A freshly created key: ``plaintext`` exists only here and is never stored."""

    key: ApiKey
    plaintext: str


@dataclass(frozen=True)
class KeyInfo:
    """What ``jrp keys list`` shows of a stored key (never its hash)."""

    key: ApiKey
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at is not None and self.expires_at <= now else "active"


class KeyStore:
    """The ``api_keys`` table."""

    def __init__(self, engine: Engine, clock: Any = None):
        self.engine = engine
        self.driver = Driver(engine)
        self._now = clock or (lambda: datetime.now(UTC))
        self._last_use_written: dict[str, datetime] = {}
        self._writer: ThreadPoolExecutor | None = None
        self._feed: ChangeFeed | None = None
        self._held: dict[str, KeyInfo] = {}  # by key hash, while following a feed
        self._unconfirmed = False  # a key was read outside a poll: the next poll reads the held keys again

    def follow(self, feed: ChangeFeed) -> None:
        """Answer from memory the keys already read, kept current by ``feed`` (see the module docstring)."""
        self._feed = feed
        feed.on_poll(self.refresh)

    def refresh(self, store_changed: bool) -> None:
        """Read the held keys again if the store may have changed since (called by the feed after each poll)."""
        unconfirmed, self._unconfirmed = self._unconfirmed, False
        if not (store_changed or unconfirmed) or not self._held:
            return
        digests = list(self._held)
        rows = self.driver.read(lambda connection: self.driver.rows_in(connection, _BY_HASHES, digests))
        self._held = {row["key_hash"]: _info_of(row) for row in rows}

    def create_key(self, name: str, role: Role | str, scenarios: Sequence[str] = (),
                   jurisdictions: Sequence[str] = (), department: str = "",
                   expires_at: datetime | None = None, ingest_scope: IngestScope | None = None) -> NewKey:
        """Store a new key and return it with its plaintext (to be shown once)."""
        key = ApiKey(secrets.token_hex(8), name, Role(role), tuple(scenarios), tuple(jurisdictions), department,
                     ingest_scope)
        plaintext = PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(insert(api_keys_t).values(
                key_id=key.key_id, key_hash=hash_key(plaintext), name=name, role=key.role.value,
                scenarios=list(key.scenarios), jurisdictions=list(key.jurisdictions), department=department,
                created_at=self._now(), expires_at=expires_at, ingest_scope=_scope_json(ingest_scope)))
        return NewKey(key, plaintext)

    def authenticate(self, plaintext: str) -> ApiKey:
        """The key whose hash matches ``plaintext``; :class:`KeyRefused` if unknown, revoked or expired."""
        digest = hash_key(plaintext)
        info = self._held.get(digest) if self._feed is not None and self._feed.running() else None
        if info is None:
            rows = self.driver.read(lambda connection: self._row(connection, digest))
            if not rows:
                raise KeyRefused("unknown API key")
            info = _info_of(rows[0])
            if self._feed is not None:
                self._held[digest] = info
                self._unconfirmed = True  # after the key is held: the next poll reads it again
        now = self._now()
        state = info.state(now)
        if state == "revoked":
            raise KeyRefused(f"this API key was revoked on {info.revoked_at:%Y-%m-%d %H:%M} UTC; ask for a new one")
        if state == "expired":
            raise KeyRefused(f"this API key expired on {info.expires_at:%Y-%m-%d %H:%M} UTC; ask for a new one")
        self._note_use(info, now)
        return info.key

    def _row(self, connection: Any, digest: str) -> list[dict[str, Any]]:
        """The key's row in one round trip: on PostgreSQL outside a transaction (no BEGIN, nothing to roll back)."""
        if not self.driver.postgres:
            return self.driver.rows(connection, _BY_HASH, (digest,))
        connection.autocommit = True
        try:
            return self.driver.rows(connection, _BY_HASH, (digest,))
        finally:
            connection.autocommit = False

    def get(self, key_id: str) -> ApiKey | None:
        """The active key with id ``key_id`` (a console session names its key by id), or None."""
        info = self._info(key_id)
        return info.key if info is not None and info.state(self._now()) == "active" else None

    def list_keys(self) -> list[KeyInfo]:
        """Every key, oldest first, revoked and expired ones included."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(api_keys_t).order_by(api_keys_t.c.created_at)).mappings().all()
        return [_info_of(row) for row in rows]

    def revoke(self, key_id: str) -> KeyInfo:
        """Revoke the key at once (its next request is refused in every worker); revoking twice keeps the first date."""
        with self.engine.begin() as connection:
            connection.execute(update(api_keys_t).where(api_keys_t.c.key_id == key_id,
                                                        api_keys_t.c.revoked_at.is_(None)).values(revoked_at=self._now()))
        self._held = {digest: held for digest, held in self._held.items() if held.key.key_id != key_id}
        info = self._info(key_id)
        if info is None:
            raise KeyError(f"no key {key_id!r}; `jrp keys list` shows them")
        return info

    def close(self) -> None:
        """Finish the pending last-use writes."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    def _info(self, key_id: str) -> KeyInfo | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(api_keys_t).where(api_keys_t.c.key_id == key_id)).mappings().first()
        return None if row is None else _info_of(row)

    def _note_use(self, info: KeyInfo, now: datetime) -> None:
        key_id = info.key.key_id
        last = max(filter(None, (info.last_used_at, self._last_use_written.get(key_id))), default=None)
        if last is not None and now - last < LAST_USE_RESOLUTION:
            return
        self._last_use_written[key_id] = now
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jrp-key-use")
        self._writer.submit(self._write_use, key_id, now)

    def _write_use(self, key_id: str, now: datetime) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(api_keys_t).where(api_keys_t.c.key_id == key_id).values(last_used_at=now))


def demo_key(store: KeyStore, remembered: Path) -> tuple[str, bool]:
    """The demo's admin key: the one kept in ``remembered`` if it still works, else a new one (the old revoked).

    ``jrp demo`` runs again and again on one store; it must not leave an admin key behind at each run.
    Returns the plaintext and whether it was reused.
    """
    if remembered.exists():
        plaintext = remembered.read_text(encoding="utf-8").strip()
        try:
            store.authenticate(plaintext)
            return plaintext, True
        except KeyRefused:
            pass
    for info in store.list_keys():
        if (info.key.name, info.key.department) == ("demo", "demo") and info.revoked_at is None:
            store.revoke(info.key.key_id)
    plaintext = store.create_key("demo", Role.admin, department="demo").plaintext
    remembered.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(remembered, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(plaintext + "\n")
    return plaintext, False


def _scope_json(scope: IngestScope | None) -> dict[str, list[str]] | None:
    if scope is None:
        return None
    return {"authorities": list(scope.authorities), "lists": list(scope.lists), "regions": list(scope.regions)}


def _scope_of(value: Any) -> IngestScope | None:
    data = _json(value)
    if data is None:
        return None
    return IngestScope(tuple(data.get("authorities", ())), tuple(data.get("lists", ())), tuple(data.get("regions", ())))


def _info_of(row: Any) -> KeyInfo:
    key = ApiKey(row["key_id"], row["name"], Role(row["role"]), tuple(_json(row["scenarios"])),
                 tuple(_json(row["jurisdictions"])), row["department"], _scope_of(row["ingest_scope"]))
    return KeyInfo(key, _utc(row["created_at"]), _utc(row["expires_at"]), _utc(row["revoked_at"]),
                   _utc(row["last_used_at"]))


def _json(value: Any) -> Any:
    """A JSON column as the driver returns it: parsed (psycopg) or text (sqlite3)."""
    return json.loads(value) if isinstance(value, str) else value


def _utc(value: datetime | str | None) -> datetime | None:
    """A timestamp column as aware UTC: sqlite3 returns naive UTC text, SQLAlchemy naive UTC datetimes."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
