"""The semantic diff: every kind of change is found, located, and unfounded widening is an error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jrp.rulesets.diff import Direction, diff
from jrp.rulesets.library import read_ruleset_file
from jrp.rulesets.loader import Level

BASE = Path(__file__).parent / "fixture" / "CN" / "base" / "1.yaml"
NEW_CITATION = {"instrument": "gov-procurement-law", "article": 77, "covers": ["bidding"]}


def _edited(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "working-copy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _changes(tmp_path: Path, edit):
    return diff(read_ruleset_file(BASE), read_ruleset_file(_edited(tmp_path, edit)))


def test_an_unchanged_copy_has_no_changes(tmp_path):
    assert _changes(tmp_path, lambda data: None) == []


def test_widening_a_penalty_without_new_basis_is_an_error_located_on_both_sides(tmp_path):
    changes = _changes(tmp_path, lambda d: d["measures"][0]["scenarios"].append("bidding"))
    [change] = changes
    assert (change.aspect, change.direction, change.level) == ("scenarios", Direction.widened, Level.error)
    assert change.before.endswith("1.yaml:27") and change.after.startswith(str(tmp_path))
    assert "without a new legal basis" in change.detail


def test_widening_with_an_added_citation_is_reported_but_allowed(tmp_path):
    def edit(data):
        data["measures"][0]["scenarios"].append("bidding")
        data["measures"][0]["basis"].append(NEW_CITATION)

    changes = _changes(tmp_path, edit)
    assert {c.aspect for c in changes} == {"scenarios", "legal basis"}
    assert all(c.level is Level.warning for c in changes)


@pytest.mark.parametrize(
    ("edit", "aspect", "direction"),
    [
        (lambda d: d["measures"][0].update(min_severity="general"), "minimum severity", Direction.widened),
        (lambda d: d["measures"][0].update(intensity=3), "intensity", Direction.narrowed),
        (lambda d: d["measures"][0].update(effect="restrict"), "effect", Direction.narrowed),
        (lambda d: d["measures"][0].update(duration="P1Y"), "duration", Direction.narrowed),
        (lambda d: d["rules"][0].update(roles=[]), "roles", Direction.widened),
        (lambda d: d["rules"][0].update(roles=["supplier", "bidder"]), "roles", Direction.widened),
        (lambda d: d["lists"][0].update(extends_to=["legal_representative"], extension_basis=[NEW_CITATION]),
         "related-party extension", Direction.widened),
    ],
)
def test_each_scope_change_is_classified(tmp_path, edit, aspect, direction):
    changes = [c for c in _changes(tmp_path, edit) if c.aspect == aspect]
    assert [c.direction for c in changes] == [direction]
    assert (changes[0].level is Level.error) == (direction is Direction.widened)


def test_added_and_removed_measures_and_dates(tmp_path):
    def edit(data):
        data["ruleset"]["effective_from"] = "2025-01-01"
        measure = dict(data["measures"][0], id="new-measure")
        data["measures"] = [measure]
        data["rules"][0]["measures"] = ["new-measure"]

    found = {(c.measure_id, c.aspect, c.direction) for c in _changes(tmp_path, edit)}
    assert found == {
        ("(ruleset)", "effective dates", Direction.changed),
        ("banned-from-procurement", "measure", Direction.removed),
        ("new-measure", "measure", Direction.added),
    }


def test_ruleset_level_sections_are_compared_between_bundled_editions():
    from jrp.rulesets.bundle import RulesetRef
    from jrp.rulesets.library import Library

    library = Library.load()
    changes = diff(library.get(RulesetRef("cn-credit-repair", "2023")), library.get(RulesetRef("cn-credit-repair", "2026")))
    [periods] = [c for c in changes if c.aspect == "publication periods"]
    assert "general.max: P3Y → P1Y" in periods.detail
    assert periods.before.endswith(".yaml:14") and "2026.yaml" in periods.after
