"""Screenshots of the web console's main pages for the README: ``docs/screenshots/*.png``.

    .venv/bin/python docs/make_screenshots.py   # Debian's chromium at /usr/bin/chromium; CJK text
                                                # needs a CJK font (apt-get install -y fonts-wqy-microhei)

Every Chinese heading on the tour is checked to render in one of the CJK fonts the console's
stylesheet names (not as boxes): without such a font the script stops and says what to install.

Serves jrp with uvicorn on a free port over a temporary SQLite store holding the demo's
fixed subjects, one key per role and a few logged checks, and drives the console in
headless chromium. The browser tests (``tests/console/test_browser.py``) use this
server, this browser launch and this tour, so the pictures show what the tests check.
"""

from __future__ import annotations

import re
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
import yaml
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from jrp.access import Role
from jrp.adapters.facts.demo import DEMO_SUBJECTS, fixed_events
from jrp.adapters.facts.identity import subject_type_of
from jrp.adapters.facts.ingest import ingest
from jrp.api.app import create_app
from jrp.demo_vocabulary import vocabulary_of
from jrp.rulesets.library import BUNDLED_RULESETS, Library
from jrp.runtime import Runtime
from jrp.service import CheckRequest, SubjectRef
from jrp.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",  # else it hangs on a closed network
                 "--disable-sync"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
AS_OF = "2026-06-01"
FIRST_SCREEN_ONLY = {"ruleset"}  # long pages: the first screen says enough
DEBTOR = DEMO_SUBJECTS["debtor_supplier"].subject_id
CHECKS = {  # name: (subject, scenario, role, jurisdiction, purpose)
    "debtor": (DEBTOR, "government_procurement", "supplier", "CN-JS-NT", "南通市政府采购项目 NT-2025-017"),
    "clean": (DEMO_SUBJECTS["clean_supplier"].subject_id, "government_procurement", "supplier", "CN-JS-NT",
              "南通市政府采购项目 NT-2025-017"),
    "person": (DEMO_SUBJECTS["legal_representative"].subject_id, "consumption", None, "CN", "高消费行为核查"),
}


@dataclass(frozen=True)
class LiveConsole:
    """A running jrp: its base URL, a plaintext key per role, and the ids of the logged checks."""

    url: str
    keys: dict[str, str]
    decisions: dict[str, str]


def candidate_yaml() -> str:
    """A candidate 2026.1 edition of the national basic list that no longer bars judgment debtors from procurement."""
    current = Library.load(BUNDLED_RULESETS).versions("cn-basic-list", live=True)[-1].path  # the edition in force
    data = yaml.safe_load(current.read_text(encoding="utf-8"))
    data["ruleset"].update(version="2026.1", effective_from="2026-01-01")
    data["ruleset"].pop("replaces")
    data["rules"] = [rule for rule in data["rules"] if rule["id"] != "judgment-debtor-procurement"]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _seed(runtime: Runtime) -> tuple[dict[str, str], dict[str, str]]:
    """Demo subjects, one key per role, and the checks of ``CHECKS`` made with the checker key."""
    runtime.migrate()
    ingest(runtime.engine, fixed_events(vocabulary_of(runtime.library)))
    keys = {role.value: runtime.keys.create_key(f"{role.value} demo", role, department="南通市信用办") for role in Role}
    caller = keys["checker"].key.caller()
    decisions = {}
    for name, (subject, scenario, role, jurisdiction, purpose) in CHECKS.items():
        request = CheckRequest(SubjectRef(subject, subject_type_of(subject)), scenario, purpose, role, jurisdiction)
        decisions[name] = runtime.service.check(request, caller).decision_id
    return {role: key.plaintext for role, key in keys.items()}, decisions


@contextmanager
def live_console(folder: Path, rulesets_dir: Path | None = None) -> Iterator[LiveConsole]:
    """jrp served by uvicorn in a thread, on a socket bound here (so no other process can take the port)."""
    app = create_app(Settings(database_url=f"sqlite:///{folder / 'jrp.db'}", rulesets_dir=rulesets_dir,
                              data_dir=folder))
    keys, decisions = _seed(app.state.runtime)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start serving jrp")
        time.sleep(0.05)
    try:
        yield LiveConsole(f"http://127.0.0.1:{sock.getsockname()[1]}", keys, decisions)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


CONSOLE_CSS = Path(__file__).parents[1] / "api" / "console" / "static" / "console.css"
CJK = re.compile(r"[\u4e00-\u9fff]")
_GLYPHS = """([text, font]) => {
  const canvas = document.createElement("canvas"); canvas.width = canvas.height = 64;
  const pen = canvas.getContext("2d"); pen.font = font;
  return Array.from(text).map(ch => {
    pen.clearRect(0, 0, 64, 64); pen.fillText(ch, 4, 48);
    const alpha = pen.getImageData(0, 0, 64, 64).data; let hash = 0;
    for (let i = 3; i < alpha.length; i += 4) hash = (hash * 31 + alpha[i]) | 0;
    return [hash, pen.measureText(ch).width];
  });
}"""


def declared_fonts(css: str) -> list[str]:
    """The font families of the stylesheet's ``body`` rule, in order."""
    rule = re.search(r"body\s*{[^}]*?font:[^;]*?/[\d.]+\s+([^;]+);", css) or re.search(r"font-family:\s*([^;]+);", css)
    assert rule, "the stylesheet names no font"
    return [name.strip().strip('"') for name in rule.group(1).split(",")]


def fonts_used(page: Page, selector: str) -> list[str]:
    """The platform fonts Chromium used for the text of ``selector`` (DevTools: CSS.getPlatformFontsForNode)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return [font["familyName"] for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]]
    finally:
        cdp.detach()


def chinese_renders(page: Page, selector: str = "h1") -> str | None:
    """Why the Chinese text of ``selector`` does not render as Chinese, or None when it does.

    It must be drawn in a CJK font the stylesheet names, and each distinct character must
    be its own glyph a full em wide: a missing font draws every character as the same
    narrow box (tofu), which a PNG's size alone does not reveal.
    """
    text = "".join(dict.fromkeys(CJK.findall(page.inner_text(selector))))
    if not text:
        return f"{selector} holds no Chinese text"
    used = fonts_used(page, selector)
    cjk_fonts = [name for name in declared_fonts(CONSOLE_CSS.read_text(encoding="utf-8")) if name not in
                 ("system-ui", "sans-serif", "serif")]
    if not set(used) & set(cjk_fonts):
        return (f"{selector} {text!r} is drawn in {used}, none of the CJK fonts the console names ({cjk_fonts}): "
                "install one, e.g. apt-get install -y fonts-wqy-microhei")
    size = 40
    glyphs = page.evaluate(_GLYPHS, [text, f"{size}px {', '.join(repr(f) for f in cjk_fonts)}"])
    if len({hash_ for hash_, _ in glyphs}) != len(glyphs) or min(width for _, width in glyphs) < 0.9 * size:
        return f"{selector} {text!r} renders as boxes: {glyphs}"
    return None


def launch(playwright: Playwright) -> Browser:
    """Debian's chromium, headless; a clear error where it is missing (nothing can be downloaded here)."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium, "
                           f"as .ci/run does); `playwright install` cannot download a browser here")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def sign_in(page: Page, console: LiveConsole, role: str) -> None:
    page.goto(f"{console.url}/console/sign-in")
    page.fill("input[name=api_key]", console.keys[role])
    page.click("form.sign-in button[type=submit]")
    page.wait_for_load_state()


def _search(console: LiveConsole) -> Callable[[Page], None]:
    def visit(page: Page) -> None:
        page.goto(f"{console.url}/console/decisions")
        page.fill("input[name=subject]", DEBTOR)
        page.click("form.filters button[type=submit]")
    return visit


def _goto(console: LiveConsole, path: str) -> Callable[[Page], None]:
    return lambda page: page.goto(console.url + path)


def open_diff(page: Page) -> None:
    page.click("nav.main >> text=版本比较")
    page.select_option("select[name=from]", "cn-credit-repair@2023")
    page.select_option("select[name=to]", "cn-credit-repair@2026")
    page.click("form.filters button[type=submit]")


def preview_impact(page: Page) -> None:
    """Upload the candidate (filling the editor with 40 kB is slow in Playwright) and preview it."""
    page.click("nav.main >> text=影响预估")
    page.set_input_files("input[name=candidate_file]", files=[
        {"name": "cn-basic-list-2026.1.yaml", "mimeType": "text/yaml", "buffer": candidate_yaml().encode()}])
    page.fill("input[name=as_of]", AS_OF)
    page.click("form.impact-form button[type=submit]")
    page.wait_for_selector("[data-impact]")


def tour(console: LiveConsole) -> dict[str, list[tuple[str, Callable[[Page], None]]]]:
    """Per role, the pages to visit in order and the name of each picture."""
    debtor = f"/console/decisions/{console.decisions['debtor']}"
    return {
        "auditor": [("decisions", _search(console)), ("decision", _goto(console, debtor)),
                    ("decision-en", _goto(console, debtor + "?lang=en")),
                    ("replay", _goto(console, debtor + "/replay?rules=current&lang=zh")),
                    ("verify", _goto(console, "/console/audit/verify"))],
        "maintainer": [("rulesets", _goto(console, "/console/rulesets")),
                       ("ruleset", _goto(console, "/console/rulesets/cn-basic-list")),
                       ("diff", open_diff), ("impact", preview_impact)],
    }


def capture(browser: Browser, console: LiveConsole, folder: Path) -> list[Path]:
    """Take the tour in a fresh browser context per role; one full-page PNG per stop, plus the sign-in page."""
    folder.mkdir(parents=True, exist_ok=True)
    taken = []
    for role, stops in tour(console).items():
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        if role == "auditor":
            page.goto(f"{console.url}/console/sign-in")
            taken.append(_shot(page, folder, "sign-in"))
        sign_in(page, console, role)
        for name, visit in stops:
            visit(page)
            taken.append(_shot(page, folder, name))
        context.close()
    return taken


def _shot(page: Page, folder: Path, name: str) -> Path:
    if CJK.search(page.inner_text("h1")) and (problem := chinese_renders(page)):
        raise RuntimeError(f"{name}: {problem}")
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=name not in FIRST_SCREEN_ONLY)
    return path


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="jrp-screenshots-") as folder, live_console(Path(folder)) as console, \
            sync_playwright() as playwright:
        browser = launch(playwright)
        for path in capture(browser, console, SCREENSHOTS):
            print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
        browser.close()


if __name__ == "__main__":
    main()
