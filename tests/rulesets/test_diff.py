"""The semantic diff: every kind of change is found, located, and unfounded widening is an error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jrp.rulesets.diff import ANY_ROLE, Aspect, Direction, diff
from jrp.rulesets.library import BUNDLED_RULESETS, Library, read_ruleset_file
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
        ("bad-supplier-banned", "rule", Direction.changed),  # it now names the new measure
    }


def test_ruleset_level_sections_are_compared_between_bundled_editions():
    from jrp.rulesets.bundle import RulesetRef
    from jrp.rulesets.library import Library

    library = Library.load()
    changes = diff(library.get(RulesetRef("cn-credit-repair", "2023")), library.get(RulesetRef("cn-credit-repair", "2026")))
    [periods] = [c for c in changes if c.aspect == "publication periods"]
    assert "general.max: P3Y → P1Y" in periods.detail
    assert periods.before.endswith(".yaml:14") and "2026.yaml" in periods.after


REVIEW = {"id": "procurement-review", "name": {"zh": "从严审核", "en": "Heightened review"}, "kind": "penalty",
          "category": 2, "effect": "heightened_review", "matter": "政府采购", "target": "供应商", "means": "从严审核",
          "authority": "财政部门", "basis": [{"instrument": "gov-procurement-law", "article": 77}],
          "scenarios": ["government_procurement"], "intensity": 2}
WATCH = {"id": "watch", "name": {"zh": "关注", "en": "Watch"}, "kind": "serious", "authority": "财政部门",
         "basis": [{"instrument": "gov-procurement-law", "article": 77}]}
REVIEW_RULE = {"id": "watch-review", "when": {"list": "watch"}, "measures": ["procurement-review"], "roles": ["supplier"]}


def _with_review(data):
    data["lists"].append(dict(WATCH))
    data["measures"].append(dict(REVIEW))
    data["rules"].append(dict(REVIEW_RULE))


def _diff_of(tmp_path: Path, edit_old, edit_new):
    old, new = _edited(tmp_path / "old", edit_old), _edited(tmp_path / "new", edit_new)
    return diff(read_ruleset_file(old), read_ruleset_file(new))


@pytest.fixture
def two_dirs(tmp_path: Path) -> Path:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    return tmp_path


def test_pointing_a_review_rule_at_a_category_one_ban_without_new_basis_is_an_error(two_dirs):
    def repoint(data):
        _with_review(data)
        data["rules"][-1]["measures"] = ["banned-from-procurement"]

    changes = _diff_of(two_dirs, _with_review, repoint)
    [ban] = [c for c in changes if c.measure_id == "banned-from-procurement"]
    assert (ban.aspect, ban.direction, ban.level) == (Aspect.triggers, Direction.widened, Level.error)
    assert ban.now == ("list:bad-suppliers", "list:watch") and "without a new legal basis" in ban.detail
    [review] = [c for c in changes if c.measure_id == "procurement-review"]  # left without a rule: narrowed, not widened
    assert (review.aspect, review.direction, review.level) == (Aspect.triggers, Direction.narrowed, Level.warning)
    assert "no rule reaches the measure any more" in review.detail
    assert not [c for c in changes if c.aspect == Aspect.roles]


def test_a_repointed_rule_that_brings_a_new_citation_is_founded(two_dirs):
    def repoint(data):
        _with_review(data)
        data["rules"][-1].update(measures=["banned-from-procurement"], basis=[{"instrument": "gov-procurement-law",
                                                                               "article": 22}])

    [ban] = [c for c in _diff_of(two_dirs, _with_review, repoint) if c.measure_id == "banned-from-procurement"]
    assert (ban.direction, ban.level) == (Direction.widened, Level.warning)


def test_a_trigger_moved_to_a_list_kept_under_the_measures_own_article_is_founded(two_dirs):
    """The decision an article foresees (a list whose basis is the measure's article) may trigger it; another may not."""
    def moved(basis):
        def edit(data):
            data["lists"].append({**WATCH, "basis": [basis]})
            data["rules"][0]["when"] = {"list": "watch"}
        return edit

    measure_article = {"instrument": "gov-procurement-law", "article": 22}
    [same] = [c for c in _diff_of(two_dirs, lambda d: None, moved(measure_article))
              if c.measure_id == "banned-from-procurement" and c.direction is Direction.widened]
    assert (same.aspect, same.level) == (Aspect.triggers, Level.warning)
    [other] = [c for c in _diff_of(two_dirs, lambda d: None, moved({"instrument": "gov-procurement-law", "article": 77}))
               if c.measure_id == "banned-from-procurement" and c.direction is Direction.widened]
    assert (other.aspect, other.level) == (Aspect.triggers, Level.error)


def test_a_new_rule_appears_and_widens_the_penalty_it_reaches(tmp_path):
    def add_rule(data):
        data["lists"].append(dict(WATCH))
        data["rules"].append({"id": "watch-ban", "when": {"list": "watch"}, "measures": ["banned-from-procurement"]})

    changes = {(c.measure_id, c.aspect, c.direction): c for c in _changes(tmp_path, add_rule)}
    assert ("watch-ban", Aspect.rule, Direction.added) in changes
    assert ("watch", Aspect.list, Direction.added) in changes
    assert changes[("banned-from-procurement", Aspect.triggers, Direction.widened)].level is Level.error
    roles = changes[("banned-from-procurement", Aspect.roles, Direction.widened)]  # the new rule names no role
    assert (roles.was, roles.now, roles.level) == (("supplier",), (ANY_ROLE,), Level.error)


def test_a_changed_threshold_is_reported_as_a_trigger_condition(two_dirs):
    def threshold(severity):
        return lambda data: data["rules"][0].update(when={"penalty": {"min_severity": severity}})

    [change] = [c for c in _diff_of(two_dirs, threshold("serious"), threshold("general"))
                if c.aspect == Aspect.trigger_condition]
    assert change.detail == "penalty: min_severity: serious → general"
    assert change.fields == (("min_severity", "serious", "general"),)
    assert change.direction is Direction.changed


def test_dropping_a_reach_limit_widens_the_measure_without_basis(tmp_path):
    """精准惩戒: a licence bar that no longer keeps to the licence its decision names is an unfounded widening."""
    library = Library.load()
    old = library.resolve("cn-basic-list@2024.4")
    text = (BUNDLED_RULESETS / "CN" / "cn-basic-list" / "2024.4.yaml").read_text(encoding="utf-8")
    widened = tmp_path / "2026.1.yaml"
    widened.write_text(text.replace("    reach: {matter: same_as_record, public_safety: true}\n",
                                    "    reach: {public_safety: true}\n", 1)
                       .replace('version: "2024.4"', 'version: "2026.1"'), encoding="utf-8")
    changes = [c for c in diff(old, read_ruleset_file(widened)) if c.aspect == "reach"]
    assert [(c.measure_id, c.direction.value, c.level.value) for c in changes] == [
        ("licence-reapplication-bar-1y", "widened", "error")]
    assert "matter" in changes[0].detail and changes[0].was == ("matter: same_as_record", "public_safety: True")
    assert changes[0].now == ("public_safety: True",)


def test_a_list_of_entries_is_compared_entry_by_entry_in_words_not_reprs():
    """The grounds a list gained are named by id and field (no Python dict printed), nothing empty reported."""
    library = Library.load()
    changes = diff(library.resolve("cn-basic-list@2024.1"), library.resolve("cn-basic-list@2024.3"))
    [debtors] = [c for c in changes if c.aspect == Aspect.list and c.measure_id == "dishonest-judgment-debtors"]
    fields = {path: (was, now) for path, was, now in debtors.fields}
    assert fields["grounds.spc-2017-art1-items2-6.longest"] == ("", "P5Y")
    assert fields["grounds.spc-2017-art1-items2-6.name.zh"] == ("", "妨碍、抗拒、规避执行等（第1条第2项至第6项）")
    assert "grounds" not in fields  # the empty list of 2024.1 is no value of its own
    assert not [c for c in changes if "{'" in c.detail or any("{'" in v for f in c.fields for v in f[1:])]
