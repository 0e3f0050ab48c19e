"""Whom the log's verification trusts, and what it says when trust breaks: a pinned key is the only key
trusted (a log rewritten and re-signed with a new key file is a key change, named), a checkpoint of
another deployment is named as one (each deployment signs under its own origin), and a rewrite is named
by the leaves it may have touched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from jrp.adapters.log.crypto import merkle
from jrp.adapters.log.crypto.signing import (Checkpoint, SigningKey, compact_receipt, full_receipt, public_pem,
                                             sign_checkpoint, sign_receipts)
from jrp.adapters.log.entries import columns_of, decisions_t
from jrp.adapters.log.event_leaves import events_t
from jrp.adapters.log.log_origin import OriginMismatch, origin_t, resolve
from jrp.adapters.log.tree import checkpoints_t, head_t, nodes_t
from jrp.cli.main import app as cli
from tests.api.conftest import CLEAN, EVENT_LEAVES, Api, _url, running_api

N = 6
E = EVENT_LEAVES  # the demo's events: leaves 0…E-1, before the decisions


def _cli(api: Api, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.setenv("DATABASE_URL", api.runtime.settings.resolved_database_url())
    monkeypatch.setenv("JRP_DATA_DIR", str(api.runtime.settings.data_dir))
    return CliRunner().invoke(cli, list(args))


def _logged(api: Api, n: int = N, *, checkpoint_each: bool = False) -> None:
    runtime = api.runtime
    for i in range(n):
        api.check(subject={"id": CLEAN} if i % 2 else {"id": "91320508MA1X000178"}, reference=f"r{i}")
        if checkpoint_each:
            runtime.tree.integrate_all(runtime.audit_keys.signing)
    runtime.tree.integrate_all(runtime.audit_keys.signing)


def _rewrite(api: Api, leaves: range, key: SigningKey | None = None) -> None:
    """An insider's rewrite: the outcome of the decisions at ``leaves`` edited, every leaf (events' and
    decisions'), node and the head recomputed; with ``key``, every receipt and the checkpoints re-signed with it
    (a new key file put in place of the old)."""
    with api.runtime.engine.begin() as connection:
        rows = sorted([*((decisions_t, row) for row in connection.execute(select(
                          decisions_t.c.seq, decisions_t.c.leaf_index, decisions_t.c.entry, decisions_t.c.receipt))),
                       *((events_t, row) for row in connection.execute(select(
                          events_t.c.seq, events_t.c.leaf_index, events_t.c.entry, events_t.c.receipt)))],
                      key=lambda pair: pair[1].leaf_index)
        frontier, nodes = merkle.Frontier.empty(), []
        for table, row in rows:
            entry = row.entry
            if table is decisions_t and row.leaf_index in leaves:
                entry = entry.replace('"outcome":"deny"', '"outcome":"allow"').replace('"purpose":"', '"purpose":"x', 1)
                columns = {name: value for name, value in columns_of(json.loads(entry)).items() if name != "created_at"}
                connection.execute(update(decisions_t).where(decisions_t.c.seq == row.seq)
                                   .values(entry=entry, **columns))
            leaf = merkle.leaf_hash(entry.encode())
            nodes += frontier.add(leaf)
            if key is not None:
                parsed = json.loads(entry)
                decision = table is decisions_t
                old = full_receipt(row.receipt, parsed["decision_id" if decision else "event_id"], leaf.hex(),
                                   parsed["created_at" if decision else "received_at"])
                [receipt] = sign_receipts(key, [(old["decision_id"], leaf.hex(), old["time"], old.get("answer"))])
                stored = compact_receipt(receipt) if decision else json.dumps(receipt)
                connection.execute(update(table).where(table.c.seq == row.seq).values(receipt=stored))
        connection.execute(delete(nodes_t))
        connection.execute(insert(nodes_t), [{"level": lv, "idx": i, "hash": h} for (lv, i), h in nodes])
        connection.execute(update(head_t).values(tree_size=frontier.size, root=frontier.root()))
        if key is not None:
            connection.execute(delete(checkpoints_t))
            forged = sign_checkpoint(key, api.runtime.tree.origin, frontier.size, frontier.root(), "2026-01-01T00:00:00+00:00")
            connection.execute(insert(checkpoints_t).values(tree_size=forged.tree_size, root=forged.root,
                                                            time=forged.time, key_id=key.key_id,
                                                            signature=forged.signature))


def test_a_log_re_signed_with_a_new_key_fails_against_the_pinned_key_naming_the_key_change(
        fresh_api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _logged(fresh_api)
    original = fresh_api.runtime.audit_keys.signing
    pinned = tmp_path / "original.pub"
    pinned.write_text(public_pem(original.public), encoding="utf-8")
    witness = tmp_path / "witness"
    assert _cli(fresh_api, monkeypatch, "audit", "checkpoint", "--out", str(witness)).exit_code == 0

    insider = SigningKey.generate()
    _rewrite(fresh_api, range(E, E + N), insider)
    key_file = fresh_api.runtime.settings.signing_key_path()
    key_file.unlink()
    key_file.with_name(key_file.name + ".pub").unlink()
    insider.save(key_file)  # the service now signs with the insider's key: trusting its own key file passes
    own = _cli(fresh_api, monkeypatch, "audit", "verify")
    assert own.exit_code == 0, own.output

    change = f"a key change (old {original.key_id} → new {insider.key_id})"
    for args in (["--public-key", str(pinned)], ["--against", str(witness)]):
        result = _cli(fresh_api, monkeypatch, "audit", "verify", *args)
        output = " ".join(result.output.split())
        assert result.exit_code == 1 and change in output, output
        assert output.index(change) < output.index("broken:")
    found = fresh_api.runtime.verify_log(keys={original.key_id: original.public})
    assert not found.ok and change in found.reason
    assert f"checkpoint(s) at sizes {E + N}–{E + N} are signed with key {insider.key_id}" in found.reason


def test_a_garbage_public_key_file_is_one_line(fresh_api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    garbage = tmp_path / "key.pub"
    garbage.write_bytes(b"\x00\xff\xfe not a key")
    result = _cli(fresh_api, monkeypatch, "audit", "verify", "--public-key", str(garbage))
    assert result.exit_code != 0 and "not an Ed25519 public key" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("with_stored_checkpoints", [True, False])
def test_a_rewrite_is_named_by_the_leaves_it_touched(fresh_api: Api, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     with_stored_checkpoints: bool) -> None:
    _logged(fresh_api, checkpoint_each=True)  # a checkpoint at every size 1…N
    witness = tmp_path / "witness"
    assert _cli(fresh_api, monkeypatch, "audit", "checkpoint", "--out", str(witness)).exit_code == 0
    _rewrite(fresh_api, range(E + N - 3, E + N))
    if not with_stored_checkpoints:  # the insider hides the rewrite: the service signs the rewritten tree anew
        with fresh_api.runtime.engine.begin() as connection:
            connection.execute(delete(checkpoints_t).where(checkpoints_t.c.tree_size > E + N - 3))
        fresh_api.runtime.tree.integrate(fresh_api.runtime.audit_keys.signing, force_checkpoint=True)
    result = _cli(fresh_api, monkeypatch, "audit", "verify", "--against", str(witness))
    output = " ".join(result.output.split())
    assert result.exit_code == 1 and f"among leaves {E + N - 3}–{E + N - 1} were rewritten" in output, output
    assert f"leaves {E + N - 1}–{E + N - 1}" not in output and f"leaves {E + N - 3}–{E + N - 3}" not in output


def test_each_deployment_signs_under_its_own_origin_and_another_ones_checkpoint_is_named(
        fresh_api: Api, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other_folder = tmp_path / "other"
    other_folder.mkdir()
    for url in _url(backend, other_folder):
        with running_api(url, other_folder) as other:
            _logged(other)
            _logged(fresh_api)
            witness = tmp_path / "witness-of-other"
            assert _cli(other, monkeypatch, "audit", "checkpoint", "--out", str(witness)).exit_code == 0
            mine, theirs = fresh_api.runtime.tree.origin, other.runtime.tree.origin
            assert mine != theirs and fresh_api.runtime.tree.latest_checkpoint().origin == mine
            result = _cli(fresh_api, monkeypatch, "audit", "verify", "--against", str(witness))
            output = " ".join(result.output.split())
            assert result.exit_code == 1 and f"another log (origin {theirs!r})" in output, output
            assert "rewritten" not in output
            found = fresh_api.runtime.verify_log(Checkpoint.from_json(
                json.loads(next(witness.glob("checkpoint-*.json")).read_text())))
            assert not found.ok and f"another log (origin {theirs!r})" in found.reason


def test_the_origin_is_set_once_per_store(fresh_api: Api) -> None:
    _logged(fresh_api, 1)
    engine = fresh_api.runtime.engine
    origin = fresh_api.runtime.tree.origin
    assert resolve(engine, None) == origin and resolve(engine, origin) == origin
    with pytest.raises(OriginMismatch, match="this store's log is"):
        resolve(engine, "somebody else's log")
    with engine.begin() as connection:  # a store whose checkpoints were signed before origins were kept
        connection.execute(delete(origin_t))
    assert resolve(engine, None) == "jrp decision log"
    with engine.connect() as connection:
        assert connection.execute(select(origin_t.c.origin)).scalar() == "jrp decision log"
