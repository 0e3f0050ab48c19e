"""Ruleset publications in the decision log: each one a leaf of the same Merkle tree as the decisions.

An entry records one publication of one edition (``jrp.rulesets.publications.Publication``:
drafter, approving official, adopting document, content digest), who recorded it and how:

- ``publish``: ``jrp rulesets publish``, which also writes the record beside the edition;
- ``console``: an approver signed in to the console (the log alone holds that record);
- ``on_file``: a record found on file carried onto the log (``jrp rulesets publish --on-file``,
  and ``jrp demo``), such as the migration records of the editions bundled before approvals
  were on record.

A row keeps the entry's canonical JSON, its leaf hash and a receipt signed like a decision's;
the sequencer gives it the next leaf index among the decisions (``jrp.adapters.log.tree``) and
``jrp audit verify`` checks it as it checks them (``jrp.adapters.log.verify``), so a
publication is as hard to forge, edit or delete as a decision. The entry::

    {"kind": "publication", "publication_id": "pub…", "created_at": "…", "source": "publish",
     "ruleset": {"id", "version", "jurisdiction", "effective_from"},
     "publication": {"version", "digest", "drafted_by", "approved_by", "approved_on", "adopted_by", "migration"},
     "recorded_by": {"key_id", "name", "role", "department"}}
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
)
from sqlalchemy.exc import IntegrityError

from jrp.access import ApiKey
from jrp.adapters.log.entries import AppenderLock
from jrp.adapters.log.crypto.merkle import leaf_hash
from jrp.adapters.log.crypto.signing import SigningKey, sign_receipts
from jrp.engine.codec import canonical
from jrp.rulesets.bundle import RulesetRef
from jrp.rulesets.library import RulesetFile
from jrp.rulesets.publications import Publication

KIND = "publication"
SOURCES = ("publish", "console", "on_file")

metadata = MetaData()
publications_t = Table(
    "publications", metadata,
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("publication_id", String(32), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("ruleset_id", String(80), nullable=False),
    Column("version", String(40), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("record_hash", String(64), nullable=False, unique=True),
    Column("entry", Text, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("leaf_index", BigInteger().with_variant(Integer(), "sqlite"), unique=True),
    Column("receipt", Text, nullable=False),
)


def record_hash(ruleset_id: str, publication: Publication) -> str:
    """What makes a record the same record: its ruleset and every field of it (logged once)."""
    data = {"ruleset_id": ruleset_id, **publication.model_dump(mode="json", exclude_none=True)}
    return hashlib.sha256(canonical(data)).hexdigest()


def publication_entry(file: RulesetFile, publication: Publication, recorded_by: ApiKey, source: str) -> dict[str, Any]:
    """The log entry of ``publication`` of ``file``, recorded now by ``recorded_by``."""
    if source not in SOURCES:
        raise ValueError(f"source {source!r}: one of {', '.join(SOURCES)}")
    header = file.ruleset.ruleset
    return {
        "kind": KIND, "publication_id": f"pub{uuid.uuid4().hex[:29]}",
        "created_at": datetime.now(UTC).isoformat(timespec="microseconds"), "source": source,
        "ruleset": {"id": header.id, "version": header.version, "jurisdiction": header.jurisdiction,
                    "effective_from": header.effective_from.isoformat()},
        "publication": publication.model_dump(mode="json", exclude_none=True),
        "recorded_by": {"key_id": recorded_by.key_id, "name": recorded_by.name, "role": recorded_by.role.value,
                        "department": recorded_by.department},
    }


def columns_of(entry: dict[str, Any]) -> dict[str, Any]:
    """The indexed copies of entry fields (verification compares them with the entry)."""
    publication = Publication.model_validate(entry["publication"])
    return {"publication_id": entry["publication_id"], "created_at": datetime.fromisoformat(entry["created_at"]),
            "ruleset_id": entry["ruleset"]["id"], "version": publication.version, "digest": publication.digest,
            "record_hash": record_hash(entry["ruleset"]["id"], publication)}


@dataclass(frozen=True)
class LoggedPublication:
    """A publication as logged: its entry, leaf (None until the sequencer integrates it) and receipt."""

    entry: dict[str, Any]
    entry_hash: str
    leaf_index: int | None
    receipt: dict[str, Any]

    @property
    def ref(self) -> RulesetRef:
        return RulesetRef(self.entry["ruleset"]["id"], self.entry["ruleset"]["version"])

    @property
    def publication(self) -> Publication:
        return Publication.model_validate(self.entry["publication"])


class PublicationLog:
    """The ``publications`` table: appends (signed, under the log's appender lock) and reads."""

    def __init__(self, engine: Engine, signing_key: SigningKey, appender_lock: AppenderLock):
        self.engine = engine
        self.signing_key = signing_key
        self.appender_lock = appender_lock

    def append(self, entry: dict[str, Any]) -> LoggedPublication | None:
        """Log ``entry`` with a signed receipt; None when the same record is logged already."""
        data = canonical(entry)
        leaf = leaf_hash(data)
        [receipt] = sign_receipts(self.signing_key, [(entry["publication_id"], leaf.hex(), entry["created_at"])])
        row = {**columns_of(entry), "entry": data.decode(), "leaf_hash": leaf,
               "receipt": orjson.dumps(receipt).decode()}
        try:
            with self.appender_lock, self.engine.begin() as connection:
                if connection.execute(select(publications_t.c.seq)
                                      .where(publications_t.c.record_hash == row["record_hash"])).first():
                    return None
                connection.execute(publications_t.insert().values(**row))
        except IntegrityError:  # another host logged the same record meanwhile
            return None
        return LoggedPublication(entry, leaf.hex(), None, receipt)


def logged_publications(engine: Engine) -> list[LoggedPublication]:
    """Every logged publication, oldest first."""
    query = select(publications_t.c.entry, publications_t.c.leaf_index, publications_t.c.receipt) \
        .order_by(publications_t.c.seq)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [LoggedPublication(json.loads(row.entry), leaf_hash(row.entry.encode()).hex(), row.leaf_index,
                              json.loads(row.receipt)) for row in rows]


def logged_record_hashes(engine: Engine) -> frozenset[str]:
    """The record hashes already on the log (which records on file still need carrying onto it)."""
    with engine.connect() as connection:
        return frozenset(connection.execute(select(publications_t.c.record_hash)).scalars())


def logged_approvals(engine: Engine) -> frozenset[tuple[RulesetRef, str]]:
    """(edition, digest) of every logged approval; none in a store not yet migrated to hold publications."""
    if not inspect(engine).has_table(publications_t.name):
        return frozenset()
    with engine.connect() as connection:
        rows = connection.execute(select(publications_t.c.ruleset_id, publications_t.c.version,
                                         publications_t.c.digest)).all()
    return frozenset((RulesetRef(row.ruleset_id, row.version), row.digest) for row in rows)
