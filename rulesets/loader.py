"""Reading YAML with line numbers, so every problem can be reported as file:line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

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


def _index_node(node: yaml.Node, location: Location, lines: dict[Location, int]) -> None:
    lines[location] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*location, key_node.value)
            _index_node(value_node, child, lines)
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _index_node(item, (*location, position), lines)


SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it: the bundled rulesets load in ~0.07 s instead of ~1 s."""


def read_yaml(path: Path) -> tuple[Any, LineIndex]:
    """Parse ``path`` safely (once: the data is built from the same node tree whose lines are indexed)."""
    text = path.read_text(encoding="utf-8")
    loader = SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise RulesetError([Problem("yaml-syntax", path, line, f"not valid YAML: {error}")]) from None
    finally:
        loader.dispose()
    lines: dict[Location, int] = {}
    if root is not None:
        _index_node(root, (), lines)
    return data, LineIndex(path, lines)


def _describe(error: dict[str, Any]) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "(top level)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
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
