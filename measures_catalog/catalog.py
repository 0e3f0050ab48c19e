"""The measures catalogue: every measure of every ruleset version, searchable by text and facet.

A measure is identified by its id within a jurisdiction (a lower level may redefine a
higher level's measure under the same id); each version of its ruleset that defines it
is one ``CatalogEntry``. Search answers one item per (jurisdiction, measure), in its
newest version, so a caller sees what is current and can open the history by id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from jrp.rulesets.library import Library, RulesetFile
from jrp.rulesets.schema import Measure
from jrp.vocabulary.jurisdictions import chain_of


@dataclass(frozen=True)
class CatalogEntry:
    """One measure as one ruleset version defines it, with the lists whose rules trigger it."""

    measure: Measure
    ruleset_id: str
    ruleset_version: str
    jurisdiction: str
    effective_from: date
    effective_to: date | None
    lists: tuple[str, ...]
    rule_ids: tuple[str, ...]
    text: str  # lower-cased searchable text

    def matches(self, q: str | None, jurisdiction: str | None, scenario: str | None, list_id: str | None) -> bool:
        return ((not q or q.lower() in self.text)
                and (not jurisdiction or self.jurisdiction in chain_of(jurisdiction))
                and (not scenario or scenario in self.measure.scenarios)
                and (not list_id or list_id in self.lists))


def _entries(file: RulesetFile) -> Iterable[CatalogEntry]:
    ruleset = file.ruleset
    header = ruleset.ruleset
    for measure in ruleset.measures:
        rules = [rule for rule in ruleset.rules if measure.id in rule.measures]
        lists = tuple(sorted({rule.when.list for rule in rules if rule.when.list}))
        text = " ".join((measure.id, measure.name.zh, measure.name.en, measure.matter, measure.target,
                         measure.means, measure.authority)).lower()
        yield CatalogEntry(measure, header.id, header.version, header.jurisdiction, header.effective_from,
                           header.effective_to, lists, tuple(rule.id for rule in rules), text)


@dataclass(frozen=True)
class Catalog:
    """All catalogue entries of one library, oldest version first."""

    entries: tuple[CatalogEntry, ...]

    @classmethod
    def of(cls, library: Library) -> Catalog:
        files = sorted(library.files, key=lambda f: (f.ruleset.ruleset.id, f.ruleset.ruleset.effective_from))
        return cls(tuple(entry for file in files for entry in _entries(file)))

    def search(self, q: str | None = None, jurisdiction: str | None = None, scenario: str | None = None,
               list_id: str | None = None) -> list[CatalogEntry]:
        """The newest version of each (jurisdiction, measure) matching every given filter, by id."""
        newest: dict[tuple[str, str], CatalogEntry] = {}
        for entry in self.entries:
            newest[(entry.jurisdiction, entry.measure.id)] = entry  # later versions overwrite earlier ones
        found = [e for e in newest.values() if e.matches(q, jurisdiction, scenario, list_id)]
        return sorted(found, key=lambda e: (len(chain_of(e.jurisdiction)), e.measure.id))

    def versions(self, measure_id: str) -> list[CatalogEntry]:
        """Every definition of ``measure_id``: each jurisdiction, each ruleset version, oldest first."""
        return [entry for entry in self.entries if entry.measure.id == measure_id]
