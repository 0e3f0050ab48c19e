"""Validation by what a measure does: its effect decides the basis it needs and the category it may declare.

A measure's ``category`` is what its author says; its ``effect`` is what the engine does with it
(``prohibit`` and ``restrict`` answer deny or restrict). So the basis a measure needs follows from
the effect (``RIGHTS_REDUCING_EFFECTS``), and a category the effect does not fit
(``CATEGORIES_OF_EFFECT``) is an error rather than a way around the basis check.
"""

from __future__ import annotations

from collections.abc import Iterator

from jrp.rulesets.library import Library, RulesetFile
from jrp.rulesets.loader import Location, Problem
from jrp.rulesets.schema import CATEGORY_ONE_LEVELS, Measure
from jrp.vocabulary.measures import CATEGORIES_OF_EFFECT, RIGHTS_REDUCING_EFFECTS, MeasureKind

LEVELS_NAMED = "a law, administrative regulation, judicial interpretation, local regulation or central policy document"


def _problem(file: RulesetFile, location: Location, code: str, message: str) -> Problem:
    return Problem(code, file.path, file.lines.line_of(location), message)


def _levels(library: Library, measure: Measure) -> list[str]:
    return sorted({library.instruments[c.instrument].level.value for c in measure.basis
                   if c.instrument in library.instruments})


def basis_by_effect_problems(library: Library) -> Iterator[Problem]:
    """A penalty that prohibits or restricts cites a basis of a rights-reducing level, whatever its category.

    Category 1 is left to the category-1 check, which reports the same want of a basis.
    """
    for file in library.live_files:
        for i, measure in enumerate(file.ruleset.measures):
            if (measure.kind is not MeasureKind.penalty or measure.effect not in RIGHTS_REDUCING_EFFECTS
                    or measure.category == 1):
                continue
            levels = _levels(library, measure)
            if not set(levels) & CATEGORY_ONE_LEVELS:
                yield _problem(file, ("measures", i, "basis"), "effect-basis",
                               f"measure {measure.id} has effect {measure.effect.value}, which reduces rights, but "
                               f"cites only {levels}: cite {LEVELS_NAMED} (BRIEF §2), or make it a management "
                               "measure (effect heightened_review or key_supervision, category 2)")


def category_by_effect_problems(library: Library) -> Iterator[Problem]:
    """The declared category fits the effect: a management measure (2) never prohibits or restricts."""
    for file in library.live_files:
        for i, measure in enumerate(file.ruleset.measures):
            fitting = CATEGORIES_OF_EFFECT[measure.effect]
            if measure.category in fitting:
                continue
            reason = ("reduces rights: category 1 (a public authority under its basis) or 3 (a non-public body)"
                      if measure.effect in RIGHTS_REDUCING_EFFECTS else
                      f"fits category {' or '.join(map(str, sorted(fitting)))}")
            yield _problem(file, ("measures", i, "category"), "category-effect",
                           f"measure {measure.id} declares category {measure.category} but its effect "
                           f"{measure.effect.value} {reason}; correct the category, or the effect if the measure "
                           "does less")
