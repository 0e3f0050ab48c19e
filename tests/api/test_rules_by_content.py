"""Rules by content: a decision's bundle is stored when first used, replayed as stored, and a published
version whose file was edited or removed is reported as such (replay) or refused (validation)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import delete, select
from typer.testing import CliRunner

from jrp.adapters.log.bundle_store import bundles_t
from jrp.cli.main import app as cli
from jrp.rulesets.bundle import Bundle
from jrp.rulesets.library import BUNDLED_RULESETS
from jrp.runtime import Runtime
from jrp.settings import Settings
from tests.api.conftest import Api

VERSION = BUNDLED_RULESETS / "CN" / "cn-basic-list" / "2024.4.yaml"  # the edition in force on 2025-06-01


@pytest.fixture
def rulesets(tmp_path: Path) -> Path:
    folder = tmp_path / "rulesets"
    shutil.copytree(BUNDLED_RULESETS, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


def _edit_measure_name(rulesets: Path) -> Path:
    path = rulesets / VERSION.relative_to(BUNDLED_RULESETS)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["measures"][0]["name"]["zh"] += "（改）"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _today(api: Api, rulesets: Path) -> Runtime:
    """The same store, served again after the rulesets folder changed."""
    settings = api.runtime.settings
    return Runtime(Settings(database_url=settings.resolved_database_url(), data_dir=settings.data_dir,
                            rulesets_dir=rulesets))


def _cli(api: Api, rulesets: Path, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.setenv("DATABASE_URL", api.runtime.settings.resolved_database_url())
    monkeypatch.setenv("JRP_DATA_DIR", str(api.runtime.settings.data_dir))
    monkeypatch.setenv("JRP_RULESETS_DIR", str(rulesets))
    return CliRunner().invoke(cli, list(args))


def test_the_bundle_is_stored_once_by_content_and_rehashes(make_fresh_api, rulesets: Path) -> None:
    api = make_fresh_api(rulesets)
    first, second = api.check(reference="a"), api.check(reference="b")
    with api.runtime.engine.connect() as connection:
        stored = connection.execute(select(bundles_t.c.hash, bundles_t.c.content)).all()
    assert [row.hash for row in stored] == [first["bundle"]["hash"]] == [second["bundle"]["hash"]]
    assert Bundle.from_content(stored[0].content.encode()).hash == first["bundle"]["hash"]


def test_replay_evaluates_the_stored_rules_and_says_the_file_changed(make_fresh_api, rulesets: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    api = make_fresh_api(rulesets)
    decision = api.check(key="checker_any", jurisdiction="CN", as_of="2025-06-01")
    _edit_measure_name(rulesets)
    replay = _today(api, rulesets).service.replay(decision["decision_id"], "original")
    assert replay.identical and replay.bundle_hash == decision["bundle"]["hash"]
    assert [str(note) for note in replay.rules] == [
        "rules changed: today's file of cn-basic-list@2024.4 differs from the content that served the decision "
        "(differs in measures); the stored content was replayed"]
    printed = _cli(api, rulesets, monkeypatch, "replay", decision["decision_id"])
    assert printed.exit_code == 0 and "rules changed: today's file of cn-basic-list@2024.4" in printed.output


def test_a_removed_version_file_is_replayed_from_the_store_without_a_traceback(make_fresh_api, rulesets: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    api = make_fresh_api(rulesets)
    decision = api.check(key="checker_any", jurisdiction="CN", as_of="2025-06-01")
    new = rulesets / VERSION.relative_to(BUNDLED_RULESETS)
    data = yaml.safe_load(new.read_text(encoding="utf-8"))
    data["ruleset"]["version"] = "2024.9"  # the file renamed to another version: 2024.4 is gone
    new.unlink()
    (new.parent / "2024.9.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = _cli(api, rulesets, monkeypatch, "replay", decision["decision_id"])
    assert result.exit_code == 0, result.output
    assert "rules removed: cn-basic-list@2024.4 is no longer in the rulesets folder" in result.output
    assert "identical" in result.output
    with api.runtime.engine.begin() as connection:  # a decision logged compact needs its stored bundle
        connection.execute(delete(bundles_t))
    gone = _cli(api, rulesets, monkeypatch, "replay", decision["decision_id"])
    assert gone.exit_code == 2  # a message, not a traceback
    assert "is not stored, so its result cannot be rebuilt; verify the log" in gone.output


def test_validation_refuses_an_edited_published_version_naming_its_file(make_fresh_api, rulesets: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    api = make_fresh_api(rulesets)
    api.check(key="checker_any", jurisdiction="CN", as_of="2025-06-01")
    clean = _cli(api, rulesets, monkeypatch, "rulesets", "validate", "--dir", str(rulesets))
    assert clean.exit_code == 0, clean.output
    path = _edit_measure_name(rulesets)
    result = _cli(api, rulesets, monkeypatch, "rulesets", "validate", "--dir", str(rulesets))
    assert result.exit_code == 1
    assert f"{path}:1: error published-version-changed: cn-basic-list@2024.4 has served decisions" in \
        result.output.replace("\n", "")


def test_validation_without_a_store_says_it_did_not_compare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("JRP_DATA_DIR", str(tmp_path / "nothing-here"))
    result = CliRunner().invoke(cli, ["rulesets", "validate"])
    assert result.exit_code == 0, result.output
    assert "no decision store at" in result.output and "were not compared" in result.output.replace("\n", " ")
    assert not (tmp_path / "nothing-here").exists()
