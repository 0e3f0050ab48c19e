"""Reading YAML with line numbers, so every problem can be reported as file:line.

YAML reaches jrp from users (a candidate ruleset posted to the impact preview or uploaded
in the console, an import profile), so the reader is bounded: no aliases (``*name``:
a kilobyte of nested aliases expands to gigabytes and minutes of CPU in whatever walks
the result), at most ``MAX_DEPTH`` levels of nesting and ``MAX_CHARACTERS`` characters.
Rulesets never need aliases: every value is written out where it applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from jrp.rulesets.yaml_messages import UNQUOTED_COMMA, impossible_date, syntax_message

Location = tuple[str | int, ...]
Model = TypeVar("Model", bound=BaseModel)


class Level(StrEnum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of validation: a code, where it is, what is wrong and how to fix it."""

    code: str
    file: Path
    line: int | None
    message: str
    level: Level = Level.error

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.level.value} {self.code}: {self.message}"


class RulesetError(Exception):
    """Raised when files cannot be loaded; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=lambda p: (str(p.file), p.line or 0))
        super().__init__(f"{len(self.problems)} errors occurred:\n" + "\n".join(map(str, self.problems)))


@dataclass(frozen=True)
class LineIndex:
    """Maps a path into the parsed YAML (keys and list indexes) to its 1-based line."""

    file: Path
    lines: dict[Location, int]

    def line_of(self, location: Location) -> int | None:
        """The line of ``location`` or of its nearest ancestor that has one."""
        location = tuple(location)
        while location:
            if location in self.lines:
                return self.lines[location]
            location = location[:-1]
        return self.lines.get((), None)


FIELD_NAME = re.compile(r"^[a-z_]+$")
"""What a field of the schema looks like; a key without a value that does not is a value split by a comma."""
MAX_CHARACTERS = 4_000_000  # the largest bundled ruleset is ~30,000; the API takes candidates up to 2,000,000
MAX_DEPTH = 40  # rulesets nest ~8 levels

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it: the bundled rulesets load in ~0.07 s instead of ~1 s.
libyaml itself refuses nesting beyond 1,000 levels, so composing cannot exhaust the stack."""


class ImpossibleDate(yaml.constructor.ConstructorError):
    """An unquoted date that does not exist (``2027-02-30``): YAML reads it as a date, the calendar has none."""


def _timestamp(loader: yaml.constructor.SafeConstructor, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as error:  # the stock constructor lets the calendar's ValueError escape, without a line
        raise ImpossibleDate(None, None, impossible_date(node.value, str(error)), node.start_mark) from None


class DateCheckingLoader(SafeLoader):  # type: ignore[misc, valid-type]
    """``SafeLoader``, with an impossible date reported at its line like any other YAML mistake."""


DateCheckingLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


class BoundedYamlError(yaml.YAMLError):
    """A document jrp refuses to expand: an alias, or nesting deeper than ``MAX_DEPTH``."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def _index_node(node: yaml.Node, location: Location, lines: dict[Location, int], seen: set[int]) -> None:
    """Record the line of ``node`` and of everything under it, refusing aliases and deep nesting.

    The composed tree holds an aliased node once per use (the same object): meeting a node twice
    is an alias, found before anything is constructed, hence before anything expands.
    """
    if len(location) >= MAX_DEPTH:
        raise BoundedYamlError(f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1)
    lines[location] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        children = [((*location, key.value), value, key.start_mark.line + 1) for key, value in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = [((*location, position), item, item.start_mark.line + 1) for position, item in enumerate(node.value)]
    else:
        return
    for child, child_node, used_at in children:
        if id(child_node) in seen:
            line = lines[location] if isinstance(node, yaml.SequenceNode) else used_at
            raise BoundedYamlError("aliases (*name) are not accepted: write the value out where it applies", line)
        seen.add(id(child_node))
        _index_node(child_node, child, lines, seen)
        lines[child] = used_at


def read_yaml(path: Path) -> tuple[Any, LineIndex]:
    """Parse ``path`` safely and index the line of every key and list item.

    The node tree is composed once (by libyaml), checked and indexed, and only then built into data.
    """
    text = path.read_text(encoding="utf-8")
    if len(text) > MAX_CHARACTERS:
        raise RulesetError([Problem("yaml-too-large", path, None,
                                    f"{len(text):,} characters; a YAML file may have {MAX_CHARACTERS:,} at most")])
    loader = DateCheckingLoader(text)
    lines: dict[Location, int] = {}
    try:
        root = loader.get_single_node()
        if root is not None:
            _index_node(root, (), lines, {id(root)})
        data = loader.construct_document(root) if root is not None else None
    except BoundedYamlError as error:
        raise RulesetError([Problem("yaml-unsafe", path, error.line, str(error))]) from None
    except ImpossibleDate as error:
        raise RulesetError([Problem("impossible-date", path, error.problem_mark.line + 1, error.problem)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise RulesetError([Problem("yaml-syntax", path, line, syntax_message(error))]) from None
    finally:
        loader.dispose()
    return data, LineIndex(path, lines)


def _describe(error: dict[str, Any]) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "(top level)"
    message = str(error["msg"]).removeprefix("Value error, ")
    key = str(error["loc"][-1]) if error["loc"] else ""
    if error["type"] == "extra_forbidden" and error.get("input") is None and not FIELD_NAME.match(key):
        message = f"{key!r} {UNQUOTED_COMMA}"
    elif error["type"] == "extra_forbidden":
        message = "unknown field; check the spelling against rulesets/README.md"
    elif error["type"] == "missing":
        message = "required field is missing"
    elif error["type"] == "string_type":
        message = f"{message}; got {error.get('input')!r}: put it in quotes, e.g. \"{error.get('input')}\""
    elif "input" in error and error["type"].endswith(("enum", "literal_error")):
        message = f"{message} (got {error['input']!r})"
    return f"{field}: {message}"


def parse_model(model: type[Model], path: Path) -> tuple[Model, LineIndex]:
    """Read ``path`` and validate it as ``model``; every schema error becomes a located problem."""
    data, index = read_yaml(path)
    try:
        return model.model_validate(data), index
    except ValidationError as error:
        problems = [
            Problem("schema", path, index.line_of(detail["loc"]), _describe(detail))
            for detail in error.errors(include_url=False)
        ]
        raise RulesetError(problems) from None
