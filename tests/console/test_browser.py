"""The console driven in a real browser (Debian's chromium through Playwright) against jrp served by uvicorn.

One server and one browser for the whole module; each test has a fresh browser context
(no cookies). The server, the browser launch and the screenshot tour are those of
``docs/make_screenshots.py``, which the last test runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from jrp.rulesets.library import BUNDLED_RULESETS
from tests.api.conftest import EVENT_LEAVES
from tests.console.conftest import screenshots
from tests.publishing import live_version, nantong_edition, publish_on_file, rulesets_copy, save_edition


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[screenshots.LiveConsole]:
    with screenshots.live_console(tmp_path_factory.mktemp("console")) as console:
        yield console


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        try:
            browser = screenshots.launch(playwright)
        except RuntimeError as error:  # fail, never skip: CI installs chromium
            pytest.fail(str(error))
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_sign_in_search_and_open_a_decision(page: Page, live: screenshots.LiveConsole) -> None:
    page.goto(f"{live.url}/console/decisions")
    expect(page).to_have_url(f"{live.url}/console/sign-in?next=%2Fconsole%2Fdecisions")
    page.fill("input[name=api_key]", "jrp_wrong")
    page.click("form.sign-in button[type=submit]")
    expect(page.locator(".problems")).to_contain_text("密钥无效")
    screenshots.sign_in(page, live, "auditor")
    expect(page.locator("h1")).to_have_text("决定查询")
    page.fill("input[name=subject]", screenshots.DEBTOR)
    page.select_option("select[name=outcome]", "deny")
    page.click("form.filters button[type=submit]")
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("政府采购")
    rows.locator("a").click()
    expect(page.locator("h1")).to_have_text(f"决定 {live.decisions['debtor']}")
    measure = page.locator("section.measure", has_text="gp-supplier-disqualified")
    expect(measure).to_contain_text("失信被执行人不具备政府采购供应商资格")
    expect(measure).to_contain_text("中华人民共和国政府采购法 第22条第1款第2项")
    expect(measure).to_contain_text("具有良好的商业信誉和健全的财务会计制度")
    expect(page.locator("tr.used")).to_contain_text("demo-fixed-debtor-listing")


def test_replay_with_original_and_current_rules(page: Page, live: screenshots.LiveConsole) -> None:
    screenshots.sign_in(page, live, "auditor")
    page.goto(f"{live.url}/console/decisions/{live.decisions['debtor']}")
    page.click("text=按原规则重放")
    expect(page.locator("[data-replay]")).to_have_text("结果一致：重放与记录的决定相同。")
    page.click("text=按现行规则重放")
    expect(page.locator("[data-replay]")).to_have_attribute("data-replay", "identical")
    expect(page.locator("table.compare")).to_contain_text("gp-supplier-disqualified")


def test_verify_the_log_and_switch_language(page: Page, live: screenshots.LiveConsole) -> None:
    screenshots.sign_in(page, live, "auditor")
    page.click("nav.main >> text=日志校验")
    expect(page.locator("[data-verify]")).to_have_text(
        f"日志完整：{len(live.decisions) + EVENT_LEAVES} 条记录（决定、规则发布与事实事件）的默克尔树、回执与签名检查点全部有效。")
    page.click("a[lang=en]")
    expect(page.locator("h1")).to_have_text("Decision log verification")
    page.click("nav.main >> text=Decisions")
    expect(page.locator("h1")).to_have_text("Search decisions")


def test_printed_pages_leave_out_navigation_and_buttons(page: Page, live: screenshots.LiveConsole) -> None:
    screenshots.sign_in(page, live, "auditor")
    page.goto(f"{live.url}/console/decisions/{live.decisions['debtor']}")
    expect(page.locator("header.top")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("text=按原规则重放")).to_be_hidden()
    expect(page.locator("section.measure").first).to_be_visible()


def test_diff_between_two_bundled_versions(page: Page, live: screenshots.LiveConsole) -> None:
    screenshots.sign_in(page, live, "maintainer")
    expect(page.locator("nav.main")).not_to_contain_text("日志校验")
    screenshots.open_diff(page)
    expect(page.locator(".verdict")).to_contain_text("cn-credit-repair@2023 → cn-credit-repair@2026：2 处变化")
    row = page.locator("table.diff tr", has_text="施行期间")
    expect(row).to_contain_text("2023-05-01 – 2026-03-31 → 2026-04-01 – 至今")
    expect(row).to_contain_text("CN/cn-credit-repair/2026.yaml:10")


@pytest.fixture(scope="module")
def live_editions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[screenshots.LiveConsole]:
    """The console over the bundled rulesets with Nantong 2027.1 published (from 2027-01-01) and 2027.2 drafted."""
    folder = tmp_path_factory.mktemp("editions")
    rulesets = rulesets_copy(folder / "rulesets")
    publish_on_file(save_edition(rulesets, nantong_edition(rulesets)))
    save_edition(rulesets, nantong_edition(rulesets, version="2027.2", effective_from="2027-06-01"))
    with screenshots.live_console(folder, rulesets) as console:
        yield console


def test_version_statuses_the_compare_pair_and_impact_from_the_diff(page: Page,
                                                                    live_editions: screenshots.LiveConsole) -> None:
    screenshots.sign_in(page, live_editions, "maintainer")
    page.goto(f"{live_editions.url}/console/rulesets")

    def version(ref: str) -> Locator:
        return page.locator(f'li[data-version="{ref}"]')

    nantong = f"nantong-silent-check@{live_version(BUNDLED_RULESETS)}"
    for ref, status in (("cn-basic-list@2024.1", "已撤回"), ("cn-basic-list@2024.2", "已撤回"),
                        (f"cn-basic-list@{live_version(BUNDLED_RULESETS, 'cn-basic-list')}", "现行"),
                        ("cn-credit-repair@2023", "已失效"), (nantong, "现行"),
                        ("nantong-silent-check@2027.1", "待生效"), ("nantong-silent-check@2027.2", "未发布")):
        expect(version(ref).locator(".badge")).to_have_text(status)
    expect(version("cn-basic-list@2024.1")).to_contain_text("已由 2024.2 更正并撤回")
    expect(version(nantong)).to_contain_text("2024-03-01 – 2026-12-31")  # until 2027.1 starts
    version("nantong-silent-check@2027.1").locator("a").click()
    expect(page.locator("[data-status]")).to_contain_text("待生效")
    page.click("[data-compare]")
    expect(page.locator("select[name=from]")).to_have_value(nantong)
    expect(page.locator("select[name=to]")).to_have_value("nantong-silent-check@2027.1")
    expect(page.locator(".verdict")).to_contain_text(f"{nantong} → nantong-silent-check@2027.1")
    page.click("[data-impact-of] button")
    expect(page.locator("h1")).to_have_text("影响预估")
    expect(page.locator("[data-impact]")).to_contain_text("候选版本 nantong-silent-check@2027.1，日期 2027-01-01")


def test_impact_preview_of_a_candidate(page: Page, live: screenshots.LiveConsole) -> None:
    screenshots.sign_in(page, live, "maintainer")
    page.click("nav.main >> text=影响预估")
    page.select_option("select[name=base]", "cn-basic-list@2024.4")
    page.click("text=载入编辑")
    expect(page.locator("textarea[name=candidate_yaml]")).to_contain_text("judgment-debtor-procurement")
    screenshots.preview_impact(page)
    report = page.locator("[data-impact]")
    expect(report).to_contain_text("候选版本 cn-basic-list@2026.1，日期 2026-06-01")
    expect(report.locator("table").first).to_contain_text("gp-supplier-disqualified")
    expect(report).to_contain_text(screenshots.DEBTOR)
    expect(report).to_contain_text("惩戒措施 gp-supplier-disqualified 不再适用")


def test_forbidden_pages_and_sign_out(page: Page, live: screenshots.LiveConsole) -> None:
    screenshots.sign_in(page, live, "maintainer")
    response = page.goto(f"{live.url}/console/audit/verify")
    assert response is not None and response.status == 403
    expect(page.locator(".problems")).to_contain_text("规则维护 角色的密钥不能执行“校验日志”")
    page.click("text=退出")
    expect(page.locator(".notice")).to_have_text("您已退出。")
    page.goto(f"{live.url}/console/rulesets")
    expect(page).to_have_url(f"{live.url}/console/sign-in?next=%2Fconsole%2Frulesets")


def test_subscribe_from_the_form_then_delete(page: Page, tmp_path: Path) -> None:
    """A checker makes a subscription in the console (a loopback webhook refused on its field first) and deletes it;
    on a store of its own, so the baseline decision it logs changes nothing the other tests count."""
    with screenshots.live_console(tmp_path) as own:
        screenshots.sign_in(page, own, "checker")
        page.click("nav.main >> text=跟踪订阅")
        expect(page.locator("h1")).to_have_text("跟踪订阅")
        form = page.locator("form.subscribe-form")
        form.locator("input[name=subject]").fill(screenshots.DEBTOR)
        form.locator("select[name=scenario]").select_option("government_procurement")
        form.locator("select[name=role]").select_option("supplier")
        form.locator("select[name=jurisdiction]").select_option("CN-JS-NT")
        form.locator("input[name=purpose]").fill("标段 9 中标人履约跟踪")
        form.locator("input[name=reference]").fill("NT-9-1")
        form.locator("input[name=watch_until]").fill("2028-06-30")
        form.locator("input[name=webhook_url]").fill("http://127.0.0.1:9/hook")
        form.locator("button[type=submit]").click()
        expect(page.locator(".problems")).to_contain_text("接收地址（Webhook URL）")
        expect(page.locator(".problems")).to_contain_text("loopback")
        expect(form.locator("input[name=reference]")).to_have_value("NT-9-1")  # the form kept as typed
        form.locator("input[name=webhook_url]").fill("")
        form.locator("button[type=submit]").click()
        expect(page.locator("[data-notice]")).to_contain_text("当前结果：禁止")
        expect(page.locator("[data-secret] code")).to_contain_text("whsec_")
        row = page.locator("tr[data-subscription]")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("NT-9-1")
        expect(row).to_contain_text("2028-06-30")
        row.locator("button[type=submit]").click()
        expect(page.locator("[data-notice]")).to_contain_text("已取消订阅")
        expect(page.locator("tr[data-subscription]")).to_have_count(0)


@pytest.mark.parametrize("path", ["/console/sign-in", "/console/decisions", "/console/rulesets/cn-basic-list"])
def test_chinese_headings_render_in_a_cjk_font_the_console_names(page: Page, live: screenshots.LiveConsole,
                                                                path: str) -> None:
    if path != "/console/sign-in":
        screenshots.sign_in(page, live, "auditor")
    page.goto(live.url + path)
    assert screenshots.chinese_renders(page) is None
    used = screenshots.fonts_used(page, "h1")
    assert set(used) <= set(screenshots.declared_fonts(screenshots.CONSOLE_CSS.read_text(encoding="utf-8")))


def test_without_a_cjk_font_the_check_sees_boxes(browser: Browser, live: screenshots.LiveConsole, tmp_path: Path) -> None:
    """The check itself, on a machine like a fresh one: chromium whose fontconfig knows only the Latin fonts."""
    fonts = [path for path in Path("/usr/share/fonts").rglob("*") if path.suffix in (".ttf", ".otf", ".ttc", ".otc")]
    cjk = {font.parent for font in fonts if font.suffix in (".ttc", ".otc") or re.search("cjk|wqy|han", font.name, re.I)}
    latin = sorted({font.parent for font in fonts} - cjk)
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                      + "".join(f"<dir>{folder}</dir>" for folder in latin)
                      + f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>", encoding="utf-8")
    latin_only = browser.browser_type.launch(executable_path=str(screenshots.CHROMIUM), args=screenshots.CHROMIUM_ARGS,
                                             env={**os.environ, "FONTCONFIG_FILE": str(config)})
    try:
        page = latin_only.new_page()
        page.goto(f"{live.url}/console/sign-in")
        problem = screenshots.chinese_renders(page)
    finally:
        latin_only.close()
    assert problem is not None and "none of the CJK fonts the console names" in problem, problem


def test_the_batch_report_renders_its_chinese(page: Page, live: screenshots.LiveConsole) -> None:
    headers = {"X-API-Key": live.keys["checker"]}
    batch = page.request.post(f"{live.url}/v1/checks/batch", headers=headers, data={
        "scenario": "government_procurement", "jurisdiction": "CN-JS-NT", "purpose": "南通市政府采购项目 NT-2025-017",
        "subjects": [{"id": screenshots.DEBTOR}]})
    assert batch.ok, batch.text()
    page.set_extra_http_headers(headers)
    page.goto(f"{live.url}/v1/checks/batch/{batch.json()['batch_id']}/report")
    expect(page.locator("h1")).to_have_text("信用信息结果报告")
    assert screenshots.chinese_renders(page) is None


def test_screenshot_script_captures_every_main_page(browser: Browser, live: screenshots.LiveConsole, tmp_path: Path) -> None:
    taken = screenshots.capture(browser, live, tmp_path)
    assert {path.stem for path in taken} == {"sign-in", "decisions", "decision", "decision-en", "replay", "verify",
                                             "rulesets", "ruleset", "diff", "impact"}
    assert all(path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 10_000 for path in taken)
    # and capture() checked on each page with a Chinese heading that it renders in a CJK font (it raises otherwise)
