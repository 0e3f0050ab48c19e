"""Versions in the console: each one's status today from withdrawn_by, its dates and its publication, the version it
follows to compare with, and an approver publishing an edition with their name on record in the decision log."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml

from jrp.adapters.log.publications import logged_publications
from jrp.rulesets.bundle import RulesetRef
from jrp.rulesets.library import BUNDLED_RULESETS, Library
from jrp.runtime import Runtime
from tests.api.conftest import Api
from tests.console.conftest import open_console
from tests.publishing import (
    NANTONG,
    live_version,
    nantong_edition,
    plan_ban,
    publish_on_file,
    rulesets_copy,
    save_edition,
)

FORM = {"version": "2027.2", "drafted_by": "南通市发展改革委信用处 王某", "document": "通政办发〔2027〕9号",
        "document_date": "2027-01-20", "document_title": "关于印发南通市政府采购信用静默查询规则的通知"}


@pytest.fixture
def editions(make_fresh_api: Callable[..., Api], tmp_path: Path) -> Api:
    """The bundled rulesets, Nantong 2027.1 published (from 2027-01-01) and Nantong 2027.2 drafted (from 2027-06-01)."""
    folder = rulesets_copy(tmp_path / "rulesets")
    publish_on_file(save_edition(folder, nantong_edition(folder)))
    save_edition(folder, nantong_edition(folder, version="2027.2", effective_from="2027-06-01"))
    return make_fresh_api(folder)


def _statuses(page: str) -> dict[str, tuple[str, str]]:
    """version → (status, the dates the list shows) from the rulesets page."""
    items = re.findall(r'<li data-version="([^"]+)" data-status="([a-z_]+)">(.*?)</li>', page, re.S)
    return {ref: (status, " ".join(re.sub(r"<[^>]+>", " ", body).split())) for ref, status, body in items}


def _corrected(folder: Path, ruleset_id: str) -> tuple[str, str]:
    """The live edition of a ruleset that corrects others, and the newest version it replaces."""
    file = Library.load(folder).versions(ruleset_id, live=True)[-1]
    newest = max(file.ruleset.ruleset.replaces, key=lambda v: tuple(int(part) for part in v.split(".")))
    return file.ref.version, newest


def test_each_version_says_where_it_stands_today(editions: Api) -> None:
    statuses = _statuses(html.unescape(open_console(editions, "maintainer").get("/console/rulesets").text))
    basic, nantong = live_version(BUNDLED_RULESETS, "cn-basic-list"), live_version(BUNDLED_RULESETS)
    assert statuses["cn-basic-list@2024.1"] == ("withdrawn", "2024.1 原定 2024-03-01 起施行，已由 2024.2 更正并撤回 已撤回")
    assert statuses[f"cn-basic-list@{basic}"] == ("in_force", f"{basic} 施行期间 2024-03-01 – 至今 现行")
    assert statuses["cn-credit-repair@2023"] == ("superseded", "2023 施行期间 2023-05-01 – 2026-03-31 已失效")
    # the edition in force ends the day before the published one that follows it; a draft ends nothing
    assert statuses[f"nantong-silent-check@{nantong}"] == ("in_force", f"{nantong} 施行期间 2024-03-01 – 2026-12-31 现行")
    assert statuses["nantong-silent-check@2027.1"] == ("upcoming", "2027.1 施行期间 2027-01-01 – 至今 待生效")
    assert statuses["nantong-silent-check@2027.2"] == ("unpublished", "2027.2 施行期间 2027-06-01 – 至今 未发布")


def test_a_version_is_compared_with_the_one_it_follows(editions: Api) -> None:
    console = open_console(editions, "maintainer")
    basic, replaced = _corrected(BUNDLED_RULESETS, "cn-basic-list")
    for version, previous in ((f"cn-basic-list@{basic}", f"cn-basic-list@{replaced}"),  # a correction: what it replaces
                              ("nantong-silent-check@2027.1", f"nantong-silent-check@{live_version(BUNDLED_RULESETS)}")):
        ruleset_id, _, number = version.partition("@")
        page = console.get(f"/console/rulesets/{ruleset_id}", version=number).text
        assert f'data-compare href="/console/rulesets/diff?from={previous}&amp;to={version}"' in page
    first = console.get("/console/rulesets/cn-credit-repair", version="2023").text
    assert "data-compare" not in first  # the first edition follows none


def test_only_an_approver_is_offered_to_publish_a_draft(editions: Api) -> None:
    path = "/console/rulesets/nantong-silent-check"
    assert "publish-form" not in open_console(editions, "maintainer").get(path, version="2027.2").text
    approver = open_console(editions, "approver")
    assert "publish-form" in approver.get(path, version="2027.2").text
    assert "publish-form" not in approver.get(path, version="2027.1").text  # published already
    posted = open_console(editions, "maintainer").client.post(f"{path}/publish", data={"csrf": "x", **FORM})
    assert posted.status_code == 403


def test_an_approver_publishes_a_draft_with_their_name_on_record(editions: Api) -> None:
    console = open_console(editions, "approver")
    path = "/console/rulesets/nantong-silent-check/publish"
    missing = console.client.post(path, data={"csrf": console.csrf(), **FORM, "document": ""})
    assert missing.status_code == 422 and "采纳文件文号：必须填写" in html.unescape(missing.text)
    published = console.client.post(path, data={"csrf": console.csrf(), **FORM})
    text = html.unescape(published.text)
    assert published.status_code == 200 and "已发布：批准已记入决定日志（pub" in text, text[:2000]
    assert "approver（测试部门） 于 " in text and "采纳文件 通政办发〔2027〕9号（2027-01-20）" in text
    [entry] = [p.entry for p in logged_publications(editions.runtime.engine) if p.ref.version == "2027.2"]
    assert (entry["source"], entry["recorded_by"]["role"], entry["publication"]["approved_by"]) == (
        "console", "approver", "approver（测试部门）")
    runtime = editions.runtime
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    assert runtime.verify_log().publications == 1
    restarted = Runtime(runtime.settings)  # a worker's next start reads the approval from the log
    try:
        selected = restarted.library.in_force("CN-JS-NT", date(2027, 7, 1))
        assert RulesetRef("nantong-silent-check", "2027.2") in {f.ref for f in selected}
    finally:
        restarted.close()
    assert RulesetRef("nantong-silent-check", "2027.2") not in {  # this worker keeps the rules it started with
        f.ref for f in runtime.library.in_force("CN-JS-NT", date(2027, 7, 1))}


def test_an_edition_that_does_not_validate_is_refused_in_the_page_language(make_fresh_api: Callable[..., Api],
                                                                          tmp_path: Path) -> None:
    folder = rulesets_copy(tmp_path / "rulesets")
    save_edition(folder, plan_ban(nantong_edition(folder, version="2027.2", effective_from="2027-06-01")))
    api = make_fresh_api(folder)
    console = open_console(api, "approver")
    refused = console.client.post("/console/rulesets/nantong-silent-check/publish",
                                  data={"csrf": console.csrf(), **FORM})
    text = html.unescape(refused.text)
    assert refused.status_code == 422 and "版本：第 " in text and "措施类别与其效果不符（原文：measure nt-plan-ban" in text
    assert not logged_publications(api.runtime.engine)
    assert yaml.safe_load((folder / NANTONG / "publications.yaml").read_text(encoding="utf-8"))  # untouched
