"""Builders shared by the bulk tests: four subjects whose listings change between screenings, and a candidate ruleset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from jrp.adapters.facts.demo import make_uscc
from jrp.adapters.facts.ingest import ingest
from jrp.rulesets.library import BUNDLED_RULESETS

LIFTED, NEWLY_LISTED, STILL_LISTED, CLEAN = (make_uscc("320600", f"CRNT000{n}") for n in range(4))
STRANGER = make_uscc("320500", "NEWER001")  # never sent to the store
SOURCE = {"authority": "南通市中级人民法院", "doc_no": "（2025）苏06执1号"}


def event(kind: str, key: str, subject: str, on: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "idempotency_key": key, "subject": {"id": subject}, "occurred_on": on, "source": SOURCE,
            **fields}


def listing(subject: str) -> dict[str, Any]:
    """``subject`` put on the dishonest judgment debtors' list (barred from procurement)."""
    return event("list_entry_added", f"list-{subject}", subject, "2025-01-10", record_id=f"list-{subject}",
                 list_id="dishonest-judgment-debtors", severity="serious")


def lifting(subject: str) -> dict[str, Any]:
    """``subject``'s listing removed on 2025-03-01."""
    return event("list_entry_removed", f"lift-{subject}", subject, "2025-03-01", record_id=f"list-{subject}")


def add_subjects(engine: Engine) -> None:
    """The four subjects, LIFTED and STILL_LISTED on the list."""
    events = [{**event("subject_registered", f"reg-{s}", s, "2020-01-01"), "subject": {"id": s, "name": "公司"}}
              for s in (LIFTED, NEWLY_LISTED, STILL_LISTED, CLEAN)]
    report = ingest(engine, events + [listing(LIFTED), listing(STILL_LISTED)])
    assert report.rejected == 0


def candidate_file(folder: Path) -> Path:
    """cn-basic-list 2026.1: judgment debtors no longer barred from procurement; major tax violators barred from
    bidding too."""
    data = yaml.safe_load((BUNDLED_RULESETS / "CN" / "cn-basic-list" / "2024.4.yaml").read_text(encoding="utf-8"))
    data["ruleset"].update(version="2026.1", effective_from="2026-01-01")
    data["ruleset"].pop("replaces")
    data["rules"] = [rule for rule in data["rules"] if rule["id"] != "judgment-debtor-procurement"]
    tax = next(measure for measure in data["measures"] if measure["id"] == "major-tax-violation-procurement")
    tax["scenarios"].append("bidding")
    tax["roles"].append("bidder")
    tax["basis"].append({"instrument": tax["basis"][0]["instrument"], "article": "unverified", "covers": ["bidding"]})
    path = folder / "candidate.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path
