"""``jrp rulesets …``: the global --rulesets-dir is used, eval evaluates facts without storing anything,
diff and impact print JSON on request, and impact says why it evaluated nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from jrp.adapters.facts.demo import DEMO_SUBJECTS, fixed_events
from jrp.adapters.facts.ingest import ingest
from jrp.demo_vocabulary import vocabulary_of
from jrp.rulesets.json_schema import SCHEMAS, shipped
from jrp.rulesets.library import BUNDLED_RULESETS, Library
from jrp.runtime import Runtime
from jrp.settings import Settings
from jrp.tester import iter_cases
from tests.cli.conftest import Run

FIXTURE = Path(__file__).parents[1] / "rulesets" / "fixture"
BROKEN = Path(__file__).parents[1] / "rulesets" / "broken" / "role_not_in_scenario.yaml"
DEBTOR_CASE = {"as_of": "2025-06-01", "scenario": "government_procurement", "role": "supplier",
               "records": [{"type": "list_entry", "list": "dishonest-judgment-debtors",
                            "ground": "spc-2017-art1-items2-6", "start": "2025-01-10"}]}


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_global_rulesets_dir_is_the_one_validated(jrp: Run, tmp_path: Path) -> None:
    folder = tmp_path / "rulesets"
    shutil.copytree(FIXTURE, folder)
    shutil.copy(BROKEN, folder / "CN" / "base" / "1.yaml")
    result = jrp("--rulesets-dir", folder, "rulesets", "validate")
    assert result.exit_code == 1
    assert f"{folder}/CN/base/1.yaml:8: error role-not-in-scenario" in result.stdout
    assert f"{folder}: 1 ruleset versions" in result.stdout
    assert jrp("rulesets", "validate").exit_code == 0  # the bundled rulesets, as before


def test_eval_answers_a_case_as_json_and_stores_nothing(jrp: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JRP_DATA_DIR", str(tmp_path / "never-created"))
    case = _write(tmp_path / "case.yaml", DEBTOR_CASE)
    result = jrp("rulesets", "eval", case, "--jurisdiction", "CN-JS-NT", "--role", "supplier", "--json")
    assert result.exit_code == 0, result.output
    [answer] = json.loads(result.stdout)
    assert (answer["jurisdiction"], answer["as_of"], answer["role"]) == ("CN-JS-NT", "2025-06-01", "supplier")
    assert "nantong-silent-check@2024.2" in answer["bundle"]["rulesets"]
    measures = {m["measure_id"]: m for m in answer["decision"]["measures"]}
    assert answer["decision"]["outcome"] == "deny" and "gp-supplier-disqualified" in measures
    assert measures["gp-supplier-disqualified"]["roles"] == ["supplier"]  # 政府采购法 art. 22: a supplier condition
    assert not (tmp_path / "never-created").exists()


def test_eval_of_a_json_file_and_the_date_option(jrp: Run, tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(DEBTOR_CASE), encoding="utf-8")
    later = jrp("rulesets", "eval", case, "--as-of", "2027-02-01", "--json")  # two years run: maybe extended
    assert json.loads(later.stdout)[0]["decision"]["outcome"] == "review"
    lapsed = jrp("rulesets", "eval", case, "--as-of", "2030-02-01", "--json")  # past the longest extension
    assert json.loads(lapsed.stdout)[0]["decision"]["outcome"] == "allow"
    text = jrp("rulesets", "eval", case)
    assert "outcome deny" in text.stdout and "gp-supplier-disqualified" in text.stdout


def test_eval_of_a_tests_file_compares_expectations(jrp: Run) -> None:
    tests = BUNDLED_RULESETS / "CN" / "cn-basic-list" / "tests.yaml"
    result = jrp("rulesets", "eval", tests, "--json")
    assert result.exit_code == 0
    cases = [case for ruleset, case, _, _ in iter_cases(Library.load()) if ruleset == "cn-basic-list"]
    answers = json.loads(result.stdout)
    assert [a["name"] for a in answers] == [c.name for c in cases]
    assert all(a["failures"] == [] for a in answers)


def test_eval_reports_an_expectation_that_fails(jrp: Run, tmp_path: Path) -> None:
    case = _write(tmp_path / "case.yaml", {**DEBTOR_CASE, "name": "a wrong expectation", "expect": {"outcome": "allow"}})
    result = jrp("rulesets", "eval", case)
    assert result.exit_code == 1
    assert "outcome: expected allow, got deny" in result.stdout


def test_a_test_case_whose_role_is_foreign_to_its_scenario_is_a_schema_error(jrp: Run, tmp_path: Path) -> None:
    case = _write(tmp_path / "case.yaml", {**DEBTOR_CASE, "scenario": "consumption", "role": "supplier"})
    line = case.read_text(encoding="utf-8").splitlines().index("role: supplier") + 1
    result = jrp("rulesets", "eval", case)
    assert result.exit_code == 2
    assert f"case.yaml:{line}: error schema: role: role supplier does not belong to scenario consumption" in result.stderr


def test_diff_as_json_has_the_structured_values(jrp: Run) -> None:
    result = jrp("rulesets", "diff", "cn-credit-repair@2023", "cn-credit-repair@2026", "--json")
    body = json.loads(result.stdout)
    dates = next(c for c in body["changes"] if c["aspect"] == "effective dates")
    assert (dates["was"], dates["now"]) == (["2023-05-01", "2026-03-31"], ["2026-04-01", ""])
    assert body["errors"] == 0 and result.exit_code == 0


@pytest.fixture
def demo_store(tmp_path: Path) -> Runtime:
    runtime = Runtime(Settings())  # the jrp fixture's store, through the environment
    ingest(runtime.engine, fixed_events(vocabulary_of(runtime.library)))
    yield runtime
    runtime.close()


def _candidate(folder: Path, effective_from: str = "2026-01-01") -> Path:
    """cn-basic-list 2026.1 without the judgment-debtor procurement rule, saved as rulesets/README.md suggests."""
    data = yaml.safe_load((BUNDLED_RULESETS / "CN" / "cn-basic-list" / "2024.4.yaml").read_text(encoding="utf-8"))
    data["ruleset"].update(version="2026.1", effective_from=effective_from)
    data["ruleset"].pop("replaces")
    data["rules"] = [rule for rule in data["rules"] if rule["id"] != "judgment-debtor-procurement"]
    return _write(folder / "CN" / "cn-basic-list" / "2026.1.yaml", data)


def test_impact_of_a_candidate_saved_among_the_rulesets(jrp: Run, demo_store: Runtime, tmp_path: Path) -> None:
    folder = tmp_path / "rulesets"
    shutil.copytree(BUNDLED_RULESETS, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__", "*.md"))
    candidate = _candidate(folder)
    result = jrp("--rulesets-dir", folder, "rulesets", "impact", candidate, "--as-of", "2026-06-01", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["reason"] == "" and report["subjects"] > 0
    lost = {(row["measure_id"], row["jurisdiction"]) for row in report["lost"]}
    assert ("gp-supplier-disqualified", "CN") in lost
    debtor = DEMO_SUBJECTS["debtor_supplier"].subject_id
    assert debtor in next(e["subjects"] for e in report["examples"] if e["measure_id"] == "gp-supplier-disqualified")


def test_impact_before_the_candidate_starts_says_why_nothing_was_evaluated(jrp: Run, demo_store: Runtime,
                                                                          tmp_path: Path) -> None:
    candidate = _candidate(tmp_path / "work")
    result = jrp("rulesets", "impact", candidate, "--as-of", "2025-06-01")
    assert result.exit_code == 0
    assert "0 subjects, 0 evaluations" in result.stdout
    assert ("nothing evaluated: cn-basic-list@2026.1 is not in force on 2025-06-01 (it applies from 2026-01-01): "
            "compare on a date it is in force, e.g. --as-of 2026-01-01") in " ".join(result.stdout.split())


def test_impact_compares_on_the_candidates_first_day_when_it_starts_after_today(jrp: Run, demo_store: Runtime,
                                                                               tmp_path: Path) -> None:
    candidate = _candidate(tmp_path / "work", effective_from="2099-01-01")
    report = json.loads(jrp("rulesets", "impact", candidate, "--json").stdout)
    assert report["as_of"] == "2099-01-01" and report["reason"] == "" and report["evaluations"] > 0


def test_impact_of_an_unchanged_copy_says_it_changes_nothing(jrp: Run, demo_store: Runtime, tmp_path: Path) -> None:
    data = yaml.safe_load((BUNDLED_RULESETS / "CN" / "cn-basic-list" / "2024.4.yaml").read_text(encoding="utf-8"))
    copy = _write(tmp_path / "copy.yaml", data)
    report = json.loads(jrp("rulesets", "impact", copy, "--as-of", "2025-06-01", "--json").stdout)
    assert report["subjects"] == 0 and "changes no rule in force on 2025-06-01" in report["reason"]


def test_impact_refuses_a_candidate_that_widens_a_penalty_without_basis(jrp: Run, demo_store: Runtime,
                                                                       tmp_path: Path) -> None:
    candidate = _candidate(tmp_path / "work")
    data = yaml.safe_load(candidate.read_text(encoding="utf-8"))
    next(m for m in data["measures"] if m["id"] == "gp-ban-supplier")["roles"] = []  # suppliers → any role
    _write(candidate, data)
    result = jrp("rulesets", "impact", candidate, "--as-of", "2026-06-01")
    assert result.exit_code == 2
    assert "the candidate does not validate" in result.stderr
    assert ("against cn-basic-list@2024.4: gp-ban-supplier roles widened: supplier → any role without a new legal "
            "basis") in result.stderr


def test_schema_prints_the_shipped_json_schema(jrp: Run) -> None:
    for kind in SCHEMAS:
        assert jrp("rulesets", "schema", kind).stdout == shipped(kind).read_text(encoding="utf-8")
