"""/docs in a real browser (Debian's chromium) with every request to another site refused: Swagger UI
renders, the Authorize button takes the API key, and "Try it out" answers 200."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Route, expect, sync_playwright

from tests.console.conftest import screenshots


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[screenshots.LiveConsole]:
    with screenshots.live_console(tmp_path_factory.mktemp("docs")) as console:
        yield console


@pytest.fixture
def offline_page(live: screenshots.LiveConsole) -> Iterator[tuple[Page, list[str]]]:
    elsewhere: list[str] = []

    def only_jrp(route: Route) -> None:
        if route.request.url.startswith(live.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = screenshots.launch(playwright)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.route("**/*", only_jrp)
        yield page, elsewhere
        browser.close()


def test_docs_work_offline_with_the_key(offline_page: tuple[Page, list[str]], live: screenshots.LiveConsole) -> None:
    page, elsewhere = offline_page
    page.goto(f"{live.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("jrp")
    page.click("button.authorize")
    dialog = page.locator(".dialog-ux")
    dialog.locator("input").first.fill(live.keys["auditor"])
    dialog.locator("button.authorize").first.click()
    dialog.locator("button.btn-done").first.click()
    operation = page.locator(".opblock-get").filter(has=page.locator('[data-path="/v1/audit/verify"]'))
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_contain_text("200")
    expect(operation.locator(".live-responses-table")).to_contain_text('"ok": true')
    assert elsewhere == []
