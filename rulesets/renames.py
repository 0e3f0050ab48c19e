"""Renamed measures: an id gone from an edition while a new id, alike in name or basis, appears in it.

Decisions, feedback, statistics and the approval systems reading answers know a measure by its
id, so a measure keeps its id across editions. A new id for the same measure passes every check
(the old cases test the old edition, the new ones the new); comparing an edition with the one it
follows (``Library.previous``) names it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from jrp.rulesets.library import Library, RulesetFile
from jrp.rulesets.schema import Measure


@dataclass(frozen=True)
class Rename:
    """``old_id`` of ``previous`` seems to live on as ``new_id`` of ``edition``, for the reason ``alike``."""

    previous: RulesetFile
    edition: RulesetFile
    old_id: str
    new_id: str
    alike: str

    @property
    def location(self) -> str:
        index = next(i for i, m in enumerate(self.edition.ruleset.measures) if m.id == self.new_id)
        return f"{self.edition.path}:{self.edition.lines.line_of(('measures', index, 'id'))}"

    @property
    def message(self) -> str:
        return (f"measure {self.old_id} of {self.previous.ref.id} {self.previous.ref.version} is {self.new_id} in "
                f"{self.edition.ref.version} ({self.alike}): a measure keeps its id across editions (decisions, "
                f"feedback and statistics count by id); name it {self.old_id} again")

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def _alike(old: Measure, new: Measure) -> str | None:
    if old.name.zh == new.name.zh:
        return f"the same name {new.name.zh}"
    basis = {(c.instrument, c.article, c.paragraph, c.item, c.section) for c in old.basis}
    if (basis == {(c.instrument, c.article, c.paragraph, c.item, c.section) for c in new.basis}
            and old.scenarios == new.scenarios and old.effect == new.effect):
        return "the same basis, scenarios and effect"
    return None


def renames(library: Library) -> Iterator[Rename]:
    """Every live edition's measures that look renamed against the edition it follows."""
    for edition in library.live_files:
        previous = library.previous(edition)
        if previous is None:
            continue
        before = {m.id: m for m in previous.ruleset.measures}
        after = {m.id: m for m in edition.ruleset.measures}
        for old_id in sorted(before.keys() - after.keys()):
            for new_id in sorted(after.keys() - before.keys()):
                alike = _alike(before[old_id], after[new_id])
                if alike:
                    yield Rename(previous, edition, old_id, new_id, alike)
