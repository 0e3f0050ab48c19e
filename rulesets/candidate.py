"""What a candidate ruleset version must pass before it may go live: one judgement for every tool.

A candidate is a working copy of a new (or edited) version. It must validate in the library
as that library would be with it, and, against the version it supersedes, widen no penalty
without a new legal basis (the semantic diff's errors). ``jrp rulesets impact``, the API's
impact preview and the console all ask ``judge``, so none accepts what another refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jrp.rulesets.diff import Change, diff
from jrp.rulesets.library import Library, RulesetFile
from jrp.rulesets.loader import Level, Problem
from jrp.rulesets.validate import validate

# Where a candidate file sits, and that it overlaps the version it would supersede, is not
# what a preview judges: a working copy lives anywhere, and takes over from its start date.
PLACEMENT_CODES = frozenset({"wrong-folder", "wrong-file-name", "overlapping-versions"})


@dataclass(frozen=True)
class Judgement:
    """The candidate's validation errors, and its diff against the version it supersedes (if any)."""

    problems: tuple[Problem, ...]
    supersedes: RulesetFile | None
    changes: tuple[Change, ...]

    @property
    def errors(self) -> list[Problem | Change]:
        return [*self.problems, *(c for c in self.changes if c.level is Level.error)]

    def __str__(self) -> str:
        lines = [f"line {p.line}: {p.code}: {p.message}" if p.line else f"{p.code}: {p.message}" for p in self.problems]
        if self.supersedes is not None:
            version = f"{self.supersedes.ref.id}@{self.supersedes.ref.version}"
            lines += [f"against {version}: {c.measure_id} {c.aspect} {c.direction.value}: {c.detail}"
                      for c in self.changes if c.level is Level.error]
        return "; ".join(lines)


def supersedes(library: Library, candidate: RulesetFile) -> RulesetFile | None:
    """The library version the candidate replaces: the same version, else the edition it follows
    (``Library.previous``: the version it corrects, or the live one starting last before it)."""
    others = library.without(candidate.path)
    same = [f for f in others.versions(candidate.ref.id) if f.ref == candidate.ref]
    return same[0] if same else others.previous(candidate)


def judge(library: Library, candidate: RulesetFile, today: date) -> Judgement:
    """Validation errors in the candidate's own file (checked in the library with it) and its diff errors."""
    problems = tuple(p for p in validate(library.with_file(candidate), today=today)
                     if p.file == candidate.path and p.level is Level.error and p.code not in PLACEMENT_CODES)
    previous = supersedes(library, candidate)
    changes = tuple(diff(previous, candidate)) if previous is not None else ()
    return Judgement(problems, previous, changes)
