"""Where the full texts of the cited laws are, and their articles, paragraphs and items.

The texts (Markdown, one file per instrument) write each article as a line starting ``第X条 ``,
each further paragraph as a line of its own and each item as a line starting ``（一）`` or
``(一)``; chapter headings start with ``#``. ``articles`` cuts a text along those lines so that
validation can check that a quote sits inside the article, paragraph and item it cites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# In a checkout, the shared legal texts sit beside the repository: ../shared/legal.
CHECKOUT_LEGAL_TEXTS = Path(__file__).resolve().parent.parent.parent / "shared" / "legal"

ARTICLE = re.compile(r"^第([一二三四五六七八九十百零〇]+)条\s*(.*)$")
ITEM = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def find_legal_texts(configured: Path | None = None) -> Path | None:
    """The configured folder, else ``../shared/legal`` beside the checkout, else None."""
    if configured is not None:
        return configured
    return CHECKOUT_LEGAL_TEXTS if CHECKOUT_LEGAL_TEXTS.is_dir() else None


def chinese_number(text: str) -> int:
    """``一百零三`` → 103, ``十五`` → 15, ``二十`` → 20 (article numbers)."""
    total, digit = 0, 0
    for char in text:
        if char == "百":
            total += (digit or 1) * 100
            digit = 0
        elif char == "十":
            total += (digit or 1) * 10
            digit = 0
        else:
            digit = DIGITS[char]
    return total + digit


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of an article (款) and the items (项) that follow it."""

    text: str
    items: tuple[str, ...] = ()

    @property
    def whole(self) -> str:
        return "\n".join((self.text, *self.items))


@dataclass(frozen=True)
class Article:
    number: int
    paragraphs: tuple[Paragraph, ...]

    @property
    def text(self) -> str:
        return "\n".join(p.whole for p in self.paragraphs)


def articles(text: str) -> dict[int, Article]:
    """The articles of a legal text by number (a text without ``第X条`` lines has none)."""
    found: dict[int, Article] = {}
    number: int | None = None
    paragraphs: list[Paragraph] = []

    def close() -> None:
        if number is not None:
            found.setdefault(number, Article(number, tuple(paragraphs)))

    for raw in text.splitlines():
        line = raw.strip().strip("\u200b")
        if not line:
            continue
        heading = ARTICLE.match(line)
        if heading:
            close()
            number, paragraphs = chinese_number(heading.group(1)), [Paragraph(heading.group(2))]
        elif line.startswith(("#", "<!--")):
            close()
            number = None
        elif number is not None and ITEM.match(line) and paragraphs:
            last = paragraphs[-1]
            paragraphs[-1] = Paragraph(last.text, (*last.items, line))
        elif number is not None:
            paragraphs.append(Paragraph(line))
    close()
    return found


@lru_cache(maxsize=128)
def articles_of(path: Path) -> dict[int, Article]:
    return articles(path.read_text(encoding="utf-8"))
