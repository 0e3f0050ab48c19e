"""Validation of editions over time: each one is selected for checks on some date, as its author intended.

A check takes, per ruleset, the live version in force on its date with the latest
``effective_from`` (``Library.in_force``). Two versions starting the same day cannot both be
that version: one of them never takes effect, and nothing but a failing test would say so.
"""

from __future__ import annotations

from collections.abc import Iterator

from jrp.rulesets.date_checks import boundary_dates
from jrp.rulesets.library import Library, RulesetFile
from jrp.rulesets.loader import Problem


def _selected_on_some_day(library: Library, file: RulesetFile) -> bool:
    """Whether checks select ``file`` on any date: the selection changes only on boundary dates."""
    header = file.ruleset.ruleset
    days = [day for day in boundary_dates(library, header.jurisdiction)
            if header.effective_from <= day and (header.effective_to is None or day <= header.effective_to)]
    return any(file in library.in_force(header.jurisdiction, day) for day in days)


def selection_problems(library: Library) -> Iterator[Problem]:
    """An edition never selected on any date, and editions of one ruleset starting the same day."""
    for ruleset_id in library.ruleset_ids:
        versions = library.versions(ruleset_id, live=True)
        for file in versions:
            header = file.ruleset.ruleset
            twins = ", ".join(f.ruleset.ruleset.version for f in versions
                              if f is not file and f.ruleset.ruleset.effective_from == header.effective_from)
            where = file.lines.line_of(("ruleset", "effective_from"))
            if not _selected_on_some_day(library, file):
                reason = (f"{twins} also starts on {header.effective_from} and checks select it" if twins else
                          "a later version is in force on every date it covers")
                yield Problem("never-selected", file.path, where,
                              f"{ruleset_id} {header.version} is never selected for a check on any date: {reason}; "
                              f"give {header.version} a later effective_from, or write replaces: [\"{twins or '…'}\"] "
                              f"if it corrects {twins or 'a version'}")
            elif twins:
                yield Problem("same-day-editions", file.path, where,
                              f"{ruleset_id} {header.version} and {twins} start on the same day "
                              f"({header.effective_from}) without replaces: one edition of a ruleset is in force on "
                              "a day; give the new one a later effective_from, or write replaces in it if it "
                              "corrects the other")
