"""The credit result report (信用信息结果报告) of a batch, rendered from the decision log.

Built from the logged entries, not from the live results, so the report printed today
and one printed next year for the same batch say the same thing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from jrp.adapters.identity import mask_resident_id

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

OUTCOME_LABELS = {"deny": "禁止 deny", "restrict": "限制 restrict", "review": "审查 review", "allow": "通过 allow"}


def render_batch_report(entries: Sequence[dict[str, Any]], *, mask_ids: bool = True) -> str:
    """HTML of one batch: who asked, for what, the outcome per subject, each measure with its basis."""
    first = entries[0]
    counts = Counter(entry["result"]["outcome"] for entry in entries)
    return _env.get_template("batch_report.html").render(
        batch_id=first["batch_id"], caller=first["caller"], purpose=first["purpose"],
        reference=first["reference"], request=first["request"], bundle=first["bundle"],
        created_at=first["created_at"], entries=entries, counts=counts, labels=OUTCOME_LABELS, mask_ids=mask_ids)
