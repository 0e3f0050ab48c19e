"""API keys: created with a role and scopes, stored as SHA-256 hashes, shown in plaintext once.

Lookups by hash are cached per process for ``ttl`` seconds, so an authenticated request
costs no query on the hot path; a deleted key stops working within that time.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cachetools import TTLCache
from sqlalchemy import JSON, Column, DateTime, Engine, MetaData, RowMapping, String, Table, insert, select

from jrp.access import ApiKey, Role

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
)

PREFIX = "jrp_"


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@dataclass(frozen=True)
class NewKey:
    """A freshly created key: ``plaintext`` exists only here and is never stored."""

    key: ApiKey
    plaintext: str


class KeyStore:
    """The ``api_keys`` table."""

    def __init__(self, engine: Engine, ttl: float = 30.0):
        self.engine = engine
        self._cache: TTLCache[str, ApiKey] = TTLCache(maxsize=10_000, ttl=ttl)

    def create_key(self, name: str, role: Role | str, scenarios: Sequence[str] = (),
                   jurisdictions: Sequence[str] = (), department: str = "") -> NewKey:
        """Store a new key and return it with its plaintext (to be shown once)."""
        key = ApiKey(secrets.token_hex(8), name, Role(role), tuple(scenarios), tuple(jurisdictions), department)
        plaintext = PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as connection:
            connection.execute(insert(api_keys_t).values(
                key_id=key.key_id, key_hash=hash_key(plaintext), name=name, role=key.role.value,
                scenarios=list(key.scenarios), jurisdictions=list(key.jurisdictions), department=department,
                created_at=datetime.now(UTC)))
        return NewKey(key, plaintext)

    def authenticate(self, plaintext: str) -> ApiKey | None:
        """The key whose hash matches ``plaintext``, or None."""
        digest = hash_key(plaintext)
        cached = self._cache.get(digest)
        if cached is not None:
            return cached
        with self.engine.connect() as connection:
            row = connection.execute(select(api_keys_t).where(api_keys_t.c.key_hash == digest)).mappings().first()
        if row is None:
            return None  # not cached: a key created meanwhile by another process must work at once
        key = _key_of(row)
        self._cache[digest] = key
        return key

    def get(self, key_id: str) -> ApiKey | None:
        """The key with id ``key_id`` (a console session names its key by id, never by plaintext), or None."""
        with self.engine.connect() as connection:
            row = connection.execute(select(api_keys_t).where(api_keys_t.c.key_id == key_id)).mappings().first()
        return None if row is None else _key_of(row)


def _key_of(row: RowMapping) -> ApiKey:
    return ApiKey(row["key_id"], row["name"], Role(row["role"]), tuple(row["scenarios"]),
                  tuple(row["jurisdictions"]), row["department"])
