"""The decision log's Merkle tree, hashed as RFC 9162 (Certificate Transparency 2.0) prescribes.

``leaf = SHA-256(0x00 ‖ entry)`` and ``node = SHA-256(0x01 ‖ left ‖ right)``; the tree of
``n`` leaves splits at the largest power of two below ``n`` (RFC 9162 §2.1.1). Pure: no
I/O. A store keeps the hashes of *perfect* subtrees — ``2^level`` leaves starting at a
multiple of ``2^level`` — and any other range the proofs need is composed of those
(``perfect_parts`` / ``compose``), so a proof reads at most ~2·log₂ n stored hashes.

Proof generation and verification follow RFC 9162 §2.1.3 (inclusion) and §2.1.4
(consistency) literally; ``tests/adapters/log/crypto/test_merkle.py`` checks them against the
definition on random trees.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

Hash = bytes
Range = tuple[int, int]  # leaves [start, end)
Node = tuple[int, int]  # (level, index): the perfect subtree of leaves [index·2^level, (index+1)·2^level)


def leaf_hash(entry: bytes) -> Hash:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: Hash, right: Hash) -> Hash:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the empty tree (RFC 9162: the hash of the empty string)."""


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[Hash]) -> Hash:
    """MTH of a list of leaf hashes, by the definition (for tests and small trees)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root(leaves[:k]), root(leaves[k:]))


# --- ranges a proof needs, and how a store's perfect subtrees compose them -----------------

def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes make up the inclusion proof of leaf ``index`` in a tree of ``size`` (leaf first)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    out: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    return out[::-1]


def consistency_ranges(old: int, new: int) -> list[Range]:
    """The subtrees whose hashes make up the consistency proof from size ``old`` to ``new`` (RFC 9162 SUBPROOF)."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from size {old} to {new}")
    if old == new:
        return []
    out: list[Range] = []
    lo, hi, m, complete = 0, new, old, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                out.append((lo, hi))
            break
        k = _split(n)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    return out[::-1]


def perfect_parts(start: int, end: int) -> list[Node]:
    """The stored perfect subtrees that ``[start, end)`` is made of, as the tree splits it."""
    parts: list[Node] = []
    stack = [(start, end)]
    while stack:
        lo, hi = stack.pop()
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:
            level = n.bit_length() - 1
            parts.append((level, lo >> level))
        else:
            k = _split(n)
            stack += [(lo + k, hi), (lo, lo + k)]
    return parts


def compose(start: int, end: int, nodes: Mapping[Node, Hash]) -> Hash:
    """MTH of leaves ``[start, end)`` from the perfect subtrees ``perfect_parts`` names."""
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        level = n.bit_length() - 1
        return nodes[(level, start >> level)]
    k = _split(n)
    return node_hash(compose(start, start + k, nodes), compose(start + k, end, nodes))


def nodes_for(ranges: Iterable[Range]) -> set[Node]:
    return {part for lo, hi in ranges for part in perfect_parts(lo, hi)}


def completed_by(index: int) -> list[Node]:
    """The perfect subtrees that leaf ``index`` completes, bottom up (the leaf itself first)."""
    out = [(0, index)]
    level, i = 0, index
    while i % 2 == 1:
        level, i = level + 1, i // 2
        out.append((level, i))
    return out


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------------

class ProofError(ValueError):
    """A proof does not verify; the message says which step failed."""


def root_from_inclusion(leaf: Hash, index: int, size: int, proof: Sequence[Hash]) -> Hash:
    """The root that ``proof`` leads to from ``leaf`` at ``index`` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree allows")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree needs")
    return r


def verify_inclusion(leaf: Hash, index: int, size: int, proof: Sequence[Hash], expected_root: Hash) -> None:
    if root_from_inclusion(leaf, index, size, proof) != expected_root:
        raise ProofError(f"leaf {index} is not in the tree of size {size} with that root")


def verify_consistency(old: int, new: int, old_root: Hash, new_root: Hash, proof: Sequence[Hash]) -> None:
    """Raise ``ProofError`` unless the tree of size ``new`` extends the tree of size ``old`` (RFC 9162 §2.1.4.2)."""
    if not 0 < old <= new:
        raise ProofError(f"no consistency between sizes {old} and {new}")
    if old == new:
        if proof:
            raise ProofError("a consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same size {old}")
        return
    path = list(proof)
    if old & (old - 1) == 0:  # a power of two: the old root is the first node of the path
        path.insert(0, old_root)
    if not path:
        raise ProofError("the consistency proof is empty")
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the trees allow")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the trees need")
    if fr != old_root:
        raise ProofError(f"the proof does not lead to the root of size {old}: the older tree was rewritten")
    if sr != new_root:
        raise ProofError(f"the proof does not lead to the root of size {new}: the newer tree does not extend the older")


@dataclass
class Frontier:
    """The right edge of a growing tree: the perfect subtrees covering ``[0, size)``, for appending leaves.

    ``add`` returns every perfect subtree a leaf completes, so a store can keep them;
    ``root`` composes the current root from the edge alone.
    """

    size: int
    edge: dict[Node, Hash]

    @classmethod
    def empty(cls) -> Frontier:
        return cls(0, {})

    @staticmethod
    def nodes_of(size: int) -> list[Node]:
        """The perfect subtrees on the right edge of a tree of ``size`` (what ``Frontier`` keeps)."""
        return perfect_parts(0, size) if size else []

    def add(self, leaf: Hash) -> list[tuple[Node, Hash]]:
        made = [((0, self.size), leaf)]
        self.edge[(0, self.size)] = leaf
        for level, index in completed_by(self.size)[1:]:
            left, right = (level - 1, 2 * index), (level - 1, 2 * index + 1)
            value = node_hash(self.edge.pop(left), self.edge.pop(right))
            self.edge[(level, index)] = value
            made.append(((level, index), value))
        self.size += 1
        return made

    def root(self) -> Hash:
        return compose(0, self.size, self.edge) if self.size else EMPTY_ROOT


def proof_from(ranges: Sequence[Range], nodes: Mapping[Node, Hash]) -> list[Hash]:
    return [compose(lo, hi, nodes) for lo, hi in ranges]


def fetch_proof(ranges: Sequence[Range], fetch: Callable[[set[Node]], Mapping[Node, Hash]]) -> list[Hash]:
    """A proof's hashes from a store: ``fetch`` returns the stored perfect subtrees asked for."""
    return proof_from(ranges, fetch(nodes_for(ranges)))
