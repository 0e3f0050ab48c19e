"""Bundles of rules by content: each bundle that served a decision, stored under its hash when first used.

The content is ``Bundle.content()``: the parsed form (canonical JSON) of every ruleset
version in the bundle and of every instrument they cite — what the bundle hash covers,
so verification re-hashes it. The parsed form rather than the YAML text: comments and
layout never decide a case, and a stored bundle is re-parsed with the schema of the day
(fields added since take their defaults) for a replay.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from sqlalchemy import Column, DateTime, Engine, MetaData, String, Table, Text, select

from jrp.rulesets.bundle import Bundle, RulesetRef
from jrp.rulesets.published import Published

metadata = MetaData()
bundles_t = Table(
    "bundles", metadata,
    Column("hash", String(64), primary_key=True),
    Column("jurisdiction", String(32), nullable=False),
    Column("content", Text, nullable=False),
    Column("first_used_at", DateTime(timezone=True), nullable=False),
)

INSERT = "INSERT INTO bundles (hash, jurisdiction, content, first_used_at) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING"


class StoredBundleMismatch(Exception):
    """A stored bundle no longer hashes to the hash it is stored under: the stored rules were changed."""


class BundleStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def load(self, bundle_hash: str) -> Bundle | None:
        """The stored bundle, re-hashed: raises ``StoredBundleMismatch`` if its content was edited."""
        with self.engine.connect() as connection:
            content = connection.execute(select(bundles_t.c.content).where(bundles_t.c.hash == bundle_hash)).scalar()
        if content is None:
            return None
        data = content.encode()
        if hashlib.sha256(data).hexdigest() != bundle_hash:
            raise StoredBundleMismatch(f"stored bundle {bundle_hash[:12]}… does not hash to its content: "
                                       "the stored rules were changed; verify the log")
        return Bundle.from_content(data)

    def contents(self, hashes: Iterable[str]) -> dict[str, str]:
        """Stored contents by hash (those that exist), not re-hashed."""
        wanted = sorted(set(hashes))
        with self.engine.connect() as connection:
            return {row.hash: row.content for row in connection.execute(
                select(bundles_t.c.hash, bundles_t.c.content).where(bundles_t.c.hash.in_(wanted)))}

    def published_versions(self) -> list[Published]:
        """Every ruleset version that served decisions, with the content it had, oldest use first."""
        query = select(bundles_t.c.hash, bundles_t.c.content, bundles_t.c.first_used_at).order_by(
            bundles_t.c.first_used_at)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [Published(RulesetRef(document["ruleset"]["id"], document["ruleset"]["version"]), document,
                                 row.hash, row.first_used_at)
                for row in rows for document in json.loads(row.content)["rulesets"]]
