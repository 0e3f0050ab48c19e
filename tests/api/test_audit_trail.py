"""What an auditor does: verify a receipt offline and its inclusion, a decision's proof, consistency between
checkpoints, the whole log against a kept checkpoint; and an old hash-chained log carried into the tree."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, insert
from typer.testing import CliRunner

from jrp.adapters.log.crypto import merkle
from jrp.adapters.log.crypto.signing import Checkpoint, SignatureError, load_public_key, verify_receipt
from jrp.adapters.log.entries import decisions_t
from jrp.adapters.log.legacy_chain import GENESIS, LegacyChainBroken, chain_hash
from jrp.adapters.store.database import make_engine, upgrade_database
from jrp.cli.main import app as cli
from jrp.engine.codec import canonical
from jrp.runtime import Runtime
from jrp.service import Caller, CheckRequest, SubjectRef
from jrp.settings import Settings
from tests.api.conftest import CLEAN, DEBTOR, EVENT_LEAVES, Api

E = EVENT_LEAVES  # leaves before the decisions
from tests.pg import pg_schema


def _settle(api: Api) -> None:
    api.runtime.tree.integrate_all(api.runtime.audit_keys.signing)


def _public_key(api: Api):
    keys = api.client.get("/v1/audit/keys").json()  # public: no API key needed
    assert len(keys) == 1 and keys[0]["algorithm"] == "Ed25519"
    return load_public_key(keys[0]["public_key"])


def _checkpoint(api: Api) -> Checkpoint:
    response = api.client.get("/v1/audit/checkpoint", headers=api.headers("auditor"))
    assert api.client.get("/v1/audit/checkpoint", headers=api.headers("checker")).status_code == 403
    return Checkpoint.from_json(response.json())


def _cli(api: Api, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.setenv("DATABASE_URL", api.runtime.settings.resolved_database_url())
    monkeypatch.setenv("JRP_DATA_DIR", str(api.runtime.settings.data_dir))
    return CliRunner().invoke(cli, list(args))


def test_every_answer_carries_a_receipt_that_verifies_offline(fresh_api: Api, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    public = _public_key(fresh_api)
    single = fresh_api.check()
    verify_receipt(single["receipt"], public)
    batch = fresh_api.client.post("/v1/checks/batch", headers=fresh_api.headers("checker"), json={
        "scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT", "purpose": "bid",
        "subjects": [{"id": CLEAN}, {"id": DEBTOR}, {"id": CLEAN}]}).json()
    receipts = [r["receipt"] for r in batch["results"]]
    assert [r["decision_id"] for r in receipts] == [r["decision_id"] for r in batch["results"]]
    assert len({r["signature"] for r in receipts}) == 1 and receipts[0]["group"]["size"] == 3  # one signature
    for receipt in receipts:
        verify_receipt(receipt, public)
    forged = {**receipts[1], "decision_id": receipts[0]["decision_id"]}
    with pytest.raises(SignatureError, match="does not verify"):
        verify_receipt(forged, public)

    answer, key_file = tmp_path / "answer.json", tmp_path / "jrp.pub"
    answer.write_text(json.dumps(single), encoding="utf-8")
    key_file.write_text(fresh_api.client.get("/v1/audit/keys").json()[0]["public_key"], encoding="utf-8")
    offline = _cli(fresh_api, monkeypatch, "audit", "receipt", str(answer), "--public-key", str(key_file), "--offline")
    assert offline.exit_code == 0 and f"answer and signature ok: decision {single['decision_id']}" in offline.output
    _settle(fresh_api)
    included = _cli(fresh_api, monkeypatch, "audit", "receipt", str(answer), "--public-key", str(key_file))
    assert included.exit_code == 0 and f"at leaf {E} of the tree of {E + 4}" in included.output, included.output
    answer.write_text(json.dumps({**single["receipt"], "time": "2020-01-01T00:00:00+00:00"}), encoding="utf-8")
    altered = _cli(fresh_api, monkeypatch, "audit", "receipt", str(answer), "--public-key", str(key_file))
    assert altered.exit_code == 1 and "does not verify" in altered.output


def test_a_decisions_inclusion_and_the_consistency_of_checkpoints_verify_by_proof(fresh_api: Api) -> None:
    public = _public_key(fresh_api)
    first = [fresh_api.check(reference=f"a{i}")["decision_id"] for i in range(3)]
    _settle(fresh_api)
    old = _checkpoint(fresh_api)
    [fresh_api.check(reference=f"b{i}") for i in range(5)]
    _settle(fresh_api)
    for decision_id in first:
        proof = fresh_api.client.get(f"/v1/decisions/{decision_id}/proof", headers=fresh_api.headers("checker")).json()
        checkpoint = Checkpoint.from_json(proof["checkpoint"])
        checkpoint.verify(public)
        merkle.verify_inclusion(bytes.fromhex(proof["entry_hash"]), proof["leaf_index"], checkpoint.tree_size,
                                [bytes.fromhex(h) for h in proof["proof"]], checkpoint.root)
    new = _checkpoint(fresh_api)
    assert (old.tree_size, new.tree_size) == (E + 3, E + 8)
    consistency = fresh_api.client.get("/v1/audit/consistency", params={"old": E + 3, "new": E + 8},
                                         headers=fresh_api.headers("auditor")).json()
    merkle.verify_consistency(E + 3, E + 8, old.root, new.root, [bytes.fromhex(h) for h in consistency["proof"]])
    bad = fresh_api.client.get("/v1/audit/consistency", params={"old": 3, "new": 99},
                               headers=fresh_api.headers("auditor"))
    assert bad.status_code == 422 and f"old <= new <= {E + 8}" in bad.json()["errors"][0]["message"]
    other = fresh_api.client.get(f"/v1/decisions/{first[0]}/proof", headers=fresh_api.headers("checker_any"))
    assert other.status_code == 403


def test_the_whole_log_verifies_against_a_kept_checkpoint_and_truncation_fails(
        fresh_api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    witness = tmp_path / "witness"
    [fresh_api.check(reference=f"r{i}") for i in range(4)]
    exported = _cli(fresh_api, monkeypatch, "audit", "checkpoint", "--out", str(witness))
    assert exported.exit_code == 0 and f"checkpoint of {E + 4} entries" in exported.output, exported.output
    assert (witness / f"checkpoint-{E + 4}.json").exists() and (witness / "public-key.pem").exists()
    [fresh_api.check(reference=f"s{i}") for i in range(3)]
    _settle(fresh_api)
    ok = _cli(fresh_api, monkeypatch, "audit", "verify", "--against", str(witness))
    assert ok.exit_code == 0, ok.output
    assert f"the log at size {E + 7} extends the witness checkpoint of size {E + 4}" in ok.output
    assert f"ok: 7 decisions and {E} events" in ok.output
    with fresh_api.runtime.engine.begin() as connection:
        connection.execute(delete(decisions_t).where(decisions_t.c.leaf_index >= E + 2))
    broken = _cli(fresh_api, monkeypatch, "audit", "verify", "--against", str(witness / f"checkpoint-{E + 4}.json"))
    assert broken.exit_code == 1 and "the newest 2 were deleted" in broken.output.replace("\n", " ")


def _legacy_entry(n: int) -> dict:
    return {"decision_id": f"old{n:04d}", "batch_id": None, "created_at": datetime(2025, 6, 1, tzinfo=UTC).isoformat(),
            "caller": {"key_id": "k", "name": "t", "department": ""}, "purpose": "before the tree", "reference": "",
            "request": {"subject": {"id": DEBTOR}, "scenario": "bidding", "jurisdiction": "CN"},
            "bundle": {"jurisdiction": "CN", "hash": "0" * 64, "rulesets": []},
            "facts": {"subject": {"subject_id": DEBTOR}}, "result": {"outcome": "allow"}}


def _legacy_store(url: str, n: int, break_at: int | None = None) -> None:
    """A store at revision 0006 whose log is the old hash chain."""
    upgrade_database(url, "0006")
    engine = make_engine(url)
    prev = GENESIS
    with engine.begin() as connection:
        for seq in range(1, n + 1):
            entry = _legacy_entry(seq)
            data = canonical(entry)
            digest = chain_hash(prev, data)
            text = data.decode().replace("before", "after") if seq == break_at else data.decode()
            connection.execute(insert(decisions_t).values(
                seq=seq, decision_id=entry["decision_id"], batch_id=None, created_at=datetime(2025, 6, 1, tzinfo=UTC),
                caller_key_id="k", purpose="before the tree", subject_id=DEBTOR, scenario="bidding", outcome="allow",
                entry=text, prev_hash=prev, hash=digest))
            prev = digest
    engine.dispose()


@pytest.fixture
def old_store(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
    else:
        with pg_schema("jrp_legacy") as url:
            yield url


def test_an_old_hash_chain_is_verified_and_carried_into_the_tree(old_store: str, tmp_path: Path) -> None:
    url = old_store
    _legacy_store(url, 5)
    runtime = Runtime(Settings(database_url=url, data_dir=tmp_path))
    runtime.migrate()
    runtime.service.check(*_new_check())
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    result = runtime.verify_log()
    assert result.ok and result.count == 6, result.problems
    proof = runtime.tree.inclusion("old0003")
    assert proof.leaf_index == 2 and proof.entry_hash == merkle.leaf_hash(canonical(_legacy_entry(3))).hex()
    merkle.verify_inclusion(bytes.fromhex(proof.entry_hash), 2, proof.checkpoint.tree_size, proof.proof,
                            proof.checkpoint.root)
    runtime.close()


def test_a_broken_old_chain_is_refused_and_nothing_is_changed(old_store: str) -> None:
    url = old_store
    _legacy_store(url, 5, break_at=3)
    with pytest.raises(LegacyChainBroken, match="broken at seq 3: hash does not match the entry"):
        upgrade_database(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert "log_nodes" not in engine.dialect.get_table_names(connection)
    engine.dispose()


def _new_check() -> tuple[CheckRequest, Caller]:
    return CheckRequest(SubjectRef(CLEAN), "bidding", "after the tree", jurisdiction="CN"), Caller("k", "t")


def test_signatures_are_ed25519_over_the_checkpoint_note(fresh_api: Api) -> None:
    fresh_api.check()
    _settle(fresh_api)
    checkpoint = fresh_api.client.get("/v1/audit/checkpoint", headers=fresh_api.headers("auditor")).json()
    note = (f"jrp checkpoint v1\n{checkpoint['origin']}\n{checkpoint['tree_size']}\n{checkpoint['root']}\n"
            f"{checkpoint['time']}\n").encode()
    _public_key(fresh_api).verify(base64.b64decode(checkpoint["signature"]), note)  # any Ed25519 library will do
