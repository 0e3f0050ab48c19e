"""The credit result report (信用信息结果报告) of a batch, rendered from the decision log, with its number,
verification code and seal (``jrp.adapters.log.crypto.report_seal``).

Built from the logged entries, not from the live results, so the report printed today
and one printed next year for the same batch say the same thing. Its verification code
follows from the batch's receipts: ``GET /v1/reports/verify`` and the console's public
page recompute it from the log (``verify_report``); the seal lets ``jrp audit receipt``
check a saved report file offline.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from jrp.adapters.facts.identity import mask_resident_id
from jrp.adapters.log.crypto.report_seal import batch_prefix, report_number, same_code, sign_seal, verification_code
from jrp.adapters.log.crypto.signing import SignatureError, SigningKey, verify_receipt
from jrp.adapters.log.entries import DecisionLogStore, StoredDecision
from jrp.adapters.log.report_lookup import batches_starting
from jrp.api.console.i18n import HTML_LANG, Translator
from jrp.api.console.values import Values
from jrp.engine.types import Outcome
from jrp.rulesets.library import Library

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)
_env.filters["mask"] = mask_resident_id

HEADERS = {
    # the report is one self-contained page: its own inline style, nothing to load, nothing to run
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # it names subjects and their measures
}
"""Headers of the report when served over HTTP."""

VERIFY_PATH = "/console/reports/verify"
SEAL_START = '<script type="application/json" id="jrp-report-seal">'
SEAL_END = "</script>"
_SEAL_SLOT = "<!--jrp-report-seal-->"


def render_batch_report(decisions: Sequence[StoredDecision], library: Library, signing_key: SigningKey, *,
                        mask_ids: bool = True, language: str = "zh") -> str:
    """HTML of one batch in ``language`` (zh or en, the console's catalogue): who asked, for what, the outcome
    per subject, each measure with its basis and proportionality, which subjects jrp knew nothing of; its number,
    verification code and seal."""
    entries = [stored.view(not mask_ids) for stored in decisions]
    receipts = [stored.receipt for stored in decisions if stored.receipt is not None]
    first = entries[0]
    t = Translator(language)
    counts = Counter(entry["result"]["outcome"] for entry in entries)
    unknown = sum(1 for entry in entries if entry.get("subject_known") is False)
    page = _env.get_template("batch_report.html").render(
        t=t, v=Values(t, library), lang=HTML_LANG[language], language=language,
        batch_id=first["batch_id"], caller=first["caller"], purpose=first["purpose"],
        reference=first["reference"], request=first["request"], bundle=first["bundle"],
        created_at=first["created_at"], entries=entries, counts=counts, outcomes=[o.value for o in Outcome],
        unknown=unknown, mask_ids=mask_ids, number=report_number(first["batch_id"]),
        code=verification_code(first["batch_id"], receipts), verify_path=VERIFY_PATH, seal=Markup(_SEAL_SLOT))
    seal = sign_seal(signing_key, first["batch_id"], receipts, page.replace(_SEAL_SLOT, ""))
    block = SEAL_START + json.dumps(seal, ensure_ascii=True).replace("</", "<\\/") + SEAL_END
    return page.replace(_SEAL_SLOT, block)


def split_seal(page: str) -> tuple[dict[str, Any], str] | None:
    """A saved report's seal and the page without it; None if ``page`` holds no seal."""
    start = page.find(SEAL_START)
    end = page.find(SEAL_END, start + len(SEAL_START)) if start >= 0 else -1
    if end < 0:
        return None
    try:
        seal = json.loads(page[start + len(SEAL_START):end])
    except ValueError:
        return None
    return (seal, page[:start] + page[end + len(SEAL_END):]) if isinstance(seal, dict) else None


@dataclass(frozen=True)
class ReportCheck:
    """What verifying a report by its code found: the report as it shows (``shown``) and whether it is genuine."""

    number: str
    genuine: bool
    problem: str
    shown: dict[str, Any]


def verify_report(log: DecisionLogStore, public: Ed25519PublicKey, code: str) -> ReportCheck | None:
    """The report whose verification code is ``code``, recomputed from its receipts in the log (None if no batch
    has it): genuine if its decisions are the ones their receipts signed. ``ValueError`` if it is no code."""
    prefix = batch_prefix(code)
    for batch_id in batches_starting(log.engine, prefix):
        decisions = log.batch(batch_id)
        receipts = [stored.receipt for stored in decisions if stored.receipt is not None]
        if not same_code(code, verification_code(batch_id, receipts)):
            continue
        return ReportCheck(report_number(batch_id), *_genuine(decisions, public), shown_of(decisions))
    return None


def _genuine(decisions: Sequence[StoredDecision], public: Ed25519PublicKey) -> tuple[bool, str]:
    for stored in decisions:
        receipt = stored.receipt
        if receipt is None or receipt.get("entry_hash") != stored.entry_hash:
            return False, (f"decision {stored.entry['decision_id']} of this report was changed in the log since it "
                           "was signed; the operator must run jrp audit verify")
        try:
            verify_receipt(receipt, public)
        except SignatureError as error:
            return False, f"{error}; the operator must run jrp audit verify"
    return True, ""


def shown_of(decisions: Sequence[StoredDecision]) -> dict[str, Any]:
    """What the printed report shows of a batch, as a role without sight of resident IDs sees it: the header and,
    per subject, who, the outcome and the measures (by id and name)."""
    entries = [stored.view(False) for stored in decisions]
    first = entries[0]
    return {
        "checked_at": first["created_at"], "department": first["caller"].get("department", ""),
        "caller": first["caller"].get("name", ""), "purpose": first["purpose"], "reference": first.get("reference"),
        "scenario": first["request"]["scenario"], "jurisdiction": first["request"]["jurisdiction"],
        "as_of": first["request"]["as_of"],
        "results": [_shown_result(entry) for entry in entries],
    }


def _shown_result(entry: Mapping[str, Any]) -> dict[str, Any]:
    subject, result = entry["request"]["subject"], entry["result"]
    name = ((entry.get("facts") or {}).get("subject") or {}).get("name") or subject.get("name") or ""
    return {"decision_id": entry["decision_id"], "subject": mask_resident_id(subject["id"]), "name": name,
            "outcome": result["outcome"],
            "measures": [{"measure_id": m["measure_id"], "name": m["name"]}
                         for m in result["measures"] + result["incentives"]]}
