"""A decision log over a real store for tests that drive the log without the API, and its verification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from jrp.adapters.facts.orm import EventRow
from jrp.adapters.log.audit_keys import AuditKeys, load_or_create
from jrp.adapters.log.crypto import merkle
from jrp.adapters.log.entries import DecisionLogStore, decisions_t
from jrp.adapters.log.tree import LogTree, head_t, nodes_t
from jrp.adapters.log.verify import Verification, verify_log
from jrp.adapters.store.database import make_engine, upgrade_database
from jrp.engine.codec import Snapshot

RULES = Snapshot.of({"jurisdiction": "CN", "rulesets": [], "instruments": []})


def entry(decision_id: str, subject_id: str = "91320508MA1X000178", **fields: Any) -> dict[str, Any]:
    """A minimal log entry (its bundle of rules included) as ``jrp.service.log_entry`` makes them."""
    return {"decision_id": decision_id, "batch_id": None, "created_at": datetime.now(UTC).isoformat(),
            "caller": {"key_id": "k", "name": "t", "department": ""}, "purpose": "test", "reference": "",
            "request": {"subject": {"id": subject_id, "type": None, "name": ""}, "scenario": "government_procurement",
                        "jurisdiction": "CN", "as_of": "2025-06-01"},
            "bundle": {"jurisdiction": "CN", "hash": RULES.digest, "rulesets": []}, "bundle_document": RULES,
            "result": {"outcome": "allow"}, **fields}


@dataclass
class Log:
    store: DecisionLogStore
    tree: LogTree
    keys: AuditKeys

    def integrate(self) -> None:
        """Everything pending into the tree, and a checkpoint signed."""
        self.tree.integrate_all(self.keys.signing)

    def verify(self) -> Verification:
        return verify_log(self.store.engine, self.tree, {self.keys.signing.key_id: self.keys.signing.public})


def open_log(url: str, keys_dir: Path) -> Log:
    upgrade_database(url)
    keys = load_or_create(keys_dir / "signing.pem", keys_dir / "personal-data.key")
    store = DecisionLogStore(make_engine(url), keys.signing, keys.personal)
    return Log(store, LogTree(store.engine, "test log", store.appender_lock), keys)


def rebuild_tree(connection: Connection) -> None:
    """What an insider does after editing entries: recompute every leaf (decisions' and events'), node and the head."""
    leaves = [(table.c.leaf_index, table.c.entry) for table in (decisions_t, EventRow.__table__)]
    entries = [entry for _, entry in sorted(row for index, entry in leaves for row in connection.execute(
        select(index, entry).where(index.is_not(None))).all())]
    frontier, nodes = merkle.Frontier.empty(), []
    for entry in entries:
        nodes += frontier.add(merkle.leaf_hash(entry.encode()))
    connection.execute(delete(nodes_t))
    if nodes:
        connection.execute(insert(nodes_t), [{"level": lv, "idx": i, "hash": h} for (lv, i), h in nodes])
    connection.execute(update(head_t).values(tree_size=frontier.size, root=frontier.root()))
