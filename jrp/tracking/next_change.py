"""The next date an answer may change by time alone, so the daily pass reads one index, never every subscription.

An answer changes by time when a record's period or a listing's publication ends, a repair date is
reached, a record dated ahead starts, a person turns 18, or a ruleset version of the jurisdiction's
chain takes effect or lapses. Every such date is written somewhere in what the evaluation saw: in the
facts (a record's start, end and status dates, a birth date), in the decision (each measure's
``until``, a repair's ``earliest``, a doubt's "in force for certain until …") or in the rulesets'
headers. So the candidates are every ISO date in the facts and the decision, each birth date plus 18
years, and the chain's ruleset dates; the next change is the earliest candidate after today (and the
day after any that is today). Too early costs one re-evaluation that finds nothing new and sets the
next date; too late would miss a notification, so the set errs on the side of more dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

MONTH_DAY = re.compile(rb"-([01][0-9])-([0-3][0-9])(?![0-9])")  # a date's tail; its year is checked by hand
BIRTH_DATE = re.compile(rb'"birth_date":"([0-9]{4}-[0-9]{2}-[0-9]{2})"')
ADULT_AT = 18


def dates_in(*documents: bytes) -> set[date]:
    """Every valid ISO date written in ``documents`` (canonical JSON), and each birth date's 18th anniversary."""
    found: set[date] = set()
    for document in documents:
        for year, month, day in _iso_dates(document):
            try:
                found.add(date(int(year), int(month), int(day)))
            except ValueError:
                continue
        for birth in BIRTH_DATE.findall(document):
            born = date.fromisoformat(birth.decode())
            try:
                found.add(born.replace(year=born.year + ADULT_AT))
            except ValueError:  # 29 February
                found.add(date(born.year + ADULT_AT, 3, 1))
    return found


def _iso_dates(document: bytes) -> Iterator[tuple[bytes, bytes, bytes]]:
    """Each ``YYYY-MM-DD`` not inside a longer run of digits, year from 1000 to 2999. Found by its tail, a pattern
    that starts with a literal: the regex engine skips to each ``-`` (several times faster than a pattern that
    starts with the year's digits, over the ~14 KB of a subject's facts)."""
    for match in MONTH_DAY.finditer(document):
        at = match.start()
        year = document[at - 4:at] if at >= 4 else b""
        if len(year) == 4 and year.isdigit() and year[0] in b"12" and not document[at - 5:at - 4].isdigit():
            yield year, match.group(1), match.group(2)


def next_change(today: date, candidates: Iterable[date]) -> date | None:
    """The earliest date after ``today`` at which an answer built on ``candidates`` may differ; None: never by time."""
    later = [d for d in candidates if d > today] + [d + timedelta(days=1) for d in candidates if d == today]
    return min(later, default=None)
