"""Receipts signed together verify one by one for any group size, and not once anything in them changes; their
compact stored form gives them back exactly."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import orjson

from jrp.adapters.log.crypto.signing import (SignatureError, SigningKey, compact_receipt, full_receipt, sign_checkpoint,
                                             sign_receipts, verify_receipt)

KEY, OTHER = SigningKey.generate(), SigningKey.generate()


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 600), data=st.data())
def test_every_receipt_of_a_group_verifies_alone_and_none_once_altered(size: int, data) -> None:
    receipts = sign_receipts(KEY, [(f"d{i}", f"{i:064x}", "2026-01-01T00:00:00+00:00") for i in range(size)])
    assert [r["decision_id"] for r in receipts] == [f"d{i}" for i in range(size)]
    receipt = receipts[data.draw(st.integers(0, size - 1))]
    verify_receipt(receipt, KEY.public)
    field = data.draw(st.sampled_from(["decision_id", "entry_hash", "time"]))
    with pytest.raises(SignatureError):
        verify_receipt({**receipt, field: receipt[field] + "0"}, KEY.public)
    if receipt["group"]["size"] > 1:
        index = (receipt["group"]["index"] + 1) % receipt["group"]["size"]
        with pytest.raises(SignatureError):
            verify_receipt({**receipt, "group": {**receipt["group"], "index": index}}, KEY.public)
    with pytest.raises(SignatureError):
        verify_receipt(receipt, OTHER.public)


def test_a_checkpoint_verifies_with_its_key_only_and_as_signed() -> None:
    checkpoint = sign_checkpoint(KEY, "test log", 7, bytes(32), "2026-01-01T00:00:00+00:00")
    checkpoint.verify(KEY.public)
    with pytest.raises(SignatureError, match="names key"):
        checkpoint.verify(OTHER.public)
    with pytest.raises(SignatureError, match="does not verify"):
        replace(checkpoint, tree_size=8).verify(KEY.public)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 600), answered=st.booleans(), data=st.data())
def test_a_compact_receipt_with_its_row_gives_back_the_receipt_as_signed(size: int, answered: bool, data) -> None:
    time = "2026-01-01T00:00:00.123456+08:00"
    items = [(f"d{i}", f"{i:064x}", time, f"{i + 1:064x}" if answered else None) for i in range(size)]
    receipt = data.draw(st.sampled_from(sign_receipts(KEY, items)))
    stored = compact_receipt(receipt)
    assert full_receipt(stored, receipt["decision_id"], receipt["entry_hash"], time) == receipt
    verify_receipt(full_receipt(stored, receipt["decision_id"], receipt["entry_hash"], time), KEY.public)
    # an edited entry (another entry hash) or time no longer verifies
    for entry_hash, at in ((f"{size + 7:064x}", time), (receipt["entry_hash"], "2026-01-02T00:00:00+08:00")):
        with pytest.raises(SignatureError, match="does not verify"):
            verify_receipt(full_receipt(stored, receipt["decision_id"], entry_hash, at), KEY.public)


def test_an_edited_compact_receipt_does_not_verify_and_a_malformed_one_is_named() -> None:
    time = "2026-01-01T00:00:00+00:00"
    receipt = sign_receipts(KEY, [(f"d{i}", f"{i:064x}", time, f"{i:064x}") for i in range(3)])[1]
    answer, key_id, size, index, path, signature = orjson.loads(compact_receipt(receipt))
    for edited in ([f"{9:064x}", key_id, size, index, path, signature], [answer, key_id, size, 0, path, signature],
                   [answer, key_id, size, index, path[:-4] + "AAA=", signature]):
        with pytest.raises(SignatureError):
            verify_receipt(full_receipt(orjson.dumps(edited).decode(), "d1", f"{1:064x}", time), KEY.public)
    for malformed in ("[1, 2]", "not json", '["a", "k", 1, 0, "not base64!", "s"]', '["a", "k", 1, 0, "AAAA", "s"]'):
        with pytest.raises(SignatureError, match="stored receipt of d1"):
            full_receipt(malformed, "d1", f"{1:064x}", time)


def test_a_receipt_stored_in_full_before_is_read_as_stored() -> None:
    receipt = sign_receipts(KEY, [("d1", f"{1:064x}", "2026-01-01T00:00:00+00:00")])[0]
    assert full_receipt(orjson.dumps(receipt).decode(), "d1", f"{1:064x}", "2026-01-01T00:00:00+00:00") == receipt
