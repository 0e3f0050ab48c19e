"""Citations as pages show them: the instrument's title and number, the article, and the quoted text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jrp.measures_catalog.catalog import Catalog
from jrp.rulesets.library import Library
from jrp.rulesets.schema import Citation


def cited(library: Library, citations: Iterable[Citation]) -> list[dict[str, str]]:
    """A ruleset's citations with their instrument's title and document number from the registry."""
    shown = []
    for citation in citations:
        instrument = library.instruments.get(citation.instrument)
        shown.append({"title": instrument.title if instrument else citation.instrument,
                      "doc_no": instrument.doc_no if instrument else "", "article": citation.label(),
                      "quote": citation.quote or ""})
    return shown


def decision_basis(catalog: Catalog, measure: dict[str, Any]) -> list[dict[str, Any]]:
    """A logged measure's legal basis, with the quotes of the ruleset version the decision used.

    The log keeps title, document number and article of each citation; the quoted text
    stays in the ruleset, found here by measure id and ruleset version.
    """
    if "legal_basis" not in measure:  # a decision whose result can no longer be rebuilt (``compact_results.expanded``)
        return []
    quotes: dict[tuple[str, str], str] = {}
    for entry in catalog.versions(measure["measure_id"]):
        if (entry.ruleset_id, entry.ruleset_version) == (measure["ruleset_id"], measure["ruleset_version"]):
            quotes = {(c.instrument, c.label()): c.quote or "" for c in entry.measure.basis}
    return [{**citation, "quote": quotes.get((citation["instrument_id"], citation["article"]), "")}
            for citation in measure["legal_basis"]]
