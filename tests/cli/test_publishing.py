"""Publication on record, end to end at the terminal: an edition takes effect in checks only once published with
its approval, the publication is an entry of the verified log, and an auditor proves who approved a decision's rules.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from jrp.rulesets.library import Library
from jrp.rulesets.publications import PUBLICATIONS_FILE
from jrp.runtime import Runtime
from jrp.settings import Settings
from tests.cli.conftest import Run
from tests.publishing import NANTONG, live_version, nantong_edition, plan_ban, save_edition

DEBTOR = "91320508MA1X000178"
APPROVAL = ("--drafted-by", "南通市发展改革委信用处 王某", "--approved-by", "南通市人民政府办公室 李某",
            "--document", "通政办发〔2026〕88号", "--document-date", "2026-12-01")


def _nantong_version(jrp: Run, folder: Path) -> str:
    """The Nantong edition a check on 2027-02-01 is answered with (by the service: published editions only)."""
    result = jrp("--rulesets-dir", folder, "check", DEBTOR, "--scenario", "government_procurement", "--role",
                 "supplier", "--jurisdiction", "CN-JS-NT", "--as-of", "2027-02-01", "--purpose", "bid")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    return next(r["version"] for r in answer["bundle"]["rulesets"] if r["id"] == "nantong-silent-check")


def _records(folder: Path) -> list[dict]:
    return yaml.safe_load((folder / NANTONG / PUBLICATIONS_FILE).read_text(encoding="utf-8"))["publications"]


def _settle() -> None:
    """What the server's sequencer does within a second: the pending entries into the tree, a checkpoint signed."""
    runtime = Runtime(Settings())
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    runtime.close()


def test_an_edition_without_approval_is_never_selected_and_is_not_published(jrp: Run, folder: Path) -> None:
    in_force = live_version(folder)
    save_edition(folder, nantong_edition(folder))
    assert _nantong_version(jrp, folder) == in_force  # the draft of 2027.1 does not take effect
    result = jrp("--rulesets-dir", folder, "rulesets", "publish", "nantong-silent-check@2027.1",
                 "--drafted-by", "王某")
    assert result.exit_code == 2
    assert result.stderr == ("error: give --approved-by, --document, --document-date: an edition without its "
                             "approval on record cannot take effect\n")
    assert "2027.1" not in {r["version"] for r in _records(folder)}
    assert "ruleset publications" not in jrp("audit", "verify").stdout
    assert _nantong_version(jrp, folder) == in_force


def test_an_edition_published_with_its_approval_takes_effect_and_is_proven_in_the_log(jrp: Run, folder: Path) -> None:
    save_edition(folder, nantong_edition(folder))
    before = json.loads(jrp("--rulesets-dir", folder, "check", DEBTOR, "--scenario", "government_procurement",
                            "--role", "supplier", "--jurisdiction", "CN-JS-NT", "--purpose", "bid").stdout)
    result = jrp("--rulesets-dir", folder, "rulesets", "publish", "nantong-silent-check@2027.1", *APPROVAL)
    assert result.exit_code == 0, result.output
    assert "published nantong-silent-check@2027.1: approved by 南通市人民政府办公室 李某" in result.stdout
    [record] = [r for r in _records(folder) if r["version"] == "2027.1"]
    assert (record["approved_by"], record["adopted_by"]) == ("南通市人民政府办公室 李某",
                                                             {"doc_no": "通政办发〔2026〕88号", "date": "2026-12-01"})
    assert jrp("--rulesets-dir", folder, "rulesets", "validate").exit_code == 0
    assert _nantong_version(jrp, folder) == "2027.1"
    _settle()
    verified = jrp("audit", "verify")
    assert verified.exit_code == 0 and "ok: 2 decisions and 1 ruleset publications" in verified.stdout

    proof = jrp("--rulesets-dir", folder, "audit", "approvals", _last_decision())
    assert proof.exit_code == 1  # the bundled editions' publications are on file, not yet in this log
    text = " ".join(proof.stdout.split())
    assert ("nantong-silent-check@2027.1 (content " in text and "approved by 南通市人民政府办公室 李某 on "
            in text and "adopted by 通政办发〔2026〕88号 of 2026-12-01, drafted by 南通市发展改革委信用处 王某" in text)
    assert "logged before the decision, recorded by" in text and "(publish); inclusion proven" in text
    assert f"cn-basic-list@{live_version(folder, 'cn-basic-list')} (content" in text
    assert "NOT PROVEN: no publication in the log" in text

    on_file = len(Library.load(folder).records)
    carried = jrp("--rulesets-dir", folder, "rulesets", "publish", "--on-file")  # all but the one published
    assert carried.exit_code == 0
    assert f"{on_file - 1} publications on file recorded in the decision log" in carried.stdout
    proof = jrp("--rulesets-dir", folder, "audit", "approvals", before["decision_id"])
    assert proof.exit_code == 0, proof.output
    assert "logged after the decision (carried onto the log), recorded by" in " ".join(proof.stdout.split())
    assert f"ok: 2 decisions and {on_file} ruleset publications" in jrp("audit", "verify").stdout


def _last_decision() -> str:
    runtime = Runtime(Settings())
    try:
        return runtime.log.recent(1)[0]["decision_id"]
    finally:
        runtime.close()


def test_an_edition_that_does_not_validate_is_not_published(jrp: Run, folder: Path) -> None:
    save_edition(folder, plan_ban(nantong_edition(folder)))
    result = jrp("--rulesets-dir", folder, "rulesets", "publish", "nantong-silent-check@2027.1", *APPROVAL)
    assert result.exit_code == 1
    assert "error effect-basis: measure nt-plan-ban has effect prohibit" in result.stdout
    assert "nantong-silent-check@2027.1 is not published:" in result.stdout
    assert "2027.1" not in {r["version"] for r in _records(folder)}


@pytest.mark.parametrize("again", ["the same edition", "an edited one"])
def test_a_published_edition_is_not_published_again(jrp: Run, folder: Path, again: str) -> None:
    edition = save_edition(folder, nantong_edition(folder))
    assert jrp("--rulesets-dir", folder, "rulesets", "publish", "nantong-silent-check@2027.1", *APPROVAL).exit_code == 0
    if again == "an edited one":
        edition.write_text(edition.read_text(encoding="utf-8").replace("intensity: 5", "intensity: 4", 1),
                           encoding="utf-8")
    result = jrp("--rulesets-dir", folder, "rulesets", "publish", "nantong-silent-check@2027.1", *APPROVAL)
    assert result.exit_code == 1
    assert "nantong-silent-check@2027.1 is published already" in result.stdout
    assert ("with other content: a published edition is never edited" in result.stdout) == (again == "an edited one")


def test_the_demo_logs_the_bundled_editions_publications_once(jrp: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jrp.serving.run", lambda *args, **kwargs: None)
    on_file = len(Library.load().records)
    first, second = (" ".join(jrp("demo", "--subjects", "2").stdout.split()) for _ in range(2))
    assert f"{on_file} ruleset publications recorded in the log" in first
    assert ", 0 ruleset publications recorded in the log" in second
    _settle()
    assert f"ok: 0 decisions and {on_file} ruleset publications" in jrp("audit", "verify").stdout
