"""The facts a logged check saw, stored once per distinct content under their SHA-256.

Stored inline, the facts were most of every log entry (~7.5 KB of it on the benchmark
store) although a subject checked again and again has the same facts until its next
event. An entry now keeps ``facts_digest``, which its chain hash covers, and the facts
go to ``fact_snapshots`` under that digest, once; readers get entries with their facts
attached, and ``verify`` re-hashes each snapshot an entry names. Entries written before
(facts inline) are read and verified as they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Column, Connection, MetaData, String, Table, Text, select

from jrp.engine.codec import Snapshot

metadata = MetaData()
snapshots_t = Table(
    "fact_snapshots", metadata,
    Column("digest", String(64), primary_key=True),
    Column("facts", Text, nullable=False),
)

INSERT = "INSERT INTO fact_snapshots (digest, facts) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING"


def split(entry: dict[str, Any]) -> tuple[dict[str, Any], Snapshot | None]:
    """The entry as stored (``facts`` replaced by ``facts_digest``) and the snapshot of its facts.

    ``facts`` may come serialised already (a ``Snapshot``, as the check service sends it)
    or as plain JSON data.
    """
    if "facts" not in entry:
        return entry, None
    facts = entry["facts"]
    snapshot = facts if isinstance(facts, Snapshot) else Snapshot.of(facts)
    if entry.get("facts_digest", snapshot.digest) != snapshot.digest:
        raise ValueError(f"facts_digest {entry['facts_digest']} is not the digest of the entry's facts")
    stored = {name: value for name, value in entry.items() if name != "facts"}
    stored["facts_digest"] = snapshot.digest
    return stored, snapshot


def named(entries: Iterable[dict[str, Any]]) -> set[str]:
    """The digests of the snapshots that entries without inline facts refer to."""
    return {entry["facts_digest"] for entry in entries if _by_snapshot(entry)}


def _by_snapshot(entry: Mapping[str, Any]) -> bool:
    """Whether the entry's facts are a stored snapshot (not inline, not named by reference to the events)."""
    return "facts" not in entry and "facts_ref" not in entry and bool(entry.get("facts_digest"))


def load(connection: Connection, digests: Iterable[str]) -> dict[str, str]:
    """Snapshot texts by digest (those that exist)."""
    wanted = sorted(set(digests))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 1000):
        query = select(snapshots_t).where(snapshots_t.c.digest.in_(wanted[start:start + 1000]))
        found.update({row.digest: row.facts for row in connection.execute(query)})
    return found


class SnapshotMismatch(Exception):
    """A decision's facts snapshot is missing or does not hash to the digest its entry keeps."""


def attach(connection: Connection, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entries`` with the facts each one saw (from its snapshot, unless stored inline).

    Each snapshot is re-hashed as it is read: facts edited in the table are never served
    (to a replay, an auditor, an impact preview) as those the decision saw.
    """
    texts = load(connection, named(entries))
    for entry in entries:
        problem = broken(entry, texts)
        if problem:
            raise SnapshotMismatch(f"decision {entry.get('decision_id')}: {problem}; verify the log")
        if _by_snapshot(entry) and entry["facts_digest"] in texts:
            entry["facts"] = json.loads(texts[entry["facts_digest"]])
    return entries


def broken(entry: Mapping[str, Any], texts: Mapping[str, str]) -> str:
    """Why the snapshot an entry refers to does not hold its facts, or ""."""
    if not _by_snapshot(entry):
        return ""
    text = texts.get(entry["facts_digest"])
    if text is None:
        return f"facts snapshot {entry['facts_digest'][:12]}… is missing"
    if hashlib.sha256(text.encode()).hexdigest() != entry["facts_digest"]:
        return f"facts snapshot {entry['facts_digest'][:12]}… does not match its digest: the facts were edited"
    return ""
