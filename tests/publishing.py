"""New editions in test folders, and their publication: an edition takes effect in checks only once published.

Tests copy the bundled rulesets, write a new Nantong edition (``nantong_edition``, ``save_edition``) and, where
checks must use it, record its approval beside it (``publish_on_file``), as ``jrp rulesets publish`` does
without running that command's checks.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from jrp.rulesets.library import BUNDLED_RULESETS, Library, read_ruleset_file
from jrp.rulesets.publications import AdoptingDocument, Publication, append_record


def publish_on_file(edition: Path) -> Publication:
    """Append the approval of ``edition`` (its content as it is now) to the publications.yaml beside it."""
    file = read_ruleset_file(edition)
    publication = Publication(version=file.ref.version, digest=file.digest, drafted_by="测试起草人（测试处）",
                              approved_by="测试批准人（测试办）", approved_on=date(2025, 12, 1),
                              adopted_by=AdoptingDocument(doc_no="测试〔2025〕1号", date=date(2025, 11, 30)))
    append_record(edition.parent, file.ref.id, publication)
    return publication


NANTONG = Path("CN-JS-NT") / "nantong-silent-check"
PLAN_ONLY = [{"instrument": "nantong-14th-fyp-credit-plan", "section": "专栏2",
              "quote": "依法依规禁止参与我市政府采购活动", "covers": ["government_procurement"]}]


def rulesets_copy(folder: Path) -> Path:
    """A working copy of the bundled rulesets at ``folder``."""
    shutil.copytree(BUNDLED_RULESETS, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__", "*.md"))
    return folder


def live_version(folder: Path, ruleset_id: str = "nantong-silent-check") -> str:
    """The newest live (not withdrawn) version of a ruleset in ``folder``: the one a new edition follows."""
    return Library.load(folder).versions(ruleset_id, live=True)[-1].ref.version


def nantong_edition(folder: Path, version: str = "2027.1", effective_from: str = "2027-01-01", **header: Any) -> dict:
    """The Nantong edition in force as a new edition (its data, to be changed by the test), not yet written."""
    data = yaml.safe_load((folder / NANTONG / f"{live_version(folder)}.yaml").read_text(encoding="utf-8"))
    data["ruleset"].update(version=version, effective_from=effective_from, **header)
    data["ruleset"].pop("replaces", None)
    return data


class _Written(yaml.SafeDumper):
    """Every value written out where it applies: jrp refuses YAML aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def save_edition(folder: Path, data: dict) -> Path:
    path = folder / NANTONG / f"{data['ruleset']['version']}.yaml"
    path.write_text(yaml.dump(data, Dumper=_Written, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def plan_ban(data: dict, **measure: Any) -> dict:
    """A new list kept under the plan alone, and a ban of suppliers on it whose only basis is the plan."""
    data["lists"].append({"id": "nt-plan-list", "name": {"zh": "市信用规划名单", "en": "Plan list"}, "kind": "serious",
                          "authority": "南通市发展和改革委员会", "basis": PLAN_ONLY})
    data["measures"].append({
        "id": "nt-plan-ban", "name": {"zh": "禁止参与我市政府采购活动", "en": "Plan ban"}, "kind": "penalty",
        "category": 2, "effect": "prohibit", "matter": "政府采购", "target": "名单主体", "means": "禁止参与",
        "authority": "南通市财政局", "basis": PLAN_ONLY, "scenarios": ["government_procurement"], "intensity": 5,
        **measure})
    data["rules"].append({"id": "nt-plan-ban", "when": {"list": "nt-plan-list"}, "measures": ["nt-plan-ban"]})
    return data


def lifted_ban(rulesets: Path) -> Path:
    """cn-basic-list 2026.1, written as a draft: the 2024.4 edition without the procurement ban on judgment debtors."""
    basic = yaml.safe_load((rulesets / "CN" / "cn-basic-list" / "2024.4.yaml").read_text(encoding="utf-8"))
    basic["ruleset"].update(version="2026.1", effective_from="2026-01-01")
    basic["ruleset"].pop("replaces")
    basic["rules"] = [rule for rule in basic["rules"] if rule["id"] != "judgment-debtor-procurement"]
    edition = rulesets / "CN" / "cn-basic-list" / "2026.1.yaml"
    edition.write_text(yaml.safe_dump(basic, allow_unicode=True), encoding="utf-8")
    return edition
