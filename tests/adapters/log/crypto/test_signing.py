"""Receipts signed together verify one by one for any group size, and not once anything in them changes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jrp.adapters.log.crypto.signing import SignatureError, SigningKey, sign_checkpoint, sign_receipts, verify_receipt

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
