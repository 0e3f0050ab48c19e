"""The hash chain of decision logs written before the Merkle tree: ``hash = SHA-256(prev_hash ‖ entry)``.

Migration ``0008_audit`` walks it once, refuses a broken chain, and carries its entries into
the tree in chain order; ``jrp.adapters.log.verify`` re-checks the links of those rows, so
an auditor who kept an old head hash can still compare it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from jrp.adapters.log.crypto.merkle import leaf_hash

GENESIS = "0" * 64


class LegacyChainBroken(Exception):
    """The old hash chain does not hold; the message names the row and why."""


def chain_hash(prev_hash: str, entry: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + entry).hexdigest()


def broken_link(seq: int, expected_seq: int, prev_hash: str, expected_prev: str, digest: str, entry: str) -> str:
    """Why a row does not follow the one before in the chain, or ""."""
    if seq != expected_seq:
        return f"seq {seq} follows seq {expected_seq - 1}: {seq - expected_seq} row(s) missing"
    if prev_hash != expected_prev:
        return "prev_hash does not match the hash of the row before"
    if chain_hash(prev_hash, entry.encode()) != digest:
        return "hash does not match the entry: the entry was edited"
    return ""


def walk_chain(page_after: Callable[[int], Sequence[Any]]) -> Iterator[tuple[int, bytes]]:
    """``(seq, leaf hash)`` of every chained row in order; ``page_after(seq)`` gives rows ``(seq, prev_hash, hash,
    entry)`` after ``seq``. Raises ``LegacyChainBroken`` at the first row that does not follow."""
    after, head = 0, GENESIS
    while True:
        page = page_after(after)
        if not page:
            return
        for seq, prev_hash, digest, entry in page:
            reason = broken_link(seq, after + 1, prev_hash, head, digest, entry)
            if reason:
                raise LegacyChainBroken(f"the decision log's hash chain is broken at seq {seq}: {reason}; "
                                        "it is not carried into the Merkle tree — restore the log from a backup")
            yield seq, leaf_hash(entry.encode())
            after, head = seq, digest
