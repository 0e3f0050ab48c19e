"""JSON Schemas of the files maintainers write, for their editors: generated from the models of ``schema.py``.

With the YAML extension of VS Code (yaml-language-server), a file whose first line names its
schema gets completion of field names, each field's description with its allowed values, and a
misspelt field underlined as it is typed::

    # yaml-language-server: $schema=../../ruleset.schema.json

The schemas ship in this folder, one per kind of file (``SCHEMAS``); ``jrp rulesets schema``
prints them, and a test keeps the shipped files equal to what the models generate. A schema
checks shape only: ``jrp rulesets validate`` remains the judge (citations, dates, layering).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel

from jrp.rulesets.schema import InstrumentRegistry, Ruleset, TestSuite

HERE = Path(__file__).resolve().parent
DRAFT = "https://json-schema.org/draft/2020-12/schema"


class Kind(NamedTuple):
    model: type[BaseModel]
    file: str
    title: str


SCHEMAS: dict[str, Kind] = {
    "ruleset": Kind(Ruleset, "ruleset.schema.json", "jrp ruleset version (<JURISDICTION>/<ruleset-id>/<version>.yaml)"),
    "tests": Kind(TestSuite, "tests.schema.json", "jrp ruleset test cases (<JURISDICTION>/<ruleset-id>/tests.yaml)"),
    "sources": Kind(InstrumentRegistry, "legal_sources.schema.json", "jrp legal-source registry (legal_sources.yaml)"),
}


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind of file, each field's description ending with the values it allows."""
    model, _file, title = SCHEMAS[kind]
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    for definition in (schema, *definitions.values()):
        for prop in definition.get("properties", {}).values():
            if "description" not in prop:
                continue
            text = " ".join(prop["description"].split())  # a docstring's lines, as one line
            allowed = _allowed(prop, definitions)
            if allowed:
                text += ("" if text.endswith((".", ")")) else ".") + f" Allowed: {', '.join(map(str, allowed))}."
            prop["description"] = text
    return {"$schema": DRAFT, **schema, "title": title}


def _allowed(prop: dict[str, Any], definitions: dict[str, Any]) -> list[Any]:
    """The values a property may take when they are enumerated: through references, unions and list items."""
    if "enum" in prop:
        return list(prop["enum"])
    if "const" in prop:
        return [prop["const"]]
    if "$ref" in prop:
        return _allowed(definitions[prop["$ref"].rsplit("/", 1)[-1]], definitions)
    if "items" in prop:
        return _allowed(prop["items"], definitions)
    branches = [_allowed(branch, definitions) for branch in prop.get("anyOf", ()) if branch.get("type") != "null"]
    return [value for values in branches for value in values] if branches and all(branches) else []


def schema_text(kind: str) -> str:
    """The schema as shipped: indented JSON, Chinese as written, a newline at the end."""
    return json.dumps(json_schema(kind), ensure_ascii=False, indent=2) + "\n"


def shipped(kind: str) -> Path:
    """The file of the schema in the installed package."""
    return HERE / SCHEMAS[kind].file
