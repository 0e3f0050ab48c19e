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

from jrp.adapters.facts.identity import mask_resident_id
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

def render_batch_report(entries: Sequence[dict[str, Any]], library: Library, *, mask_ids: bool = True,
                        language: str = "zh") -> str:
    """HTML of one batch in ``language`` (zh or en, the console's catalogue): who asked, for what, the outcome
    per subject, each measure with its basis and proportionality, and which subjects jrp knew nothing of."""
    first = entries[0]
    t = Translator(language)
    counts = Counter(entry["result"]["outcome"] for entry in entries)
    unknown = sum(1 for entry in entries if entry.get("subject_known") is False)
    return _env.get_template("batch_report.html").render(
        t=t, v=Values(t, library), lang=HTML_LANG[language], language=language,
        batch_id=first["batch_id"], caller=first["caller"], purpose=first["purpose"],
        reference=first["reference"], request=first["request"], bundle=first["bundle"],
        created_at=first["created_at"], entries=entries, counts=counts, outcomes=[o.value for o in Outcome],
        unknown=unknown, mask_ids=mask_ids)
