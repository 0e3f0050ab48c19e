"""Validation of publication records: a published edition is the content approved, and a draft's dates are real.

A record pins an edition's content by digest, so an edition edited after its publication is
caught without a decision store at hand (``published.py`` compares with what served decisions
when one is). An edition not yet published that takes effect before today would, once
published, apply to checks dated before anyone approved it: a warning, except for a correction
(``replaces``), which takes over the whole period of the version it withdraws.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from jrp.rulesets.library import Library
from jrp.rulesets.loader import Level, Problem


def changed_after_publication(library: Library) -> Iterator[Problem]:
    """An edition whose content no record approved, though a record of it exists: edited after publication."""
    for file in library.files:
        records = library.records_of(file.ref)
        if not records or library.publication_of(file) is not None:
            continue
        record = records[-1]
        when = record.publication.approved_on or "before approvals were on record"
        yield Problem("published-version-changed", file.path, file.lines.line_of(("ruleset", "version")),
                      f"{file.ref.id}@{file.ref.version} was published ({when}; {record.path}:{record.line}) with "
                      f"other content (digest {record.publication.digest[:12]}…, now {file.digest[:12]}…): a published "
                      "edition is never edited; restore it and publish the change as a new version with a later "
                      "effective_from")


def records_without_editions(library: Library) -> Iterator[Problem]:
    """A record naming a version whose file is not in its folder (a typo, or the edition removed)."""
    versions = {file.ref for file in library.files}
    for record in library.records:
        if record.ref not in versions:
            yield Problem("record-without-edition", record.path, record.line,
                          f"publication of {record.ruleset_id} {record.publication.version}, which has no file "
                          f"{record.publication.version}.yaml here: correct the version, or restore the edition",
                          Level.warning)


def drafts_dated_before(library: Library, today: date) -> Iterator[Problem]:
    """A live, unpublished edition (not a correction) whose effective_from is before ``today``."""
    for file in library.live_files:
        header = file.ruleset.ruleset
        if header.effective_from >= today or header.replaces or library.records_of(file.ref):
            continue
        yield Problem("effective-from-past", file.path, file.lines.line_of(("ruleset", "effective_from")),
                      f"{header.id} {header.version} is not published and takes effect on {header.effective_from}, "
                      "before today: once published it would apply to checks dated before its approval; give it an "
                      "effective_from on or after the day it is published (jrp rulesets publish)", Level.warning)
