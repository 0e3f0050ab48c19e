"""Small builders of native events for the adapter tests (invented subjects, valid codes)."""

from __future__ import annotations

from datetime import date
from typing import Any

from jrp.adapters.facts.demo import make_resident_id, make_uscc

ORG = make_uscc("320500", "TEAM0001")
ORG2 = make_uscc("320600", "TEAM0002")
PERSON = make_resident_id("320500", date(1980, 5, 17), 123)
MINOR = make_resident_id("320500", date(2010, 2, 1), 456)  # under 18 until 2028-02-01
SOURCE = {"authority": "苏州市市场监督管理局", "doc_no": "苏市监〔2025〕1号"}


def event(kind: str, key: str, subject: str, on: str = "2025-01-10", **fields: Any) -> dict[str, Any]:
    return {"type": kind, "idempotency_key": key, "subject": {"id": subject}, "occurred_on": on,
            "source": SOURCE, **fields}


def listing(key: str, subject: str = ORG, list_id: str = "dishonest-judgment-debtors", **fields: Any) -> dict[str, Any]:
    return event("list_entry_added", key, subject, **{"list_id": list_id, "severity": "serious", **fields})


def penalty(key: str, subject: str = ORG, **fields: Any) -> dict[str, Any]:
    return event("penalty_issued", key, subject, **{"domain": "market", "severity": "general", "amount": 5000, **fields})


def relation(key: str, person: str = PERSON, organisation: str = ORG, role: str = "legal_representative",
             **fields: Any) -> dict[str, Any]:
    return event("relation_set", key, person, organisation={"id": organisation}, role=role, **fields)
