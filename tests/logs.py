"""A decision log over a real store for tests that drive the log without the API, and its verification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jrp.adapters.log.audit_keys import AuditKeys, load_or_create
from jrp.adapters.log.entries import DecisionLogStore
from jrp.adapters.log.tree import LogTree
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
