"""Receipts bind the answer: each signs the digest of the answer as returned (canonical JSON), and
``jrp audit receipt`` recomputes it from the file it is given — an answer whose outcome or measures were
edited fails offline and online, naming the difference; ``--offline`` never makes keys; a file that is not
an answer is one line, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jrp.adapters.log.crypto.signing import SignatureError, answer_digest, verify_answer
from jrp.cli.main import app as cli
from tests.api.conftest import CLEAN, DEBTOR, Api

EDITED = "the answer differs from what was signed"


def _cli(api: Api, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.setenv("DATABASE_URL", api.runtime.settings.resolved_database_url())
    monkeypatch.setenv("JRP_DATA_DIR", str(api.runtime.settings.data_dir))
    return CliRunner().invoke(cli, list(args))


def _flat(output: str) -> str:
    return " ".join(output.split())


@pytest.fixture
def public_key(fresh_api: Api, tmp_path: Path) -> Path:
    path = tmp_path / "jrp.pub"
    path.write_text(fresh_api.client.get("/v1/audit/keys").json()[0]["public_key"], encoding="utf-8")
    return path


def test_the_receipt_signs_the_digest_of_the_answer_as_returned(fresh_api: Api) -> None:
    for key in ("checker", "checker", "admin"):  # the second from the cached evaluation; an admin sees resident IDs
        answer = fresh_api.check(key=key, explain=True)
        assert answer["receipt"]["answer"] == answer_digest(answer)
        verify_answer(json.loads(json.dumps(answer, indent=1, ensure_ascii=True)), answer["receipt"])
    batch = fresh_api.client.post("/v1/checks/batch", headers=fresh_api.headers("checker"), json={
        "scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT", "purpose": "bid",
        "subjects": [{"id": CLEAN}, {"id": DEBTOR}]}).json()
    for result in batch["results"]:
        verify_answer(result, result["receipt"])
    edited = {**answer, "outcome": "allow", "measures": []}
    with pytest.raises(SignatureError, match=EDITED):
        verify_answer(edited, answer["receipt"])


@pytest.mark.parametrize("offline", [True, False])
def test_an_edited_answer_fails_the_receipt_check(fresh_api: Api, public_key: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, offline: bool) -> None:
    answer = fresh_api.check()
    assert answer["outcome"] == "deny" and answer["measures"]
    fresh_api.runtime.tree.integrate_all(fresh_api.runtime.audit_keys.signing)
    flags = ["--public-key", str(public_key)] + (["--offline"] if offline else [])
    saved = tmp_path / "answer.json"
    saved.write_text(json.dumps(answer, ensure_ascii=False, indent=2), encoding="utf-8")
    genuine = _cli(fresh_api, monkeypatch, "audit", "receipt", str(saved), *flags)
    assert genuine.exit_code == 0 and "answer and signature ok" in genuine.output, genuine.output
    assert ("included: decision" in genuine.output) is not offline
    for edit in ({"outcome": "allow"}, {"measures": answer["measures"][1:]}):
        saved.write_text(json.dumps({**answer, **edit}), encoding="utf-8")
        result = _cli(fresh_api, monkeypatch, "audit", "receipt", str(saved), *flags)
        assert result.exit_code == 1 and EDITED in _flat(result.output), result.output
        assert "included" not in result.output


def test_a_batch_answer_is_verified_result_by_result(fresh_api: Api, public_key: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    batch = fresh_api.client.post("/v1/checks/batch", headers=fresh_api.headers("checker"), json={
        "scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT", "purpose": "bid",
        "subjects": [{"id": CLEAN}, {"id": DEBTOR}]}).json()
    saved = tmp_path / "batch.json"
    saved.write_text(json.dumps(batch), encoding="utf-8")
    ok = _cli(fresh_api, monkeypatch, "audit", "receipt", str(saved), "--public-key", str(public_key), "--offline")
    assert ok.exit_code == 0 and ok.output.count("answer and signature ok") == 2, ok.output
    batch["results"][1]["outcome"] = "allow"
    saved.write_text(json.dumps(batch), encoding="utf-8")
    edited = _cli(fresh_api, monkeypatch, "audit", "receipt", str(saved), "--public-key", str(public_key), "--offline")
    assert edited.exit_code == 1 and f"{EDITED} for decision {batch['results'][1]['decision_id']}" in _flat(edited.output)


def test_offline_never_makes_keys_and_bad_files_are_one_line(fresh_api: Api, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    saved = tmp_path / "answer.json"
    saved.write_text(json.dumps(fresh_api.check()), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("JRP_DATA_DIR", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["audit", "receipt", str(saved), "--offline"])
    assert result.exit_code != 0 and "--offline needs --public-key" in _flat(result.output), result.output
    assert not (elsewhere / "data").exists() and os.listdir(elsewhere) == []
    for name, content in (("binary.bin", bytes(range(256)) * 4), ("garbage.json", b"{not json"),
                          ("list.json", b"[1, 2]"), ("empty.json", b"{}")):
        bad = tmp_path / name
        bad.write_bytes(content)
        result = CliRunner().invoke(cli, ["audit", "receipt", str(bad), "--offline"])
        lines = result.output.strip().splitlines()
        assert result.exit_code != 0
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert len(lines) == 1 and str(bad) in _flat(result.output) and "Traceback" not in result.output, result.output
    assert os.listdir(elsewhere) == []


def test_the_answer_jrp_check_prints_verifies_as_printed(fresh_api: Api, public_key: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    printed = _cli(fresh_api, monkeypatch, "check", DEBTOR, "--scenario", "government_procurement", "--role",
                   "supplier", "--jurisdiction", "CN-JS-NT", "--purpose", "bid 17")
    assert printed.exit_code == 0, printed.output
    saved = tmp_path / "answer.json"
    saved.write_text(printed.output, encoding="utf-8")
    assert json.loads(printed.output)["receipt"]["answer"]
    result = _cli(fresh_api, monkeypatch, "audit", "receipt", str(saved), "--public-key", str(public_key), "--offline")
    assert result.exit_code == 0 and "answer and signature ok" in result.output, result.output
