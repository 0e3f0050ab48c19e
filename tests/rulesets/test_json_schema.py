"""The JSON Schemas editors read: shipped as the models generate them, every field described, every bundled
file valid against them, and a misspelt field refused as jrp refuses it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from jrp.rulesets.json_schema import SCHEMAS, json_schema, schema_text, shipped
from jrp.rulesets.library import BUNDLED_RULESETS, REGISTRY_FILE, TESTS_FILE
from jrp.rulesets.loader import read_yaml
from jrp.rulesets.publications import PUBLICATIONS_FILE

EDITIONS = sorted(p for p in BUNDLED_RULESETS.glob("*/*/*.yaml") if p.name not in (TESTS_FILE, PUBLICATIONS_FILE))
TESTS = sorted(BUNDLED_RULESETS.glob(f"*/*/{TESTS_FILE}"))


def _as_an_editor_reads(path: Path) -> Any:
    """The file's data as yaml-language-server sees it: YAML 1.2 keeps an unquoted date a string."""
    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value.isoformat() if isinstance(value, date) else value
    return plain(read_yaml(path)[0])


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(shipped(kind).read_text(encoding="utf-8")))


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_the_shipped_schema_is_what_the_models_generate(kind: str) -> None:
    assert shipped(kind).read_text(encoding="utf-8") == schema_text(kind), (
        f"{shipped(kind)} is stale: jrp rulesets schema {kind} > rulesets/{SCHEMAS[kind].file}")


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_every_field_has_a_description_with_its_allowed_values(kind: str) -> None:
    schema = json_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    undescribed = [f"{name}.{field}" for name, definition in (("(top)", schema), *schema["$defs"].items())
                   for field, prop in definition.get("properties", {}).items() if not prop.get("description")]
    assert undescribed == []
    effect = schema["$defs"]["Measure"]["properties"]["effect"]["description"] if kind == "ruleset" else None
    assert effect is None or effect.endswith(
        "Allowed: prohibit, restrict, heightened_review, key_supervision, facilitate, priority, reduced_inspection.")


@pytest.mark.parametrize("path", EDITIONS, ids=[str(p.relative_to(BUNDLED_RULESETS)) for p in EDITIONS])
def test_every_bundled_edition_is_valid_against_the_ruleset_schema(path: Path) -> None:
    assert [error.message for error in _validator("ruleset").iter_errors(_as_an_editor_reads(path))] == []


def test_every_bundled_tests_file_and_the_registry_are_valid_against_theirs() -> None:
    for path in TESTS:
        assert [e.message for e in _validator("tests").iter_errors(_as_an_editor_reads(path))] == [], path
    registry = _as_an_editor_reads(BUNDLED_RULESETS / REGISTRY_FILE)
    assert [e.message for e in _validator("sources").iter_errors(registry)] == []


def test_a_misspelt_field_is_refused() -> None:
    data = _as_an_editor_reads(BUNDLED_RULESETS / "CN-JS-NT" / "nantong-silent-check" / "2024.1.yaml")
    data["measures"][0]["scenario"] = data["measures"][0].pop("scenarios")
    errors = {(tuple(e.absolute_path), e.message) for e in _validator("ruleset").iter_errors(data)}
    assert errors == {(("measures", 0), "Additional properties are not allowed ('scenario' was unexpected)"),
                      (("measures", 0), "'scenarios' is a required property")}

