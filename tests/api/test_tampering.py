"""The tampering matrix: what an insider with write access to the database could do to the decision log,
each case detected by verification with a message naming what and where.

Each test writes six decisions through the API, integrates them into the tree (after the
store's events, which are leaves too: ``E`` of them) and keeps a witness checkpoint (``jrp audit checkpoint`` does the same), then tampers with the
database directly — as SQL, the way an insider would — and verifies. Cases that leave
the database self-consistent (truncation with the checkpoints deleted too, a rollback)
are caught by the witness; the others by the log alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import Connection, delete, insert, select, text, update

from jrp.adapters.facts.demo import make_uscc
from jrp.adapters.log.bundle_store import bundles_t
from jrp.adapters.log.crypto.signing import Checkpoint, SigningKey, sign_checkpoint
from jrp.adapters.log.entries import decisions_t
from jrp.adapters.log.fact_snapshots import snapshots_t
from jrp.adapters.log.tree import checkpoints_t, head_t
from jrp.adapters.log.verify import Verification
from jrp.engine.codec import canonical
from tests.api.conftest import CLEAN, EVENT_LEAVES, Api
from tests.logs import rebuild_tree

N = 6
E = EVENT_LEAVES  # the demo subjects' events: leaves 0…E-1, before the decisions


@dataclass
class Logged:
    api: Api
    ids: list[str]  # by leaf index
    witness: Checkpoint

    def settle(self) -> None:
        runtime = self.api.runtime
        runtime.tree.integrate_all(runtime.audit_keys.signing)

    def verify(self, with_witness: bool = False) -> Verification:
        return self.api.runtime.verify_log(self.witness if with_witness else None)

    def tamper(self, work: Callable[[Connection], object]) -> None:
        with self.api.runtime.engine.begin() as connection:
            work(connection)


@pytest.fixture
def logged(fresh_api: Api) -> Logged:
    for i in range(N):
        fresh_api.check(subject={"id": CLEAN} if i % 2 else {"id": "91320508MA1X000178"}, reference=f"r{i}")
    log = Logged(fresh_api, [], None)  # type: ignore[arg-type]
    log.settle()
    with fresh_api.runtime.engine.connect() as connection:
        log.ids = list(connection.execute(select(decisions_t.c.decision_id).order_by(decisions_t.c.leaf_index)).scalars())
    log.witness = fresh_api.runtime.tree.latest_checkpoint()
    assert log.witness.tree_size == E + N and log.verify(with_witness=True).ok
    return log


def _problems(result: Verification) -> str:
    assert not result.ok
    return "\n".join(result.problems)


def _edit_entry(connection: Connection, decision_id: str) -> None:
    entry = connection.execute(select(decisions_t.c.entry).where(decisions_t.c.decision_id == decision_id)).scalar()
    connection.execute(update(decisions_t).where(decisions_t.c.decision_id == decision_id)
                       .values(entry=entry.replace('"purpose":"', '"purpose":"edited ', 1)))


def test_an_edited_entry_is_named_by_leaf_and_decision(logged: Logged) -> None:
    logged.tamper(lambda c: _edit_entry(c, logged.ids[2]))
    result = logged.verify()
    assert (result.leaf_index, result.decision_id, result.count) == (E + 2, logged.ids[2], E + 2)
    assert f"leaf {E + 2}: the stored leaf hash differs from the hash recomputed from the entries" in _problems(result)


def test_an_edited_column_is_named(logged: Logged) -> None:
    logged.tamper(lambda c: c.execute(update(decisions_t).where(decisions_t.c.decision_id == logged.ids[3])
                                      .values(purpose="another purpose")))
    result = logged.verify()
    assert result.decision_id == logged.ids[3] and result.reason == "column(s) purpose differ from the entry"


def test_a_deleted_row_leaves_a_gap_named_by_leaf(logged: Logged) -> None:
    logged.tamper(lambda c: c.execute(delete(decisions_t).where(decisions_t.c.decision_id == logged.ids[1])))
    assert (f"leaves {E + 1}–{E + 1} are missing: entries deleted (the next one present is leaf {E + 2}, "
            f"decision {logged.ids[2]})") in _problems(logged.verify())


def test_reordered_rows_are_named(logged: Logged) -> None:
    def swap(connection: Connection) -> None:
        connection.execute(update(decisions_t).where(decisions_t.c.decision_id == logged.ids[1]).values(leaf_index=-1))
        connection.execute(update(decisions_t).where(decisions_t.c.decision_id == logged.ids[2]).values(leaf_index=E + 1))
        connection.execute(update(decisions_t).where(decisions_t.c.decision_id == logged.ids[1]).values(leaf_index=E + 2))

    logged.tamper(swap)
    problems = _problems(logged.verify())
    assert f"leaf {E + 1}: the stored leaf hash differs" in problems and f"leaf {E + 2}: the stored leaf hash differs" \
        in problems


def _truncate(n: int, drop_checkpoints: bool) -> Callable[[Connection], None]:
    def work(connection: Connection) -> None:
        connection.execute(delete(decisions_t).where(decisions_t.c.leaf_index >= E + N - n))
        rebuild_tree(connection)
        if drop_checkpoints:
            connection.execute(delete(checkpoints_t))
    return work


@pytest.mark.parametrize("n", [1, 3, N])
def test_truncation_after_a_checkpoint_is_caught_by_the_log_and_by_the_witness(logged: Logged, n: int) -> None:
    logged.tamper(_truncate(n, drop_checkpoints=False))
    assert f"covers {E + N} entries but the log holds only {E + N - n}: the newest {n} were deleted" in \
        _problems(logged.verify())


@pytest.mark.parametrize("n", [1, 3, N])
def test_truncation_with_the_checkpoints_deleted_too_is_caught_by_the_witness(logged: Logged, n: int) -> None:
    logged.tamper(_truncate(n, drop_checkpoints=True))
    assert logged.verify().ok  # the database alone is self-consistent: hence witnesses
    problems = _problems(logged.verify(with_witness=True))
    assert f"the witness checkpoint at size {E + N}" in problems and f"holds only {E + N - n}" in problems
    assert "older than the witness checkpoint" in problems


def test_an_edit_with_every_hash_recomputed_is_caught_by_the_signed_checkpoint(logged: Logged) -> None:
    def rewrite(connection: Connection) -> None:
        _edit_entry(connection, logged.ids[4])
        rebuild_tree(connection)

    logged.tamper(rewrite)
    assert f"another root at size {E + N} than checkpoint at size {E + N}" in _problems(logged.verify())
    logged.tamper(lambda c: c.execute(delete(checkpoints_t)))
    assert f"another root at size {E + N} than the witness checkpoint at size {E + N}" in \
        _problems(logged.verify(with_witness=True))


def test_a_forged_row_is_caught_by_its_missing_or_unsigned_receipt(logged: Logged) -> None:
    def forge(receipt: str | None) -> Callable[[Connection], None]:
        def work(connection: Connection) -> None:
            row = connection.execute(select(decisions_t).where(decisions_t.c.decision_id == logged.ids[0])).mappings().one()
            entry = {**json.loads(row["entry"]), "decision_id": f"forged{len(receipt or '')}"}
            connection.execute(insert(decisions_t).values(
                {**{c: row[c] for c in ("batch_id", "created_at", "caller_key_id", "purpose", "subject_id", "scenario",
                                        "outcome")},
                 "decision_id": entry["decision_id"], "entry": canonical(entry).decode(), "receipt": receipt}))
        return work

    logged.tamper(forge(None))
    logged.settle()  # the sequencer folds it in like any other row
    assert f"decision forged0 (leaf {E + 6}, seq 7): no receipt: a row the service did not write (forged)" in \
        _problems(logged.verify())
    genuine = _stored_receipt(logged, logged.ids[0])
    logged.tamper(forge(genuine))  # a compact receipt copied: it takes the forged row's id and entry hash
    logged.settle()
    assert f"decision forged{len(genuine)} (leaf {E + 7}, seq 8): receipt of decision forged{len(genuine)}: the " \
           "signature does not verify" in _problems(logged.verify())
    stored = logged.api.runtime.log.find(logged.ids[0]).receipt  # as rows written before kept it: in full
    copied = json.dumps({**stored, "decision_id": f"forged{len(json.dumps(stored))}"})
    logged.tamper(forge(copied))
    logged.settle()
    assert "its receipt is for another decision or entry" in _problems(logged.verify())


def _stored_receipt(logged: Logged, decision_id: str) -> str:
    with logged.api.runtime.engine.connect() as connection:
        return connection.execute(select(decisions_t.c.receipt).where(decisions_t.c.decision_id == decision_id)).scalar()


def test_an_edited_compact_receipt_is_named(logged: Logged) -> None:
    answer, key_id, size, index, path, signature = json.loads(_stored_receipt(logged, logged.ids[3]))
    other = answer[:-1] + ("1" if answer.endswith("0") else "0")  # its last digit changed, whatever it was
    for edited, found in (([other, key_id, size, index, path, signature], "the signature does not verify"),
                          ([answer, key_id, size + 1, index, path, signature], "a row the service did not write"),
                          ([answer, key_id, size, index, path, "AAAA" + signature[4:]], "the signature does not verify"),
                          ([answer, key_id, size, index, path + "AAAA", signature], "not a compact receipt"),
                          ([answer, key_id, size], "not a compact receipt")):
        logged.tamper(lambda c, e=edited: c.execute(update(decisions_t).where(decisions_t.c.decision_id == logged.ids[3])
                                                    .values(receipt=json.dumps(e))))
        result = logged.verify()
        assert (result.leaf_index, result.decision_id) == (E + 3, logged.ids[3]) and found in result.reason, \
            (edited, result.reason)


def test_a_swapped_facts_snapshot_is_named(logged: Logged) -> None:
    # subjects without events of their own: their decisions keep the facts as snapshots (the others name events)
    strangers = [logged.api.check(subject={"id": make_uscc("320600", f"NEWC000{i}")})["decision_id"] for i in (1, 2)]
    logged.settle()

    def swap(connection: Connection) -> None:
        first, second = connection.execute(select(snapshots_t.c.digest, snapshots_t.c.facts)).all()[:2]
        connection.execute(update(snapshots_t).where(snapshots_t.c.digest == first.digest).values(facts=second.facts))

    logged.tamper(swap)
    result = logged.verify()
    assert "facts were edited" in result.reason and result.decision_id in strangers


def test_a_changed_stored_bundle_is_named(logged: Logged) -> None:
    def change(connection: Connection) -> None:
        content = connection.execute(select(bundles_t.c.content)).scalar()
        connection.execute(update(bundles_t).values(content=content.replace("限制", "禁止", 1)))

    logged.tamper(change)
    result = logged.verify()
    assert result.leaf_index == E and "does not hash to its content: the stored rules were changed" in result.reason


def test_a_forged_checkpoint_signature_is_named(logged: Logged) -> None:
    logged.tamper(lambda c: c.execute(update(checkpoints_t).where(checkpoints_t.c.tree_size == E + N)
                                      .values(signature=bytes(64))))
    assert f"checkpoint at size {E + N}: the signature does not verify" in _problems(logged.verify())
    outsider = SigningKey.generate()  # a key of the insider's own, published in log_keys for good measure
    forged = sign_checkpoint(outsider, logged.witness.origin, E + N, logged.witness.root, logged.witness.time)
    logged.tamper(lambda c: c.execute(update(checkpoints_t).where(checkpoints_t.c.tree_size == E + N)
                                      .values(key_id=forged.key_id, signature=forged.signature)))
    assert f"checkpoint(s) at sizes {E + N}–{E + N} are signed with key {outsider.key_id}, not with the trusted key " \
           f"{logged.api.runtime.audit_keys.signing.key_id}: a key change" in _problems(logged.verify())


def test_a_checkpoint_signature_replayed_onto_another_tree_is_named(logged: Logged) -> None:
    logged.api.check(reference="one more")
    logged.settle()
    old_signature = logged.witness.signature

    def replay(connection: Connection) -> None:
        _edit_entry(connection, logged.ids[0])
        rebuild_tree(connection)
        root = connection.execute(select(head_t.c.root)).scalar()
        connection.execute(update(checkpoints_t).where(checkpoints_t.c.tree_size == E + N + 1)
                           .values(root=root, signature=old_signature))
        connection.execute(delete(checkpoints_t).where(checkpoints_t.c.tree_size == E + N))

    logged.tamper(replay)
    assert f"checkpoint at size {E + N + 1}: the signature does not verify" in _problems(logged.verify())


def test_an_old_checkpoint_served_is_caught_by_the_witness(logged: Logged) -> None:
    logged.api.check(reference="after the witness")
    logged.settle()
    newer = logged.api.runtime.tree.latest_checkpoint()
    rolled_back = Logged(logged.api, logged.ids, newer)  # the auditor kept the newer one
    logged.tamper(_truncate_to_checkpoint(E + N))
    problems = _problems(rolled_back.verify(with_witness=True))
    assert f"newest signed checkpoint ({E + N}) is older than the witness checkpoint of size {E + N + 1}" in problems


def _truncate_to_checkpoint(size: int) -> Callable[[Connection], None]:
    def work(connection: Connection) -> None:
        connection.execute(delete(decisions_t).where(decisions_t.c.leaf_index >= size))
        rebuild_tree(connection)
        connection.execute(delete(checkpoints_t).where(checkpoints_t.c.tree_size > size))
    return work


def test_an_edited_tree_node_is_named(logged: Logged) -> None:
    logged.tamper(lambda c: c.execute(text("UPDATE log_nodes SET hash = :h WHERE level = 1 AND idx = 0"),
                                      {"h": bytes(32)}))
    assert "tree node (level 1, leaves 0–1) differs from the hash recomputed from the entries: the stored tree was " \
           "edited" in _problems(logged.verify())
