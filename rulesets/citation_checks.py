"""Citations against the legal texts: the article exists, and the quote sits inside what it cites.

A quote found somewhere in a law is not enough: it must be inside the cited article (and
paragraph and item, where the citation names them), since the article is what an auditor
will open. Seed plans have no articles; their quotes are checked against the whole text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from jrp.measures_catalog.legal_texts import Article, articles_of
from jrp.rulesets.library import RulesetFile
from jrp.rulesets.loader import Level, Location, Problem
from jrp.rulesets.schema import Citation, Instrument


def citation_problems(file: RulesetFile, location: Location, citation: Citation, instrument: Instrument,
                      legal_texts: Path) -> Iterator[Problem]:
    """What is wrong with one citation of an instrument whose text is in ``legal_texts``."""
    if not instrument.text_file:
        return
    path = legal_texts / instrument.text_file
    if not path.exists():
        return
    def problem(code: str, message: str, level: Level = Level.error, *, at: str = "article") -> Problem:
        return Problem(code, file.path, file.lines.line_of((*location, at)), message, level)

    found = articles_of(path)
    if not isinstance(citation.article, int) or not found:
        if citation.quote and citation.quote not in path.read_text(encoding="utf-8"):
            yield problem("quote-not-found", f"quote {citation.quote!r} is not in {instrument.text_file}; "
                                             "copy the words exactly", at="quote")
        return
    article = found.get(citation.article)
    if article is None:
        if instrument.partial:
            yield problem("article-not-in-partial-text",
                          f"{instrument.text_file} holds only part of {instrument.title}; article "
                          f"{citation.article} cannot be checked", Level.warning)
        else:
            yield problem("article-not-found", f"{instrument.title} has no article {citation.article} "
                                               f"(its last is {max(found)}); cite an article that exists")
        return
    if citation.quote:
        yield from _quote_problems(citation, article, found, instrument, problem)
    elif citation.paragraph and citation.paragraph > len(article.paragraphs):
        yield problem("paragraph-not-found", f"article {citation.article} has {len(article.paragraphs)} "
                                             f"paragraph(s), not {citation.paragraph}", at="paragraph")


def _quote_problems(citation: Citation, article: Article, found: dict[int, Article], instrument: Instrument,
                    problem) -> Iterator[Problem]:  # noqa: ANN001 - the local problem maker
    quote = citation.quote or ""
    if quote not in article.text:
        elsewhere = [number for number, other in sorted(found.items()) if quote in other.text]
        where = (f"it is in article {', '.join(map(str, elsewhere))}" if elsewhere
                 else f"it is not in {instrument.text_file} at all; copy the words exactly")
        yield problem("quote-outside-article", f"quote {quote!r} is not in article {citation.article} of "
                                               f"{instrument.title}: {where}", at="quote")
        return
    if citation.paragraph is None and citation.item is None:
        return
    number, paragraphs = citation.paragraph or 1, article.paragraphs
    if number > len(paragraphs) or quote not in paragraphs[number - 1].whole:
        holding = [n for n, p in enumerate(paragraphs, 1) if quote in p.whole]
        yield problem("quote-outside-paragraph", f"quote {quote!r} is not in paragraph {number} of "
                                                 f"article {citation.article}: it is in paragraph "
                                                 f"{', '.join(map(str, holding))}", at="paragraph")
        return
    items = paragraphs[number - 1].items
    if citation.item is not None and (citation.item > len(items) or quote not in items[citation.item - 1]):
        holding = [n for n, item in enumerate(items, 1) if quote in item]
        yield problem("quote-outside-item", f"quote {quote!r} is not in item {citation.item} of article "
                                            f"{citation.article} paragraph {number}"
                      + (f": it is in item {', '.join(map(str, holding))}" if holding else ""), at="item")
