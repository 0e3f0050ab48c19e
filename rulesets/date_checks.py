"""Validation over time: on every date where a jurisdiction's set of versions changes, its bundle is whole.

A lower level may read the lists and measures of a higher one; if the two are in force on
different dates, checks on the dates in between cannot be answered. Each boundary date (a version
starting, or the day after one ends) is checked, since the bundle is constant between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from jrp.rulesets.library import Library
from jrp.rulesets.loader import Problem
from jrp.vocabulary.jurisdictions import chain_of


def boundary_dates(library: Library, jurisdiction: str) -> list[date]:
    """The dates on which the bundle of ``jurisdiction`` may change."""
    chain = chain_of(jurisdiction)
    found: set[date] = set()
    for file in library.live_files:
        header = file.ruleset.ruleset
        if header.jurisdiction in chain:
            found.add(header.effective_from)
            if header.effective_to is not None:
                found.add(header.effective_to + timedelta(days=1))
    return sorted(found)


def broken_chain_problems(library: Library) -> Iterator[Problem]:
    """An error per jurisdiction, period and unresolved reference, located in the ruleset that makes it."""
    by_ref = {f.ref: f for f in library.files}
    for jurisdiction in library.jurisdictions:
        dates = boundary_dates(library, jurisdiction)
        for day, following in zip(dates, [*dates[1:], None]):
            # The versions in force must hold together by themselves (a rule of one may not lean on an edition that
            # takes effect later), and with the editions read ahead of their date (``Library.ahead``).
            in_force = library.bundle_of(jurisdiction, [f.ref for f in library.in_force(jurisdiction, day)])
            problems = in_force.unresolved() + library.bundle(jurisdiction, day).unresolved()
            until = f" to {following - timedelta(days=1)}" if following else " on"
            for problem in dict.fromkeys(problems):
                file = by_ref.get(problem.ref) if problem.ref else None
                yield Problem("broken-chain", file.path if file else library.root,
                              file.lines.line_of(problem.location) if file else None,
                              f"checks in {jurisdiction} from {day}{until} cannot be answered: {problem.message}; "
                              "align the versions' effective dates or define what is missing")
