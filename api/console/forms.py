"""Reading the console's query strings and forms: every bad value becomes a message naming its field.

Pages read raw strings (never FastAPI-typed parameters, whose errors would be JSON) and
parse them here; a page with problems is shown again with the messages and the values
as typed, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date

from jrp.api.console.i18n import Translator
from jrp.api.schemas import KEY_PATTERN
from jrp.rulesets.candidate import Judgement
from jrp.rulesets.diff import Change
from jrp.rulesets.loader import Level, Problem

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

    def add_ruleset_problem(self, name: str, problem: Problem) -> None:
        """A validation problem: what it is in the page's language, where, and the validator's own words after."""
        where = self.t("error.at_line", line=problem.line) if problem.line else ""
        self.add(name, "error.ruleset_problem", where=where, what=self.t.label("problem", problem.code),
                 detail=problem.message)

    def add_judgement(self, name: str, judgement: Judgement, change: Callable[[Change], str]) -> None:
        """Every error of a candidate's judgement: its problems, and its diff's errors said by ``change``."""
        for problem in judgement.problems:
            self.add_ruleset_problem(name, problem)
        for found in judgement.changes:
            if found.level is Level.error and judgement.supersedes is not None:
                self.add(name, "error.against", measure=found.measure_id, detail=change(found),
                         against=f"{judgement.supersedes.ref.id}@{judgement.supersedes.ref.version}")

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
