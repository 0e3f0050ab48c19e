"""Diff errors and replay differences over a library with one more edition; impact previews of a candidate."""

from __future__ import annotations

import html
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from jrp.rulesets.library import BUNDLED_RULESETS
from tests.api.conftest import DEBTOR, Api
from tests.console.conftest import open_console, screenshots
from tests.publishing import publish_on_file

WIDENED = "gp-supplier-disqualified"


@pytest.fixture
def edited(make_fresh_api: Callable[..., Api], tmp_path: Path) -> Api:
    """The bundled rulesets plus cn-basic-list@2026.1 (from 2026-01-01): judgment debtors no longer barred from
    procurement, and one penalty widened to honours without a new legal basis (an error for the diff)."""
    folder = tmp_path / "rulesets"
    shutil.copytree(BUNDLED_RULESETS, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    data = yaml.safe_load(screenshots.candidate_yaml())
    measure = next(m for m in data["measures"] if m["id"] == WIDENED)
    measure["scenarios"] = [*measure["scenarios"], "honours"]
    (folder / "CN" / "cn-basic-list" / "2026.1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    publish_on_file(folder / "CN" / "cn-basic-list" / "2026.1.yaml")
    return make_fresh_api(folder)


def test_diff_highlights_a_penalty_widened_without_basis(edited: Api) -> None:
    console = open_console(edited, "maintainer")
    page = console.get("/console/rulesets/diff", **{"from": "cn-basic-list@2024.4", "to": "cn-basic-list@2026.1"})
    assert page.status_code == 200
    error_rows = [row for row in page.text.split("<tr ")[1:] if row.startswith('class="error"')]
    assert error_rows and all(WIDENED in row and "<td>错误</td>" in row for row in error_rows)
    scenarios = next(html.unescape(row) for row in error_rows if "<td>适用场景</td><td>加重</td>" in row)
    assert "政府采购 → 政府采购、评先评优（未新增法律依据：请引用允许加重惩戒的条款）" in scenarios
    assert "CN/cn-basic-list/2024.4.yaml:" in scenarios and "CN/cn-basic-list/2026.1.yaml:" in scenarios
    assert f"其中 {len(error_rows)} 处错误" in html.unescape(page.text)
    removed = html.unescape(page.text.split('judgment-debtor-procurement</td>')[1].split("</tr>")[0])
    assert "<td>规则</td><td>删除</td>" in removed and "失信被执行人名单 → gp-supplier-disqualified" in removed
    english = html.unescape(console.get("/console/rulesets/diff", **{"from": "cn-basic-list@2024.4",
                                                                     "to": "cn-basic-list@2026.1", "lang": "en"}).text)
    assert ("<td>scenarios</td><td>widened</td>     <td>government procurement → government procurement, honours "
            "(without a new legal basis: cite the article that allows the wider penalty)") in " ".join(english.split("\n"))


def test_replay_with_current_rules_lists_the_differences(edited: Api) -> None:
    decision = edited.check(as_of="2025-06-01")["decision_id"]  # decided under cn-basic-list@2024.4
    console = open_console(edited, "auditor")
    original = console.get(f"/console/decisions/{decision}/replay", rules="original")
    assert 'data-replay="identical"' in original.text
    current = console.get(f"/console/decisions/{decision}/replay", rules="current")
    assert current.status_code == 200 and 'data-replay="different"' in current.text
    assert f"惩戒措施 {WIDENED} 不再适用" in html.unescape(current.text)  # the difference in the page's language
    english = console.get(f"/console/decisions/{decision}/replay", rules="current", lang="en")
    assert f"measures: {WIDENED} no longer applies" in html.unescape(english.text)


def test_impact_preview_counts_losses_and_logs_nothing(fresh_api: Api) -> None:
    fresh_api.check(key="checker_any", jurisdiction="CN", as_of=screenshots.AS_OF)
    logged = len(fresh_api.runtime.log.search(limit=1000))
    console = open_console(fresh_api, "maintainer")
    page = console.client.post("/console/impact", data={"csrf": console.csrf(), "candidate_yaml": screenshots.candidate_yaml(),
                                                        "as_of": screenshots.AS_OF, "sample": "50"})
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert "候选版本 cn-basic-list@2026.1，日期 2026-06-01" in text and WIDENED in text and DEBTOR in text
    assert f"惩戒措施 {WIDENED} 不再适用" in text
    assert len(fresh_api.runtime.log.search(limit=1000)) == logged
    bundled = console.client.post("/console/impact", data={"csrf": console.csrf(), "base": "cn-credit-repair@2026"})
    assert bundled.status_code == 200 and "cn-credit-repair@2026" in bundled.text


def _widened_candidate_yaml() -> str:
    """The screenshots' candidate with the supplier-only bad-conduct ban opened to any role, citing nothing new."""
    data = yaml.safe_load(screenshots.candidate_yaml())
    next(measure for measure in data["measures"] if measure["id"] == "gp-ban-supplier")["roles"] = []
    return yaml.safe_dump(data, allow_unicode=True)


def test_a_candidate_the_diff_rejects_is_refused_by_the_console_and_the_api_alike(api: Api) -> None:
    candidate = _widened_candidate_yaml()
    console = open_console(api, "maintainer")
    page = console.client.post("/console/impact", data={"csrf": console.csrf(), "candidate_yaml": candidate,
                                                        "as_of": screenshots.AS_OF})
    refused = "against cn-basic-list@2024.4: gp-ban-supplier roles widened: supplier → any role without a new legal basis"
    text = html.unescape(page.text)
    assert page.status_code == 422 and refused not in text  # not in English on a Chinese page
    assert "候选版本 YAML：与 cn-basic-list@2024.4 相比，gp-ban-supplier 适用角色加重：供应商 → 任意角色（未新增法律依据" in text
    answer = api.client.post("/v1/rulesets/impact", json={"candidate_yaml": candidate, "as_of": screenshots.AS_OF},
                             headers=api.headers("maintainer"))
    assert answer.status_code == 422 and refused in answer.json()["errors"][0]["message"]


def test_a_candidate_that_does_not_validate_is_refused_in_chinese_on_a_chinese_page(api: Api) -> None:
    data = yaml.safe_load(screenshots.candidate_yaml())
    next(m for m in data["measures"] if m["id"] == "gp-ban-supplier")["category"] = 2  # a ban as a management measure
    console = open_console(api, "maintainer")
    form = {"csrf": console.csrf(), "candidate_yaml": yaml.safe_dump(data, allow_unicode=True),
            "as_of": screenshots.AS_OF}
    text = html.unescape(console.client.post("/console/impact", data=form).text)
    assert "候选版本 YAML：第 " in text and " 行：措施类别与其效果不符（原文：measure gp-ban-supplier declares category 2" in text
    english = html.unescape(console.client.post("/console/impact?lang=en", data=form).text)
    assert "Candidate YAML: line " in english
    assert ": the category does not fit the effect (measure gp-ban-supplier" in english
