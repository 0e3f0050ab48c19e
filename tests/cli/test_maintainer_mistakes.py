"""The mistakes a city's rule maintainer made publishing a new Nantong edition (issue 26), each caught.

Every test starts from a copy of the bundled rulesets with one new edition of
``nantong-silent-check`` and makes one mistake in it, then runs the command a maintainer runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result

from jrp.rulesets.bundle import RulesetRef
from jrp.rulesets.library import Library
from tests.cli.conftest import Run
from tests.publishing import NANTONG, PLAN_ONLY, live_version, nantong_edition, plan_ban, save_edition

def _case(tmp_path: Path, **case: Any) -> Path:
    path = tmp_path / "case.yaml"
    facts = {"as_of": "2027-02-01", "scenario": "government_procurement", "role": "supplier",
             "jurisdiction": "CN-JS-NT",
             "records": [{"type": "list_entry", "list": "nt-plan-list", "start": "2027-01-10"}], **case}
    path.write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    return path


def test_a_ban_on_a_local_plan_alone_is_no_answer(jrp: Run, folder: Path, tmp_path: Path) -> None:
    """effect prohibit, category 2, a local plan as the only basis: eval said deny, validate said nothing."""
    edition = save_edition(folder, plan_ban(nantong_edition(folder)))
    answer = jrp("--rulesets-dir", folder, "rulesets", "eval", _case(tmp_path))
    assert "outcome deny" in answer.stdout  # what the rules say, shown
    assert answer.exit_code == 1  # but not taken for an answer
    assert "the answer rests on rules with 2 validation errors" in answer.stderr
    assert "error category-effect: measure nt-plan-ban declares category 2 but its effect prohibit reduces rights" \
        in answer.stderr
    assert "error effect-basis: measure nt-plan-ban has effect prohibit, which reduces rights, but cites only " \
           "['normative_document']" in answer.stderr
    validated = jrp("--rulesets-dir", folder, "rulesets", "validate")
    assert validated.exit_code == 1
    assert f"{edition}:" in validated.stdout and "error effect-basis" in validated.stdout


def test_a_measure_role_its_scenarios_do_not_have(jrp: Run, folder: Path) -> None:
    """roles: [bidder] on a licensing measure: it would silently never apply."""
    data = nantong_edition(folder)
    data["measures"].append({
        "id": "nt-licence-review", "name": {"zh": "许可审查", "en": "Licence review"}, "kind": "penalty",
        "category": 2, "effect": "heightened_review", "matter": "行政许可", "target": "名单主体", "means": "审查",
        "authority": "南通市行政审批局", "basis": PLAN_ONLY, "scenarios": ["administrative_licensing"],
        "roles": ["bidder"], "intensity": 2})
    data["rules"].append({"id": "nt-licence-review", "when": {"list": "nt-gp-serious-dishonest"},
                          "measures": ["nt-licence-review"]})
    save_edition(folder, data)
    result = jrp("--rulesets-dir", folder, "rulesets", "validate")
    assert result.exit_code == 1
    assert ("error role-not-in-scenario: measure nt-licence-review names role bidder, which none of its scenarios "
            "(administrative_licensing) has; use one of applicant") in result.stdout


def _no_traceback(result: Result) -> Result:
    """Exit 1 with messages, not an exception: a traceback at the terminal is a bug."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1 and "Traceback" not in result.output
    return result


def test_an_impossible_date_in_an_edition_is_one_line(jrp: Run, folder: Path) -> None:
    edition = save_edition(folder, nantong_edition(folder))
    edition.write_text(edition.read_text(encoding="utf-8").replace("effective_from: '2027-01-01'",
                                                                   "effective_from: 2027-02-30"), encoding="utf-8")
    line = edition.read_text(encoding="utf-8").splitlines().index("  effective_from: 2027-02-30") + 1
    result = _no_traceback(jrp("--rulesets-dir", folder, "rulesets", "validate"))
    assert result.stdout.splitlines()[0] == (
        f"{edition}:{line}: error impossible-date: 2027-02-30 is not a date: February 2027 has 28 days; write an "
        "existing date, e.g. 2027-02-28")


def test_an_impossible_date_in_a_test_case_is_one_line_in_test_and_validate(jrp: Run, folder: Path) -> None:
    tests = folder / NANTONG / "tests.yaml"
    text = tests.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line.strip().startswith("as_of:"))
    tests.write_text(text.replace(first, first.split("as_of:")[0] + "as_of: 2027-02-30", 1), encoding="utf-8")
    line = tests.read_text(encoding="utf-8").splitlines().index(first.split("as_of:")[0] + "as_of: 2027-02-30") + 1
    expected = f"{tests}:{line}: error impossible-date: 2027-02-30 is not a date: February 2027 has 28 days"
    assert expected in _no_traceback(jrp("--rulesets-dir", folder, "rulesets", "test")).stdout
    assert expected in _no_traceback(jrp("--rulesets-dir", folder, "rulesets", "validate")).stdout


@pytest.mark.parametrize(("mistake", "said"), [
    ("\tmeans: x", "a tab: indent with spaces"),
    ("  means: 禁止: 参与", "a ': ' inside a value starts a new key: quote this value"),
])
def test_a_yaml_mistake_is_one_line_with_its_fix(jrp: Run, folder: Path, mistake: str, said: str) -> None:
    edition = save_edition(folder, nantong_edition(folder))
    lines = edition.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  means:"))
    lines[at] = mistake
    edition.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [message, summary] = _no_traceback(jrp("--rulesets-dir", folder, "rulesets", "validate")).stdout.splitlines()
    assert message.startswith(f"{edition}:{at + 1}: error yaml-syntax: {said}") and summary == "1 errors occurred"


def test_a_half_width_comma_in_a_quote_says_quote_this_value(jrp: Run, folder: Path) -> None:
    data = nantong_edition(folder)
    data["lists"][0]["basis"][0]["quote"] = "后台调用“信用中国”, 省联合奖惩信息系统"
    edition = save_edition(folder, data)
    edition.write_text(edition.read_text(encoding="utf-8").replace(  # the citation on one line, as the bundle has it
        "- instrument: nantong-14th-fyp-credit-plan\n    section: 专栏2\n    quote: 后台调用“信用中国”, 省联合奖惩信息系统",
        "- {instrument: nantong-14th-fyp-credit-plan, section: 专栏2, quote: 后台调用“信用中国”, 省联合奖惩信息系统}"),
        encoding="utf-8")
    result = _no_traceback(jrp("--rulesets-dir", folder, "rulesets", "validate"))
    assert "'省联合奖惩信息系统' is no field: a half-width comma inside {…} ends the value before it; quote this value" \
        in result.stdout


def _line_of(path: Path, start: str) -> int:
    return next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text.startswith(start))


def test_a_new_edition_starting_with_the_one_in_force_is_never_selected(jrp: Run, folder: Path) -> None:
    in_force = live_version(folder)
    start = Library.load(folder).get(RulesetRef("nantong-silent-check", in_force)).ruleset.ruleset.effective_from
    edition = save_edition(folder, nantong_edition(folder, effective_from=start.isoformat()))
    result = jrp("--rulesets-dir", folder, "rulesets", "validate")
    assert result.exit_code == 1
    assert (f"{edition}:{_line_of(edition, '  effective_from:')}: error never-selected: nantong-silent-check 2027.1 is "
            f"never selected for a check on any date: {in_force} also starts on {start} and checks select it") \
        in result.stdout


def test_two_new_editions_on_the_same_day(jrp: Run, folder: Path) -> None:
    save_edition(folder, nantong_edition(folder, version="2027.1"))
    save_edition(folder, nantong_edition(folder, version="2027.2"))
    result = jrp("--rulesets-dir", folder, "rulesets", "validate")
    assert result.exit_code == 1
    assert ("error same-day-editions: nantong-silent-check 2027.1 and 2027.2 start on the same day (2027-01-01) "
            "without replaces") in result.stdout
    assert "error never-selected: nantong-silent-check 2027.2 is never selected" in result.stdout


def test_a_published_edition_edited_in_place_is_caught_without_a_store(jrp: Run, folder: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JRP_DATA_DIR", str(folder.parent / "no-store"))
    in_force = live_version(folder)
    edition = folder / NANTONG / f"{in_force}.yaml"
    edition.write_text(edition.read_text(encoding="utf-8").replace("intensity: 5", "intensity: 4", 1), encoding="utf-8")
    result = jrp("--rulesets-dir", folder, "rulesets", "validate")
    assert "note: no decision store" in result.stdout
    assert result.exit_code == 1
    assert (f"{edition}:{_line_of(edition, '  version:')}: error published-version-changed: nantong-silent-check@"
            f"{in_force} was published (before approvals were on record; {folder / NANTONG / 'publications.yaml'}:") \
        in result.stdout


def test_a_new_edition_dated_in_the_past_is_warned_of(jrp: Run, folder: Path) -> None:
    edition = save_edition(folder, nantong_edition(folder, effective_from="2026-06-01"))
    result = jrp("--rulesets-dir", folder, "rulesets", "validate")
    assert result.exit_code == 0
    assert ("warning effective-from-past: nantong-silent-check 2027.1 is not published and takes effect on "
            "2026-06-01, before today") in result.stdout
    assert f"{edition}:" in result.stdout


def _review_measure(data: dict, measure_id: str = "nt-gp-credit-reference") -> dict:
    """A new management measure on the municipal list (the plan founds category 2): valid, and untested."""
    data["measures"].append({
        "id": measure_id, "name": {"zh": "政府采购信用参考", "en": "Procurement credit reference"}, "kind": "penalty",
        "category": 2, "effect": "heightened_review", "matter": "政府采购", "target": "名单主体", "means": "审查",
        "authority": "南通市财政局", "basis": PLAN_ONLY, "scenarios": ["government_procurement"], "intensity": 2})
    data["rules"].append({"id": measure_id, "when": {"list": "nt-gp-serious-dishonest"}, "measures": [measure_id]})
    return data


def test_a_new_measure_without_a_test_fails_the_tests(jrp: Run, folder: Path) -> None:
    edition = save_edition(folder, _review_measure(nantong_edition(folder)))
    assert jrp("--rulesets-dir", folder, "rulesets", "validate").exit_code == 0
    result = jrp("--rulesets-dir", folder, "rulesets", "test")
    assert result.exit_code == 1
    assert (f"UNTESTED {edition}:") in result.stdout
    assert ("measure nt-gp-credit-reference: no case where it fires and no case where a record its rules read is "
            "present and it does not fire") in " ".join(result.stdout.split())
    assert "Coverage per measure" not in result.stdout  # the table only on request
    assert "Coverage per measure" in jrp("--rulesets-dir", folder, "rulesets", "test", "--coverage").stdout


def test_a_renamed_measure_id_is_named(jrp: Run, folder: Path) -> None:
    in_force = live_version(folder)
    data = nantong_edition(folder)
    renamed = {"nt-gp-ban": "nt-gp-prohibition"}
    for measure in data["measures"]:
        measure["id"] = renamed.get(measure["id"], measure["id"])
    for rule in data["rules"]:
        rule["measures"] = [renamed.get(m, m) for m in rule["measures"]]
    edition = save_edition(folder, data)
    result = jrp("--rulesets-dir", folder, "rulesets", "test")
    assert result.exit_code == 1
    assert (f"RENAMED {edition}:") in result.stdout
    assert (f"measure nt-gp-ban of nantong-silent-check {in_force} is nt-gp-prohibition in 2027.1 (the "
            "same name 依法依规禁止参与我市政府采购活动): a measure keeps its id across editions") \
        in " ".join(result.stdout.split())
