"""How long a record applies: listing periods by legal ground, publication periods by edition.

A list entry without an end of its own is held for the period its legal ground allows; where the
basis leaves the period to the decision within bounds (one to two years), the entry is certainly in
force until the shortest bound and possibly until the longest: in between its measures answer
``review``. A published penalty applies for the maximum publication period of its severity; for a
penalty decided before the edition in force took effect, each bound is the lighter of the two
editions (从旧兼从轻; see ``rulesets/CN/cn-credit-repair/2026.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jrp.engine.facts import Record
from jrp.rulesets.schema import (
    CreditList,
    Duration,
    PeriodRange,
    PublicationPeriods,
    SeverityPeriods,
)
from jrp.vocabulary.periods import shift
from jrp.vocabulary.records import Severity


@dataclass(frozen=True, slots=True)
class Window:
    """When a record stops applying: ``until`` (None: open-ended), for certain only up to ``certain_until``.

    ``beyond_maximum``: the open stretch is a stated end later than the basis allows — the decision and the
    rules disagree, and a person must say which holds.
    """

    until: date | None
    certain_until: date | None = None  # None: certain for the whole window
    why_open: str = ""
    beyond_maximum: bool = False


def _bounds(period: Duration | PeriodRange | None) -> tuple[Duration | None, Duration | None, bool]:
    """(shortest, longest, open-ended) of a listing period."""
    if period is None:
        return None, None, True
    if isinstance(period, PeriodRange):
        return period.min, period.max, False
    return period, period, False


def listing_window(record: Record, credit_list: CreditList) -> Window:
    """The window of a list entry: its own end (cut to what its ground allows) or its ground's period."""
    ground = next((g for g in credit_list.grounds if g.id == record.ground), None)
    if ground is not None:
        periods, caps, label = [ground.period], [_cap(ground.period, ground.longest)], f"ground {ground.id}"
    elif credit_list.grounds and credit_list.listing_period is None:
        periods = [g.period for g in credit_list.grounds]
        caps, label = [_cap(g.period, g.longest) for g in credit_list.grounds], "its grounds"
    else:
        periods = [credit_list.listing_period]
        caps, label = [_cap(credit_list.listing_period, credit_list.longest)], "the list"
    if record.end is not None:
        cap = None if any(c is None for c in caps) else max(shift(record.start, c) for c in caps)
        if cap is None or record.end <= cap:
            return Window(record.end)
        return Window(record.end, cap, f"the record states an end on {record.end}, later than the {cap} {label} "
                                       "allows", beyond_maximum=True)
    # Without a stated end, the entry holds for certain for the shortest period and possibly until the longest end
    # a decision may set (an extension the court may order: SPC 2017 art. 2, 可以延长一至三年).
    bounds = [(low, cap or high, is_open) for (low, high, is_open), cap in zip(map(_bounds, periods), caps)]
    finite = [(low, high) for low, high, is_open in bounds if not is_open]
    if not finite:
        return Window(None)
    shortest = min(shift(record.start, low) for low, _ in finite)
    longest = None if len(finite) < len(bounds) else max(shift(record.start, high) for _, high in finite)
    if shortest == longest:
        return Window(longest)
    return Window(longest, shortest, f"the record gives no end and {label} allows {_describe(periods, caps)}")


def _cap(period: Duration | PeriodRange | None, longest: Duration | None) -> Duration | None:
    """The latest end a decision may state: ``longest``, else the top of a range; None: no cap."""
    if longest is not None:
        return longest
    return period.max if isinstance(period, PeriodRange) else None


def _describe(periods: list, caps: list) -> str:
    parts = []
    for period, cap in zip(periods, caps):
        low, high, is_open = _bounds(period)
        text = "no fixed term" if is_open else str(low) if low == high else f"{low} to {high}"
        parts.append(text if is_open or cap in (None, high) else f"{text}, extendable to {cap}")
    return " or ".join(dict.fromkeys(parts))


@dataclass(frozen=True, slots=True)
class Publication:
    """How a penalty is published under the edition(s) that govern it.

    ``published`` is False when it is not published (minor); ``until`` is the end of publication
    (None: no maximum); ``earliest_repair`` the first day repair can take effect. For a penalty
    decided before the edition in force, each figure is the lighter of the two editions', each
    edition computed whole (从旧兼从轻): a mix of bounds would give what neither edition gives.
    """

    severity: Severity | None
    published: bool
    until: date | None
    earliest_repair: date


def effective_severity(record: Record, periods: PublicationPeriods | None) -> Severity | None:
    """The record's own severity, else the one its penalty types imply (order 36 arts. 8–10; the longest wins).

    None: nobody says — not the source, not the classification of the edition in force (which classes no criminal
    penalty, no detention, no 没收违法所得, and fines only by each field's standard). Unknown is never minor.
    """
    if record.severity is not None or periods is None or not record.sanctions:
        return record.severity
    implied = [level for level, sanctions in periods.classification.items()
               if any(s in sanctions for s in record.sanctions)]
    return max((Severity[level] for level in implied), default=None)


def _under(record: Record, periods: SeverityPeriods, severity: Severity | None) -> tuple[bool, date | None, date]:
    """(published, end of publication, earliest repair) under one edition."""
    period = periods.serious if severity is Severity.serious else periods.general \
        if severity is Severity.general else periods.minor
    until = shift(record.start, period.max) if period.max else None
    if record.end is not None and (until is None or record.end > until):
        until = record.end  # a penalty with its own term stays published until it ends (order 36 art. 12)
    minimums = [p for p in (period.min, periods.domain_minimums.get(record.domain or "")) if p]
    earliest = max((shift(record.start, p) for p in minimums), default=record.start)
    if record.end is not None:
        earliest = max(earliest, record.end)  # 对附带期限的处罚，在相关期限届满前…不得提前终止公示 (order 36 art. 12(3))
    return period.published, until, earliest


def publication(record: Record, periods: PublicationPeriods, since: date | None,
                severity: Severity | None = None) -> Publication:
    """The publication of ``record`` (as of ``severity`` if given, else its own): this edition's, or for an
    earlier decision the lighter of both."""
    severity = severity or effective_severity(record, periods)
    published, until, earliest = _under(record, periods, severity)
    earlier = periods.earlier
    if earlier is not None and since is not None and record.start < since:
        old_published, old_until, old_earliest = _under(record, earlier, severity)
        published = published and old_published
        until = old_until if until is None else until if old_until is None else min(until, old_until)
        earliest = min(earliest, old_earliest)
    return Publication(severity, published, until, earliest)


def longest_publication(record: Record, periods: PublicationPeriods, since: date | None) -> date | None:
    """Until when a penalty of unknown class may be published: the longest of the classes that are (None: no end)."""
    possible = (publication(record, periods, since, level) for level in (Severity.general, Severity.serious))
    ends = [p.until for p in possible if p.published]
    if not ends:
        return record.start
    return None if any(end is None for end in ends) else max(ends)  # type: ignore[type-var]
