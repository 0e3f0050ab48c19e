"""Date arithmetic with ISO 8601 periods (P3Y, P6M, P90D) as the rulesets write them."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache

_PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


@lru_cache(maxsize=256)
def period_parts(period: str) -> tuple[int, int, int]:
    """``"P1Y6M"`` → ``(1, 6, 0)``."""
    match = _PERIOD.match(period)
    if not match or not any(match.groups()):
        raise ValueError(f"{period!r} is not an ISO 8601 period such as P3Y, P6M or P90D")
    years, months, days = (int(part or 0) for part in match.groups())
    return years, months, days


@lru_cache(maxsize=65536)
def shift(day: date, period: str, sign: int = 1) -> date:
    """``day`` moved by ``period`` forwards (sign=1) or backwards (sign=-1).

    Month arithmetic clamps to the end of the month: 2024-02-29 + P1Y = 2025-02-28.
    """
    years, months, days = period_parts(period)
    month_index = day.year * 12 + (day.month - 1) + sign * (years * 12 + months)
    year, month = divmod(month_index, 12)
    month += 1
    clamped = min(day.day, calendar.monthrange(year, month)[1])
    return date(year, month, clamped) + timedelta(days=sign * days)


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years (birthdays, 18th year)."""
    return shift(day, f"P{years}Y")
