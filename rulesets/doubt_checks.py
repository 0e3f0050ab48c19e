"""Validation in both directions: the static twins of the engine's doubts (warnings a maintainer reads).

The engine answers ``review`` where the facts leave a measure open; these checks find rule shapes where that
is not enough, or where an answer would say more than its case:

- ``publication-bound-mandatory-measure``: a category-1 measure of mandatory wording (应当, 不得, 禁止…)
  triggered by published penalties ends with the penalty's publication period — a credit-repair construct
  that a missing class shortens and that the basis may not share (政府采购法 art. 22(1)(5) looks back three
  years whatever order 36 publishes). Give the trigger the basis's own ``within``, or say in the rule's note
  why publication governs;
- ``basis-of-other-grounds``: a measure fired by entries of a list with legal grounds cites, for every record,
  the article of one ground (bidding-law art. 54 beside a record listed under art. 53): scope that citation
  with ``grounds:`` so an answer shows only the grounds of its record.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from jrp.measures_catalog.legal_texts import articles_of
from jrp.rulesets.library import Library, RulesetFile
from jrp.rulesets.loader import Level, Location, Problem
from jrp.rulesets.schema import Citation, CreditList, Instrument, Measure, Rule

MANDATORY_WORDS = ("应当", "不得", "禁止", "不予", "取消")
"""Words of a basis that oblige the authority: a measure resting on them is not left to discretion."""


def _problem(file: RulesetFile, location: Location, code: str, message: str) -> Problem:
    return Problem(code, file.path, file.lines.line_of(location), message, Level.warning)


def mandatory(measure: Measure, instruments: Mapping[str, Instrument], legal_texts: Path | None) -> bool:
    """A category-1 measure whose basis obliges: its quotes, or the paragraphs they cite where the text is in hand,
    say 应当, 不得, 禁止, 不予 or 取消 (政府采购法 art. 22 para. 1: 供应商参加政府采购活动应当具备下列条件)."""
    return measure.category == 1 and any(word in text for citation in measure.basis
                                         for text in _wording(citation, instruments, legal_texts)
                                         for word in MANDATORY_WORDS)


def _wording(citation: Citation, instruments: Mapping[str, Instrument], legal_texts: Path | None) -> Iterator[str]:
    """The words a citation rests on: its quote, and the paragraph (else the article) it cites."""
    yield citation.quote or ""
    instrument = instruments.get(citation.instrument)
    if legal_texts is None or instrument is None or not instrument.text_file or not isinstance(citation.article, int):
        return
    path = legal_texts / instrument.text_file
    article = articles_of(path).get(citation.article) if path.exists() else None
    if article is not None:
        paragraphs = article.paragraphs
        cited = paragraphs[citation.paragraph - 1] if citation.paragraph and citation.paragraph <= len(paragraphs) else None
        yield cited.whole if cited is not None else article.text


def doubt_problems(library: Library, legal_texts: Path | None) -> Iterator[Problem]:
    """Warnings for the live rulesets: publication-bound mandatory measures and citations of other grounds."""
    measures = {m.id: m for f in library.live_files for m in f.ruleset.measures}
    lists = {item.id: item for f in library.live_files for item in f.ruleset.lists}
    for file in library.live_files:
        own = {m.id: m for m in file.ruleset.measures}  # an edition's rules fire its own version of a measure
        own_lists = {item.id: item for item in file.ruleset.lists}
        for i, rule in enumerate(file.ruleset.rules):
            for measure_id in rule.measures:
                measure = own.get(measure_id) or measures.get(measure_id)
                if measure is None:
                    continue  # reported as an unknown measure
                penalty = rule.when.penalty
                if penalty is not None and penalty.within is None and mandatory(measure, library.instruments,
                                                                                legal_texts):
                    yield _problem(file, ("rules", i, "when", "penalty"), "publication-bound-mandatory-measure",
                                   f"rule {rule.id} applies the mandatory measure {measure_id} only while a penalty "
                                   "is published: a penalty whose class is not stated, or whose publication ended, "
                                   "stops it; give the trigger the look-back of its basis (`within: P3Y`), or say "
                                   "in the rule's note why publication governs")
                listed = own_lists.get(rule.when.list or "") or lists.get(rule.when.list or "")
                if listed is not None:
                    yield from _other_grounds(file, i, rule, measure, listed)


def _other_grounds(file: RulesetFile, index: int, rule: Rule, measure: Measure, listed: CreditList) -> Iterator[Problem]:
    """Citations of ``measure`` that found one ground of ``listed`` and would be shown for records of another."""
    reached = set(rule.grounds) or {g.id for g in listed.grounds}
    for ground in listed.grounds:
        articles = {_article(c) for c in ground.basis}
        for citation in measure.basis:
            shown_for = set(citation.grounds) or reached
            if _article(citation) in articles and shown_for - {ground.id} and (
                    not citation.lists or listed.id in citation.lists):
                others = ", ".join(sorted(shown_for - {ground.id}))
                yield _problem(file, ("rules", index), "basis-of-other-grounds",
                               f"rule {rule.id} shows {citation.instrument} {citation.label()} (the basis of ground "
                               f"{ground.id}) for records listed on {others}; scope the citation in {measure.id} "
                               f"with `grounds: [{ground.id}]`")


def _article(citation: Citation) -> tuple[str, object]:
    return citation.instrument, citation.article
