"""What the pages show: a decision with its basis and facts, replays, the log check, the catalogue,
diffs and impact previews; and how they answer bad input, unknown ids and markup."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from jrp.adapters.facts.identity import mask_resident_id
from jrp.adapters.facts.ingest import ingest
from jrp.api.console.routes.changes import MAX_CANDIDATE
from jrp.api.console.routes.decisions import PAGE_SIZE
from tests.api.conftest import CLEAN, DEBTOR, PERSON, STRANGER, Api
from tests.console.conftest import Console, open_console

CANDIDATE = "cn-basic-list@2024.4"


def test_the_decision_page_shows_inputs_basis_trace_facts_and_chain(api: Api, console_as: Callable[..., Console]) -> None:
    decision = api.check(reference="NT-2025-001")
    stored = api.runtime.log.find(decision["decision_id"])
    page = console_as("auditor").get(f"/console/decisions/{decision['decision_id']}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    for expected in ("苏州恒远机电设备有限公司", DEBTOR, "南通市政府采购项目 NT-2025-001", "NT-2025-001", "CN-JS-NT",
                     "失信被执行人不具备政府采购供应商资格", "gp-supplier-disqualified", "中华人民共和国政府采购法", "第22条第1款第2项",
                     "具有良好的商业信誉和健全的财务会计制度",  # the quote, from the ruleset version used
                     "触发：名单；严重程度：严重；措施要求的最低严重程度：严重；第1类“禁止”措施，强度 5/5",
                     "demo-fixed-debtor-listing", "（2025）苏0508执1234号",
                     decision["bundle"]["hash"], stored.entry_hash, "按原规则重放", "按现行规则重放"):
        assert expected in text, expected
    assert '<tr class="used">' in page.text  # the record that triggered the measures is marked


def test_natural_persons_ids_are_masked_for_roles_not_entitled(api: Api, console_as: Callable[..., Console]) -> None:
    decision = api.check(key="checker_any", subject={"id": PERSON}, scenario="consumption", role=None,
                         jurisdiction="CN")["decision_id"]
    maintainer = console_as("maintainer").get(f"/console/decisions/{decision}").text
    assert PERSON not in maintainer and mask_resident_id(PERSON) in maintainer
    assert PERSON in console_as("auditor").get(f"/console/decisions/{decision}").text


def test_replay_with_original_and_current_rules_is_identical(api: Api, console_as: Callable[..., Console]) -> None:
    decision = api.check()["decision_id"]
    console = console_as("maintainer")
    for rules, label in (("original", "原规则"), ("current", "现行规则")):
        page = console.get(f"/console/decisions/{decision}/replay", rules=rules)
        assert page.status_code == 200 and 'data-replay="identical"' in page.text and label in page.text
    bad = console.get(f"/console/decisions/{decision}/replay", rules="tomorrow", lang="en")
    assert bad.status_code == 422 and "Rules: unknown value “tomorrow”" in html.unescape(bad.text)


def test_search_finds_decisions_by_subject_scenario_outcome_and_date(api: Api, console_as: Callable[..., Console]) -> None:
    decision = api.check()
    console = console_as("auditor")
    today = decision["evaluated_at"][:10]
    found = console.get("/console/decisions", subject=DEBTOR, scenario="government_procurement", outcome="deny",
                        since=today, until=today)
    assert found.status_code == 200 and decision["decision_id"] in found.text
    assert decision["decision_id"] not in console.get("/console/decisions", subject=DEBTOR, outcome="allow").text
    assert decision["decision_id"] not in console.get("/console/decisions", subject=DEBTOR, until="2020-01-01").text


def test_search_pages_through_the_results(api: Api, console_as: Callable[..., Console]) -> None:
    for _ in range(PAGE_SIZE + 1 - len(api.runtime.log.search(subject_id=DEBTOR, limit=PAGE_SIZE + 1))):
        api.check()
    console = console_as("auditor")
    first = console.get("/console/decisions", subject=DEBTOR)
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    second = console.get("/console/decisions", subject=DEBTOR, page="2")
    assert second.status_code == 200 and 'rel="prev"' in second.text


def test_bad_search_input_names_the_field_and_never_fails(console_as: Callable[..., Console]) -> None:
    console = console_as("auditor")
    chinese = html.unescape(console.get("/console/decisions", since="2025-13-01", scenario="weddings").text)
    assert "开始日期：日期应为 YYYY-MM-DD 格式，收到“2025-13-01”" in chinese and "应用场景：未知的取值“weddings”" in chinese
    english = console.get("/console/decisions", lang="en", since="2025-02-01", until="2025-01-01", page="0",
                          subject="a/b", outcome="maybe")
    assert english.status_code == 422
    text = html.unescape(english.text)
    for expected in ("To date: the end date is before the start date", "Page: a whole number from 1 to 10000, not “0”",
                     "Subject id: only letters, digits", "Outcome: unknown value “maybe”"):
        assert expected in text, expected


def test_markup_in_input_is_escaped(console_as: Callable[..., Console]) -> None:
    page = console_as("auditor").get("/console/measures", q="<script>alert(1)</script>")
    assert page.status_code == 200 and "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_unknown_ids_and_paths_are_404_pages(console_as: Callable[..., Console]) -> None:
    console = console_as("auditor")
    for path in ("/console/decisions/0123456789abcdef0123456789abcdef", "/console/decisions/..%2f..%2fetc",
                 "/console/rulesets/no-such-ruleset", "/console/measures/no-such-measure", "/console/nothing-here"):
        response = console.get(path)
        assert response.status_code == 404 and "错误 404" in response.text, path
    api_error = console.client.get("/v1/nothing-here", headers=console.api.headers("auditor"))
    assert api_error.json()["code"] == "not_found"  # the API keeps its JSON errors


def test_an_internal_error_is_a_page_without_details(api: Api, console_as: Callable[..., Console],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("secret detail")

    signed_in = console_as("auditor")
    client = TestClient(api.client.app, raise_server_exceptions=False, follow_redirects=False,
                        cookies=dict(signed_in.client.cookies))
    monkeypatch.setattr(api.runtime, "verify_log", broken)
    page = client.get("/console/audit/verify")
    assert page.status_code == 500 and "内部错误，已记录。" in page.text and "secret detail" not in page.text


def test_verify_log_reports_an_intact_log(api: Api, console_as: Callable[..., Console]) -> None:
    api.check()
    runtime = api.runtime
    runtime.tree.integrate_all(runtime.audit_keys.signing)  # the tree stands still
    page = console_as("auditor").get("/console/audit/verify", lang="en")
    assert page.status_code == 200 and 'data-verify="ok"' in page.text
    result = runtime.verify_log()
    assert result.head in page.text and f"{result.checkpoint.tree_size} · {result.checkpoint.root.hex()}" in page.text


def test_rulesets_by_jurisdiction_and_one_version(console_as: Callable[..., Console]) -> None:
    console = console_as("maintainer")
    listing = console.get("/console/rulesets")
    assert "全国失信惩戒措施基础清单" in listing.text and "2023-05-01 – 2026-03-31" in listing.text
    suzhou = console.get("/console/rulesets", jurisdiction="CN-JS-SZ").text
    assert "suzhou-work-points" in suzhou and "cn-basic-list" not in suzhou
    assert console.get("/console/rulesets", jurisdiction="XX").status_code == 422
    old = console.get("/console/rulesets/cn-credit-repair", version="2023", lang="en")
    assert old.status_code == 200 and "Ruleset cn-credit-repair@2023" in old.text and "superseded" in old.text
    corrected = console.get("/console/rulesets/cn-credit-repair", version="2026.1", lang="en").text
    assert "Compare with 2026, which it follows" in corrected
    basic = html.unescape(console.get("/console/rulesets/cn-basic-list").text)
    assert "dishonest-judgment-debtors" in basic and "具有良好的商业信誉和健全的财务会计制度" in basic


def test_measures_catalogue_by_jurisdiction_and_list(console_as: Callable[..., Console]) -> None:
    console = console_as("checker")
    nantong = console.get("/console/measures", jurisdiction="CN-JS-NT", list="dishonest-judgment-debtors").text
    assert "nt-gp-participant-review" in nantong and "gp-supplier-disqualified" in nantong and "suzhou" not in nantong
    assert console.get("/console/measures", list="no-such-list").status_code == 422
    detail = html.unescape(console.get("/console/measures/gp-supplier-disqualified").text)
    assert "限制参加政府采购活动" in detail and "第22条第1款第2项" in detail


def test_diff_page_lists_changes_with_file_and_line(console_as: Callable[..., Console]) -> None:
    console = console_as("auditor")
    page = console.get("/console/rulesets/diff", **{"from": "cn-credit-repair@2023", "to": "cn-credit-repair@2026"})
    text = html.unescape(page.text)
    assert page.status_code == 200 and "CN/cn-credit-repair/2023.yaml:10" in text and "CN/cn-credit-repair/2026.yaml:10" in text
    assert "2023-05-01 – 2026-03-31 → 2026-04-01 – 至今" in text and "0 处错误" in text
    mixed = console.get("/console/rulesets/diff", lang="en", **{"from": "cn-credit-repair@2023", "to": "cn-tax-credit@2025"})
    assert mixed.status_code == 422 and "To version: compare two versions of one ruleset" in html.unescape(mixed.text)
    unknown = console.get("/console/rulesets/diff", **{"from": "/etc/passwd.yaml", "to": "cn-credit-repair@2026"})
    assert unknown.status_code == 422 and "From version: unknown value" in html.unescape(unknown.text)  # lang remembered


def test_impact_form_loads_a_bundled_version_and_rejects_bad_candidates(console_as: Callable[..., Console]) -> None:
    console = console_as("maintainer")
    loaded = console.get("/console/impact", base=CANDIDATE)
    assert loaded.status_code == 200 and "judgment-debtor-procurement" in loaded.text

    def post(**form: str):
        return console.client.post("/console/impact", data={"csrf": console.csrf(), **form})

    assert post().status_code == 422 and "请选择一个版本、粘贴 YAML 或上传文件" in post().text
    broken = post(candidate_yaml="ruleset: {id: x}\n", as_of="2026-02-30", sample="-1")
    text = html.unescape(broken.text)
    assert broken.status_code == 422 and "生效日期：" in text and "抽样数量：" in text
    schema = post(candidate_yaml="ruleset: {id: x}\n")
    assert schema.status_code == 422 and "候选版本 YAML：" in html.unescape(schema.text) and "line" in schema.text
    forged = console.client.post("/console/impact", data={"csrf": "forged", "base": CANDIDATE})
    assert forged.status_code == 403
    for content, message in ((b"\xff\xfe not utf-8", "文件不是 UTF-8 文本"), (b"#" * (MAX_CANDIDATE + 1), "超过")):
        upload = console.client.post("/console/impact", data={"csrf": console.csrf()},
                                     files={"candidate_file": ("candidate.yaml", content, "text/yaml")})
        assert upload.status_code == 422 and f"上传文件：{message}" in html.unescape(upload.text)
    pasted = post(candidate_yaml="#" * (MAX_CANDIDATE + 1))  # a field over the limit: Starlette refuses the form
    assert pasted.status_code == 400 and "请求无效（表单过大或格式不对）" in pasted.text


def test_a_decision_page_says_what_needs_review_and_how_a_measure_ends(fresh_api: Api) -> None:
    """精准惩戒 in the console: the repair path of a listing, and a licence bar that waits on the matter."""
    debtor = fresh_api.check()
    ingest(fresh_api.runtime.engine, [{
        "type": "list_entry_added", "idempotency_key": "bar-1", "subject": {"id": CLEAN}, "occurred_on": "2025-06-01",
        "source": {"authority": "苏州市行政审批局", "doc_no": "苏审〔2025〕9号"}, "list_id": "licence-false-application",
        "matter": "危险化学品经营许可"}])
    barred = fresh_api.check(key="checker_any", subject={"id": CLEAN}, scenario="administrative_licensing",
                             role="applicant", jurisdiction="CN", as_of="2025-09-01")
    console = open_console(fresh_api, "auditor")
    page = html.unescape(console.get(f"/console/decisions/{debtor['decision_id']}").text)
    assert "终止与修复" in page and "作出纳入决定的执行法院" in page and "满足条件即可申请" in page
    review = html.unescape(console.get(f"/console/decisions/{barred['decision_id']}").text)
    assert "待人工核实" in review and "许可事项未载明" in review and "申请事项" in review and "未说明" in review
    english = html.unescape(console.get(f"/console/decisions/{barred['decision_id']}", lang="en").text)
    assert "Needs review" in english and "the check names no matter" in english


def test_a_corrected_reconstruction_says_so(console_as: Callable[..., Console]) -> None:
    page = html.unescape(console_as("checker").get("/console/rulesets/cn-basic-list", version="2024.4").text)
    assert "重构说明" in page and "2024年版基础清单原文未取得" in page
    assert "更正并撤回的版本" in page and "2024.1" in page


def test_a_subjects_file_names_the_key_and_arrival_of_each_event(api: Api, console_as: Callable[..., Console]) -> None:
    page = console_as("auditor").get(f"/console/subjects/{DEBTOR}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    head = api.runtime.facts.facts_version(DEBTOR)
    for expected in ("主体档案", "列入名单", "demo-fixed-debtor-listing", "2025-03-10", "苏州市姑苏区人民法院", head):
        assert expected in text, expected
    assert text.count("cli:") >= 3  # the demo's events were loaded at the terminal: each names that key
    assert "晚报" in text  # received long after they occurred, and shown so
    english = console_as("auditor").get(f"/console/subjects/{DEBTOR}", lang="en").text
    assert "listed" in english and "Sent with key" in english
    assert console_as("auditor").get(f"/console/subjects/{CLEAN[:-1]}X").status_code == 422
    assert console_as("auditor").get(f"/console/subjects/{STRANGER}").status_code == 404
