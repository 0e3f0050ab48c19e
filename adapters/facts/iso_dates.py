"""Dates and times on the wire are ISO 8601 text: ``as_of: 0`` is a mistake, not 1970-01-01.

pydantic reads numbers, and strings of digits, as Unix timestamps (``0`` → 1970-01-01,
``"20250101"`` → 1970-08-23 as a datetime). These annotated types accept a ``date`` or
``datetime`` object (Python callers) or ISO text, and refuse anything else with the form
to use.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        return value.strip()
    raise ValueError(f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2025-03-01")


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATETIME.match(value.strip()):
        return value.strip()
    raise ValueError(f"{value!r} is not a date and time; write ISO 8601, e.g. 2025-03-01T08:00:00+08:00")


IsoDate = Annotated[date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]
IsoDatetime = Annotated[datetime, BeforeValidator(_iso_datetime),
                        WithJsonSchema({"type": "string", "format": "date-time"})]
