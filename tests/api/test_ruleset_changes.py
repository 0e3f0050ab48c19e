"""Ruleset diffs between library versions, and impact previews of a candidate version (API and CLI)."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from jrp.cli import rulesets as cli_rulesets
from jrp.cli.main import app as cli
from jrp.rulesets.library import BUNDLED_RULESETS
from tests.api.conftest import DEBTOR, Api
from tests.console.conftest import open_console
from tests.rulesets.test_bounded_yaml import BOMB

BASIC_LIST = BUNDLED_RULESETS / "CN" / "cn-basic-list" / "2024.4.yaml"
AS_OF = "2026-06-01"


def _candidate_yaml() -> str:
    """cn-basic-list 2026.1: judgment debtors are no longer barred from government procurement."""
    data = yaml.safe_load(BASIC_LIST.read_text(encoding="utf-8"))
    data["ruleset"].update(version="2026.1", effective_from="2026-01-01")
    data["ruleset"].pop("replaces")
    data["rules"] = [rule for rule in data["rules"] if rule["id"] != "judgment-debtor-procurement"]
    return yaml.safe_dump(data, allow_unicode=True)


def test_diff_lists_every_change_with_relative_locations(api: Api) -> None:
    response = api.client.get("/v1/rulesets/diff", params={"from": "cn-credit-repair@2023", "to": "cn-credit-repair@2026"},
                              headers=api.headers("maintainer"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == ("cn-credit-repair@2023", "cn-credit-repair@2026")
    assert body["changes"] and body["errors"] == sum(1 for c in body["changes"] if c["level"] == "error")
    change = body["changes"][0]
    assert set(change) == {"measure_id", "aspect", "direction", "detail", "before", "after", "level", "was", "now",
                           "fields"}
    located = [c[side] for c in body["changes"] for side in ("before", "after") if c[side]]
    assert located and all(loc.startswith("CN/cn-credit-repair/") for loc in located)
    same = api.client.get("/v1/rulesets/diff", params={"from": "cn-credit-repair@2026", "to": "cn-credit-repair@2026"},
                          headers=api.headers("auditor")).json()
    assert (same["changes"], same["errors"]) == ([], 0)


def test_diff_rejects_unknown_versions_paths_and_other_roles(api: Api) -> None:
    def get(key: str = "admin", **params: str):
        return api.client.get("/v1/rulesets/diff", params=params, headers=api.headers(key))

    assert get(**{"from": "cn-credit-repair@1999", "to": "cn-credit-repair@2026"}).status_code == 404
    assert get(**{"from": "cn-credit-repair@2023", "to": "cn-basic-list@2024.1"}).status_code == 422
    for spec in ("/etc/passwd.yaml", "cn-credit-repair", "../x@1.yaml/.."):
        assert get(**{"from": spec, "to": "cn-credit-repair@2026"}).status_code == 422, spec
    assert get(to="cn-credit-repair@2026").status_code == 422
    for key in ("checker", "ingester"):
        assert get(key, **{"from": "cn-credit-repair@2023", "to": "cn-credit-repair@2026"}).status_code == 403


def test_impact_counts_losses_and_replays_recent_decisions_without_logging(fresh_api: Api) -> None:
    fresh_api.check(key="checker_any", jurisdiction="CN", as_of=AS_OF)
    logged = len(fresh_api.runtime.log.search(limit=1000))
    response = fresh_api.client.post("/v1/rulesets/impact", json={"candidate_yaml": _candidate_yaml(), "as_of": AS_OF},
                                     headers=fresh_api.headers("maintainer"))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["candidate"] == "cn-basic-list@2026.1" and report["as_of"] == AS_OF
    assert report["subjects"] >= 4 and not report["gained"]
    lost = {(row["measure_id"], row["jurisdiction"]) for row in report["lost"]}
    assert ("gp-supplier-disqualified", "CN") in lost
    assert DEBTOR in next(e["subjects"] for e in report["examples"] if e["measure_id"] == "gp-supplier-disqualified")
    assert report["decisions"]["checked"] == 1
    assert "measures: gp-supplier-disqualified no longer applies" in report["decisions"]["changed"][0]["differences"]
    assert len(fresh_api.runtime.log.search(limit=1000)) == logged
    sampled = fresh_api.client.post("/v1/rulesets/impact", json={"candidate_yaml": _candidate_yaml(), "as_of": AS_OF,
                                                                 "sample": 1}, headers=fresh_api.headers("admin"))
    assert sampled.status_code == 200 and sampled.json()["subjects"] == 1


def test_impact_rejects_bad_candidates_and_other_roles(api: Api) -> None:
    def post(body: dict, key: str = "maintainer"):
        return api.client.post("/v1/rulesets/impact", json=body, headers=api.headers(key))

    broken = post({"candidate_yaml": "ruleset: [unclosed"})
    assert broken.status_code == 422 and broken.json()["errors"][0]["field"] == "candidate_yaml"
    schema = post({"candidate_yaml": "ruleset: {id: x}\n"})
    assert schema.status_code == 422 and "line" in schema.json()["errors"][0]["message"]
    assert post({"candidate_yaml": _candidate_yaml(), "sample": 0}).status_code == 422
    for key in ("auditor", "checker", "ingester"):
        assert post({"candidate_yaml": _candidate_yaml()}, key).status_code == 403


def test_cli_impact_prints_a_summary_table(fresh_api: Api, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(_candidate_yaml(), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", fresh_api.runtime.settings.resolved_database_url())
    monkeypatch.setattr(cli_rulesets.console, "width", 160)  # measure ids in full
    result = CliRunner().invoke(cli, ["rulesets", "impact", str(candidate), "--as-of", AS_OF, "--sample", "50"])
    assert result.exit_code == 0, result.output
    assert "cn-basic-list@2026.1" in result.output and "gp-supplier-disqualified" in result.output
    assert "Outcome shifts" in result.output
    unknown = CliRunner().invoke(cli, ["rulesets", "impact", "cn-basic-list@1999"])
    assert unknown.exit_code == 2 and "no ruleset" in unknown.output


def _unfounded_candidate_yaml() -> str:
    """The same candidate with a measure resting on an instrument the registry does not know."""
    data = yaml.safe_load(_candidate_yaml())
    data["measures"][0]["basis"][0]["instrument"] = "no-such-instrument"
    return yaml.safe_dump(data, allow_unicode=True)


def test_impact_is_refused_for_a_candidate_that_does_not_validate(fresh_api: Api, tmp_path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    response = fresh_api.client.post("/v1/rulesets/impact", json={"candidate_yaml": _unfounded_candidate_yaml()},
                                     headers=fresh_api.headers("maintainer"))
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["field"] == "candidate_yaml" and "does not validate" in error["message"]
    assert "no-such-instrument" in error["message"] and "line " in error["message"]
    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(_unfounded_candidate_yaml(), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", fresh_api.runtime.settings.resolved_database_url())
    result = CliRunner().invoke(cli, ["rulesets", "impact", str(candidate), "--as-of", AS_OF])
    assert result.exit_code == 2 and "no-such-instrument" in result.output and "does not validate" in result.output


def test_an_alias_bomb_is_a_422_from_the_api_and_the_console_upload(fresh_api: Api) -> None:
    response = fresh_api.client.post("/v1/rulesets/impact", json={"candidate_yaml": BOMB},
                                     headers=fresh_api.headers("maintainer"))
    assert response.status_code == 422, response.text
    assert "aliases (*name) are not accepted" in response.json()["errors"][0]["message"]
    console = open_console(fresh_api, "maintainer")
    page = console.client.post("/console/impact", data={"csrf": console.csrf()},
                               files={"candidate_file": ("bomb.yaml", BOMB.encode(), "application/x-yaml")})
    assert page.status_code == 422 and "aliases (*name) are not accepted" in page.text
