"""Validation of the ``tests.yaml`` beside each ruleset: it reads, and its cases name what exists.

``jrp rulesets test`` runs the cases; ``validate`` reads them first, so that a mistake in a
case (an impossible date, an unknown jurisdiction, a measure id no ruleset defines — a measure
renamed in a new edition, say) is a located error rather than a traceback or a failure that
says only "missing".
"""

from __future__ import annotations

from collections.abc import Iterator

from jrp.rulesets.library import Library
from jrp.rulesets.loader import Problem, RulesetError


def case_problems(library: Library) -> Iterator[Problem]:
    """Every tests.yaml parses as a suite, and each case's jurisdiction and expected measures exist."""
    measures = {m.id for f in library.files for m in f.ruleset.measures}
    for ruleset_id in library.ruleset_ids:
        try:
            suite = library.tests_of(ruleset_id)
        except RulesetError as error:
            yield from error.problems
            continue
        if suite is None:
            continue
        tests, lines = suite
        for position, case in enumerate(tests.tests):
            where = ("tests", position)
            if case.jurisdiction is not None and case.jurisdiction not in library.jurisdictions:
                yield Problem("unknown-jurisdiction", lines.file, lines.line_of((*where, "jurisdiction")),
                              f"case {case.name!r} is checked in {case.jurisdiction}, where no ruleset is; "
                              f"use one of {', '.join(library.jurisdictions)}")
            expected = (*case.expect.measures, *case.expect.needs_review, *case.expect.incentives)
            for measure_id in sorted(set(expected) - measures):
                yield Problem("unknown-measure", lines.file, lines.line_of((*where, "expect")),
                              f"case {case.name!r} expects measure {measure_id!r}, which no version of any "
                              f"ruleset defines; correct the id (a measure keeps its id across editions)")

