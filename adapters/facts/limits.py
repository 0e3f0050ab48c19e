"""The input contract: how long each text may be, which numbers pass, how deep free JSON may nest.

Stated once here and used by the event format (``jrp.adapters.facts.events``) and the API's
schemas (``jrp.api.schemas``), so the limits appear in OpenAPI and are enforced before the
database: SQLite stores a 10,000-character name in a ``VARCHAR(300)`` column, PostgreSQL
refuses it, and only a limit checked here makes both refuse the same input with the same
field named. Every text limit equals (or is below) the column that stores it
(``jrp.adapters.facts.orm``, ``jrp.adapters.log.entries``).

Two things JSON can carry that no field may hold are checked on the parsed document as a
whole (:func:`json_problems`, for API bodies and JSON Lines files alike): numbers that are
not finite (``1e400`` parses as infinity, Python's JSON also reads ``Infinity`` and ``NaN``)
and lone UTF-16 surrogates (``"\\ud800"``: no character, no database can store it).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AfterValidator, Field

ID_MAX = 64  # subjects.subject_id and every column holding an identifier
NAME_MAX = 300  # subjects.name, records.subject_name
KEY_MAX = 300  # events.idempotency_key, records.record_id
AUTHORITY_MAX = 300  # records.authority
DOC_NO_MAX = 300  # records.doc_no
MATTER_MAX = 300  # records.matter
REGION_MAX = 20  # records.region (CN-JS-NT-TC and the like)
CODE_MAX = 100  # records.list_id, domain, scheme, ground
GRADE_MAX = 40  # records.grade
ROLE_MAX = 64  # relations.role
AMOUNT_MAX = 1e12  # yuan: above the largest fine ever imposed (1.8e10) by far, below what a float counts exactly
POINTS_MAX = 1e6  # points and scores of credit schemes (a few hundred at most in every scheme on record)
RAW_DEPTH_MAX = 32  # an imported source row is flat; serialisers give up near 255 levels


def _no_duplicates(values: tuple[Any, ...]) -> tuple[Any, ...]:
    seen = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{getattr(value, 'value', value)!r} is given twice; send each once")
        seen.add(value)
    return values


def depth_of(value: Any) -> int:
    """Levels of objects and arrays in ``value`` (a scalar: 0), counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _shallow(value: dict[str, Any]) -> dict[str, Any]:
    depth = depth_of(value)
    if depth > RAW_DEPTH_MAX:
        raise ValueError(f"nested {depth} levels deep; at most {RAW_DEPTH_MAX}: send the source row flat")
    return value


Name = Annotated[str, Field(max_length=NAME_MAX, description=f"at most {NAME_MAX} characters")]
Authority = Annotated[str, Field(min_length=1, max_length=AUTHORITY_MAX)]
DocNo = Annotated[str, Field(max_length=DOC_NO_MAX)]
Region = Annotated[str, Field(min_length=1, max_length=REGION_MAX)]
Amount = Annotated[float, Field(ge=0, le=AMOUNT_MAX, allow_inf_nan=False, description="yuan, finite")]
Points = Annotated[float, Field(ge=-POINTS_MAX, le=POINTS_MAX, allow_inf_nan=False)]
Unique = AfterValidator(_no_duplicates)
RawJson = Annotated[dict[str, Any], AfterValidator(_shallow), Field(
    description=f"free JSON, at most {RAW_DEPTH_MAX} levels deep, finite numbers and valid Unicode only")]


NOT_FINITE = ("not a finite number (1e400, Infinity and NaN cannot be stored); send the value as a number "
              "within the field's range")
SURROGATE = ("holds a lone UTF-16 surrogate (an escape like \\ud800 without its pair), which is no character; "
             "send valid Unicode")


def json_problems(value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, problem) for every non-finite number and every text (or key) with a lone surrogate in parsed JSON.

    Iterative, so a document nested as deep as the parser allows is walked without recursion.
    """
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                yield path, SURROGATE
        elif isinstance(item, float):
            if not math.isfinite(item):
                yield path, NOT_FINITE
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                if not _encodable(key):
                    yield (*path, key.encode("utf-8", "backslashreplace").decode()), SURROGATE
                stack.append((child, (*path, key)))
        elif isinstance(item, list):
            stack.extend((child, (*path, index)) for index, child in reversed(list(enumerate(item))))


def _encodable(text_value: str) -> bool:
    try:
        text_value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable_path(path: tuple[str | int, ...]) -> str:
    """A path as a dotted field name; a key holding a surrogate shown escaped."""
    return ".".join(str(part).encode("utf-8", "backslashreplace").decode() for part in path)
