"""A credit result report (信用信息结果报告) anyone holding it can verify: its number and verification code follow
from its receipts; ``GET /v1/reports/verify`` and the console's public page confirm a genuine one on any host of
the store and show only what the report shows; ``jrp audit receipt`` checks a saved report file offline and
online; an edited report fails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from jrp.adapters.facts.identity import mask_resident_id
from jrp.adapters.log.entries import decisions_t
from jrp.api.app import create_app
from jrp.cli.main import app as cli
from jrp.settings import Settings
from tests.api.conftest import CLEAN, DEBTOR, PERSON, Api

BATCH = {"scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT",
         "purpose": "南通市政府采购项目 NT-2025-017", "reference": "NT-2025-017"}


@pytest.fixture
def report(fresh_api: Api) -> tuple[dict, str]:
    """A batch answer and its report as the checker downloaded it."""
    batch = fresh_api.client.post("/v1/checks/batch", headers=fresh_api.headers("checker"), json={
        **BATCH, "subjects": [{"id": DEBTOR}, {"id": CLEAN}]}).json()
    page = fresh_api.client.get(f"/v1/checks/batch/{batch['batch_id']}/report", headers=fresh_api.headers("checker"))
    assert page.status_code == 200
    fresh_api.runtime.tree.integrate_all(fresh_api.runtime.audit_keys.signing)
    return batch, page.text


@pytest.fixture
def other_host(fresh_api: Api) -> Iterator[TestClient]:
    """A second app over the same store and key files (another host of the same deployment)."""
    settings = fresh_api.runtime.settings
    app = create_app(Settings(database_url=settings.resolved_database_url(), data_dir=settings.data_dir,
                              report_verify_limit=5))
    with TestClient(app) as client:
        yield client


def _code(page: str) -> str:
    return re.search(r"data-verification-code>([A-Z2-7-]+)<", page).group(1)


def _cli(api: Api, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.setenv("DATABASE_URL", api.runtime.settings.resolved_database_url())
    monkeypatch.setenv("JRP_DATA_DIR", str(api.runtime.settings.data_dir))
    return CliRunner().invoke(cli, list(args))


def test_a_genuine_report_is_confirmed_on_another_host_showing_only_what_it_shows(
        report: tuple[dict, str], other_host: TestClient) -> None:
    batch, page = report
    code = _code(page)
    assert f"JRP-{batch['batch_id'][:12].upper()}" in page
    typed = code.lower().replace("-", " ")  # read off paper: case, spaces and dashes do not matter
    answer = other_host.get("/v1/reports/verify", params={"code": typed})  # no key
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["genuine"] is True and found["problem"] is None
    assert found["report_number"] == f"JRP-{batch['batch_id'][:12].upper()}"
    assert found["purpose"] == BATCH["purpose"] and found["reference"] == BATCH["reference"]
    assert [(r["decision_id"], r["outcome"]) for r in found["results"]] == \
        [(r["decision_id"], r["outcome"]) for r in batch["results"]]
    assert {m["measure_id"] for m in found["results"][0]["measures"]} == \
        {m["measure_id"] for m in batch["results"][0]["measures"] + batch["results"][0]["incentives"]}
    assert set(found) <= {"report_number", "genuine", "problem", "checked_at", "department", "caller", "purpose",
                          "reference", "scenario", "jurisdiction", "as_of", "results"}
    html = other_host.get("/console/reports/verify", params={"code": code})
    assert html.status_code == 200 and 'data-report="genuine"' in html.text and found["report_number"] in html.text


def test_wrong_codes_and_the_rate_limit(report: tuple[dict, str], other_host: TestClient) -> None:
    code = _code(report[1])
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    unknown = other_host.get("/v1/reports/verify", params={"code": wrong})
    assert unknown.status_code == 404 and "not genuine, or the code was mistyped" in unknown.json()["message"]
    malformed = other_host.get("/v1/reports/verify", params={"code": "not a code!"})
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "code"
    page = other_host.get("/console/reports/verify", params={"code": wrong})
    assert page.status_code == 404 and 'data-report="unknown"' in page.text
    over = [other_host.get("/v1/reports/verify", params={"code": code}).status_code for _ in range(3)]
    assert over[:2] == [200, 200] and over[2] == 429  # 5 a minute: 3 asked above


def test_a_report_whose_decision_was_changed_in_the_log_is_not_confirmed(fresh_api: Api, report: tuple[dict, str],
                                                                          other_host: TestClient) -> None:
    batch, page = report
    decision = batch["results"][0]["decision_id"]
    with fresh_api.runtime.engine.begin() as connection:
        entry = connection.execute(select(decisions_t.c.entry).where(decisions_t.c.decision_id == decision)).scalar()
        connection.execute(update(decisions_t).where(decisions_t.c.decision_id == decision)
                           .values(entry=entry.replace('"outcome":"deny"', '"outcome":"allow"')))
    found = other_host.get("/v1/reports/verify", params={"code": _code(page)}).json()
    assert found["genuine"] is False and f"decision {decision} of this report was changed" in found["problem"]


@pytest.mark.parametrize("offline", [True, False])
def test_a_saved_report_verifies_and_an_edited_one_fails(fresh_api: Api, report: tuple[dict, str], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch, offline: bool) -> None:
    _batch, page = report
    key = tmp_path / "jrp.pub"
    key.write_text(fresh_api.client.get("/v1/audit/keys").json()[0]["public_key"], encoding="utf-8")
    flags = ["--public-key", str(key)] + (["--offline"] if offline else [])
    saved = tmp_path / "report.html"
    saved.write_text(page, encoding="utf-8")
    genuine = _cli(fresh_api, monkeypatch, "audit", "receipt", str(saved), *flags)
    assert genuine.exit_code == 0 and "page, number, code and 2 receipt(s) ok" in genuine.output, genuine.output
    assert (genuine.output.count("included: decision") == 2) is not offline
    denied = re.search(r'class="deny">([^<]+)<', page)
    edits = {"outcome": page.replace(denied.group(0), denied.group(0).replace("deny", "allow")
                                     .replace(denied.group(1), "通过"), 1),
             "purpose": page.replace("NT-2025-017", "NT-2025-018", 1),
             "code": page.replace(_code(page), "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")}
    for what, edited in edits.items():
        assert edited != page, what
        saved.write_text(edited, encoding="utf-8")
        result = _cli(fresh_api, monkeypatch, "audit", "receipt", str(saved), *flags)
        output = " ".join(result.output.split())
        assert result.exit_code == 1 and "the report differs from what was signed" in output, (what, output)


def test_the_report_a_person_is_named_in_masks_the_resident_id(fresh_api: Api, other_host: TestClient) -> None:
    batch = fresh_api.client.post("/v1/checks/batch", headers=fresh_api.headers("checker_any"), json={
        "scenario": "travel", "consumption": "flight", "jurisdiction": "CN", "purpose": "tour",
        "subjects": [{"id": PERSON}]}).json()
    page = fresh_api.client.get(f"/v1/checks/batch/{batch['batch_id']}/report",
                                headers=fresh_api.headers("checker_any")).text
    found = other_host.get("/v1/reports/verify", params={"code": _code(page)}).json()
    assert found["genuine"] and found["results"][0]["subject"] == mask_resident_id(PERSON) != PERSON
