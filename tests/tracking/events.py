"""Events the tracking tests send (the format of adapters/facts/EVENTS.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from jrp.demo_vocabulary import DemoVocabulary

COURT = {"authority": "南通市中级人民法院", "doc_no": "（2026）苏06执77号"}


def listing(vocabulary: DemoVocabulary, subject: str, key: str, on: date, **fields: Any) -> dict[str, Any]:
    """A serious list entry of ``subject`` (the demo's dishonest judgment debtors' list) from ``on``."""
    list_id = vocabulary.list_ids["serious"][0]
    ground = vocabulary.grounds.get(list_id)
    return {"type": "list_entry_added", "idempotency_key": key, "subject": {"id": subject}, "occurred_on": on.isoformat(),
            "source": COURT, "record_id": key, "list_id": list_id, "severity": "serious", "region": "CN-JS",
            **({"ground": ground[0]} if ground else {}), **fields}


def status(kind: str, subject: str, record: str, key: str, on: date, **fields: Any) -> dict[str, Any]:
    """A status event (``list_entry_removed``, ``repair_completed``, ``objection_filed``…) on ``record``."""
    return {"type": kind, "idempotency_key": key, "subject": {"id": subject}, "record_id": record,
            "occurred_on": on.isoformat(), "source": COURT, **fields}
