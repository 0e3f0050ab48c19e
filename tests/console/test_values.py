"""Values on the console's pages and in the batch report are in the page's language: roles, record types,
severities, statuses, list names, periods, jurisdictions, the proportionality trace and the diff.

Besides the examples, a scan reads every main page in Chinese and finds no raw value of the vocabulary
(``supplier``, ``list_entry``, ``active``, ``P3Y``…) outside identifiers and hashes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest

from jrp.engine.types import Outcome, Trigger
from jrp.rulesets.diff import Aspect, Direction
from jrp.vocabulary.measures import Effect, ListKind, MeasureKind
from jrp.vocabulary.records import Impact, RecordStatus, RecordType, Severity
from jrp.vocabulary.scenarios import CheckRole, Scenario
from jrp.vocabulary.subjects import RelatedRole
from tests.api.conftest import DEBTOR, PERSON, STRANGER, Api
from tests.console.conftest import Console

RAW = sorted({*(m.value for enum in (CheckRole, RelatedRole, RecordType, RecordStatus, ListKind, Trigger, Effect,
                                     MeasureKind, Impact, Outcome, Scenario, Direction, Aspect) for m in enum),
              *(m.name for m in Severity), "trigger", "minimum severity", "any role",
              "article unverified"}, key=len, reverse=True)  # "(title unverified)" in a title is data
RAW_VALUE = re.compile(r"(?<![\w./-])(?:" + "|".join(map(re.escape, RAW)) + r"|P\d+[YMD]\w*)(?![\w/-])")
SKIPPED = {"id", "hash", "location"}  # identifiers, hashes and file:line stay as they are


class _VisibleText(HTMLParser):
    """The text a reader sees in <main> (or the whole body of the report), without identifiers and hashes."""

    def __init__(self, whole: bool) -> None:
        super().__init__()
        self.depth_main, self.skipping, self.parts, self.whole = 0, [], [], whole
        self.stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if tag in ("script", "style", "title") or classes & SKIPPED:
            self.skipping.append(tag)
        elif self.skipping:
            self.skipping.append(tag)
        if tag == "main":
            self.depth_main += 1

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping.pop()
        if tag == "main":
            self.depth_main -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping and (self.whole or self.depth_main):
            self.parts.append(data)


def visible(page: str, whole: bool = False) -> str:
    parser = _VisibleText(whole)
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def _raw_values(page: str, whole: bool = False) -> list[str]:
    return RAW_VALUE.findall(visible(page, whole))


@pytest.fixture
def decisions(api: Api) -> dict[str, str]:
    return {
        "debtor": api.check(role=None)["decision_id"],
        "person": api.check(key="checker_any", subject={"id": PERSON}, scenario="consumption", role=None,
                            jurisdiction="CN")["decision_id"],
        "stranger": api.check(subject={"id": STRANGER})["decision_id"],
    }


def test_the_decision_page_says_every_value_in_chinese(decisions: dict[str, str],
                                                      console_as: Callable[..., Console]) -> None:
    text = visible(console_as("auditor").get(f"/console/decisions/{decisions['debtor']}").text)
    assert "主体角色: 任意角色" in text  # no role was sent: every role's rules applied
    assert "适用角色 供应商" in text and "适用角色 评审专家、采购代理机构" in text  # 政府采购法 art. 22: suppliers
    assert "触发：名单；严重程度：严重；措施要求的最低严重程度：严重；第1类“禁止”措施，强度 5/5" in text
    assert "失信被执行人名单 — 苏州市姑苏区人民法院" in text
    assert "名单记录 失信被执行人名单" in text and " 严重 有效 " in text
    assert "地区 南通市 核查日期" in text  # the code beside it is an identifier


def test_the_same_decision_in_english(decisions: dict[str, str], console_as: Callable[..., Console]) -> None:
    text = visible(console_as("auditor").get(f"/console/decisions/{decisions['debtor']}", lang="en").text)
    assert "Applies to roles supplier" in text and "Applies to roles evaluation expert, procurement agency" in text
    assert ("trigger: list; severity: serious; minimum severity of the measure: serious; category 1 prohibit at "
            "intensity 5/5") in text
    assert "list entry Dishonest judgment debtors" in text and " serious active " in text


def test_a_decision_on_an_unknown_subject_says_jrp_has_no_data(decisions: dict[str, str],
                                                              console_as: Callable[..., Console]) -> None:
    page = console_as("auditor").get(f"/console/decisions/{decisions['stranger']}").text
    assert "data-unknown-subject" in page and "本系统没有该主体的任何信用数据" in visible(page)
    assert "data-unknown-subject" not in console_as("auditor").get(f"/console/decisions/{decisions['debtor']}").text


def test_the_decisions_list_names_the_department_and_the_subject(decisions: dict[str, str],
                                                                console_as: Callable[..., Console]) -> None:
    text = visible(console_as("auditor").get("/console/decisions", subject=DEBTOR).text)
    assert "测试部门 checker" in text and "苏州恒远机电设备有限公司" in text


def test_rulesets_and_measures_show_periods_kinds_and_list_names(console_as: Callable[..., Console]) -> None:
    console = console_as("maintainer")
    ruleset = visible(console.get("/console/rulesets/cn-basic-list").text)
    assert "严重失信主体名单" in ruleset and "2年（最长5年）" in ruleset and "法定代表人、主要负责人" in ruleset
    assert "串通投标、行贿谋取中标（招标投标法第53条）：1年至2年" in ruleset  # a period by legal ground
    assert "中华人民共和国政府采购法" in ruleset  # the sources by title
    assert "3 year(s)" in visible(console.get("/console/rulesets/cn-basic-list", lang="en").text)
    measure = visible(console.get("/console/measures/licence-reapplication-bar-1y", lang="zh").text)
    assert "期限 1年" in measure and "最低严重程度 严重" in measure


@pytest.mark.parametrize("path", [
    "/console/decisions", "/console/rulesets", "/console/rulesets/cn-basic-list", "/console/rulesets/js-supplementary",
    "/console/rulesets/suzhou-work-points", "/console/measures", "/console/measures/gp-supplier-disqualified",
    "/console/measures/key-attention-supervision", "/console/stats", "/console/tracking",
    "/console/rulesets/diff?from=cn-credit-repair@2023&to=cn-credit-repair@2026",
    "/console/rulesets/diff?from=cn-customs-credit@2021&to=cn-customs-credit@2026",
])
def test_no_raw_value_on_a_chinese_page(path: str, decisions: dict[str, str], console_as: Callable[..., Console]) -> None:
    page = console_as("admin").client.get(path)
    assert page.status_code == 200
    assert _raw_values(page.text) == []


@pytest.mark.parametrize("name", ["debtor", "person", "stranger"])
def test_no_raw_value_on_a_chinese_decision_and_its_replay(name: str, decisions: dict[str, str],
                                                         console_as: Callable[..., Console]) -> None:
    console = console_as("admin")
    for path in (f"/console/decisions/{decisions[name]}", f"/console/decisions/{decisions[name]}/replay?rules=current"):
        assert _raw_values(console.client.get(path).text) == [], path


def test_the_batch_report_in_chinese_and_english_flags_unknown_subjects(api: Api) -> None:
    response = api.client.post("/v1/checks/batch", headers=api.headers("checker"), json={
        "scenario": "government_procurement", "jurisdiction": "CN-JS-NT", "purpose": "南通市政府采购项目 NT-2025-003",
        "subjects": [{"id": DEBTOR}, {"id": STRANGER}]})
    batch_id = response.json()["batch_id"]
    chinese = api.client.get(f"/v1/checks/batch/{batch_id}/report", headers=api.headers("checker")).text
    text = visible(chinese, whole=True)
    assert "信用信息结果报告" in text and "主体角色: 任意角色" in text
    assert "第1类“禁止”措施" in text and "其中 1 个主体本系统没有任何信用数据" in text
    assert chinese.count("data-unknown-subject") == 1
    assert _raw_values(chinese, whole=True) == []
    english = api.client.get(f"/v1/checks/batch/{batch_id}/report", params={"lang": "en"}, headers=api.headers("checker"))
    assert '<html lang="en">' in english.text
    assert "Credit result report" in english.text and "jrp has no data on this subject" in english.text
    assert api.client.get(f"/v1/checks/batch/{batch_id}/report", params={"lang": "fr"},
                          headers=api.headers("checker")).status_code == 422


def test_the_raw_value_scan_finds_raw_values() -> None:
    """The scan itself: a raw role, a period and a record type are found; identifiers are not."""
    page = ('<main><td>supplier</td><td>P3Y</td><td>list_entry</td><td class="id">gp-supplier-disqualified</td>'
            '<td>gp-supplier-disqualified</td></main>')
    assert sorted(_raw_values(page)) == ["P3Y", "list_entry", "supplier"]
    assert html.unescape("&lt;") == "<"


def test_the_impact_page_says_in_chinese_why_it_evaluated_nothing(console_as: Callable[..., Console]) -> None:
    from tests.console.conftest import screenshots

    console = console_as("maintainer")
    page = console.client.post("/console/impact", data={"csrf": console.csrf(), "as_of": "2025-06-01",
                                                        "candidate_yaml": screenshots.candidate_yaml()})
    assert page.status_code == 200 and 'data-reason="not_in_force"' in page.text
    assert "候选版本在 2025-06-01 不在施行期内，没有评估任何主体" in visible(page.text)
