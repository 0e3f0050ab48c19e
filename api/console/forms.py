"""Reading the console's query strings and forms: every bad value becomes a message naming its field.

Pages read raw strings (never FastAPI-typed parameters, whose errors would be JSON) and
parse them here; a page with problems is shown again with the messages and the values
as typed, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from jrp.api.console.i18n import Translator
from jrp.api.schemas import KEY_PATTERN

_ID = re.compile(KEY_PATTERN)


@dataclass
class Problems:
    """Messages about the fields of one form, in the page's language."""

    t: Translator
    messages: list[str] = field(default_factory=list)

    def add(self, name: str, message: str, **params: object) -> None:
        self.messages.append(self.t("error.field", field=self.t(f"field.{name}"), message=self.t(message, **params)))

    def add_detail(self, name: str, detail: str) -> None:
        """A message written by the service layer (in English) about field ``name``."""
        self.add(name, "error.detail", detail=detail)

    def __bool__(self) -> bool:
        return bool(self.messages)


def text(value: str | None) -> str:
    return (value or "").strip()


def parse_date(value: str | None, name: str, problems: Problems) -> date | None:
    value = text(value)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.add(name, "error.bad_date", value=value)
        return None


def parse_choice(value: str | None, choices: Collection[str], name: str, problems: Problems) -> str | None:
    value = text(value)
    if not value:
        return None
    if value not in choices:
        problems.add(name, "error.bad_choice", value=value)
        return None
    return value


def parse_int(value: str | None, name: str, problems: Problems, low: int, high: int) -> int | None:
    value = text(value)
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        problems.add(name, "error.bad_number", value=value, low=low, high=high)
        return None
    return int(value)


def is_id(value: str) -> bool:
    """A subject, decision, measure or ruleset id as the API accepts it in a path or filter."""
    return bool(_ID.match(value))


def parse_id(value: str | None, name: str, problems: Problems) -> str | None:
    value = text(value)
    if not value:
        return None
    if not is_id(value):
        problems.add(name, "error.bad_id", value=value)
        return None
    return value
