"""Inclusion and consistency proofs verify for random trees and sizes, and fail for any altered leaf, size or node."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jrp.adapters.log.crypto import merkle
from jrp.adapters.log.crypto.merkle import Frontier, ProofError


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


def _stored(leaves: list[bytes]) -> dict:
    """Every perfect subtree of the tree, as a store keeps them (built leaf by leaf)."""
    frontier, nodes = Frontier.empty(), {}
    for leaf in leaves:
        nodes.update(frontier.add(leaf))
    return nodes


def _inclusion(leaves: list[bytes], index: int, size: int) -> list[bytes]:
    return merkle.proof_from(merkle.inclusion_ranges(index, size), _stored(leaves[:size]))


def _consistency(leaves: list[bytes], old: int, new: int) -> list[bytes]:
    return merkle.proof_from(merkle.consistency_ranges(old, new), _stored(leaves[:new]))


def test_hashes_are_rfc_9162s() -> None:
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    a, b, c = _leaves(3)
    assert merkle.root([a, b, c]) == merkle.node_hash(merkle.node_hash(a, b), c)


trees = st.integers(1, 300).flatmap(lambda size: st.tuples(st.just(size), st.integers(0, size - 1)))


@settings(max_examples=200, deadline=None)
@given(tree=trees, grown=st.integers(0, 100))
def test_the_frontier_root_is_the_trees_root_and_inclusion_proofs_verify(tree, grown) -> None:
    size, index = tree
    leaves = _leaves(size + grown)
    frontier = Frontier.empty()
    for leaf in leaves[:size]:
        frontier.add(leaf)
    assert frontier.root() == merkle.root(leaves[:size])
    assert set(frontier.edge) == set(Frontier.nodes_of(size))
    merkle.verify_inclusion(leaves[index], index, size, _inclusion(leaves, index, size), merkle.root(leaves[:size]))
    bigger = size + grown  # the same leaf in any later tree
    merkle.verify_inclusion(leaves[index], index, bigger, _inclusion(leaves, index, bigger), merkle.root(leaves))


@settings(max_examples=200, deadline=None)
@given(tree=trees, data=st.data())
def test_inclusion_fails_for_another_leaf_index_size_or_altered_node(tree, data) -> None:
    size, index = tree
    leaves = _leaves(size)
    proof, top = _inclusion(leaves, index, size), merkle.root(leaves)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(merkle.leaf_hash(b"forged"), index, size, proof, top)
    if size > 1:
        other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index))
        with pytest.raises(ProofError):
            merkle.verify_inclusion(leaves[index], other, size, proof, top)
        wrong_size = data.draw(st.integers(1, 2 * size).filter(lambda s: s != size and s > index))
        with pytest.raises(ProofError):  # the signed pair of another size: its size and its root
            merkle.verify_inclusion(leaves[index], index, wrong_size, proof, merkle.root(_leaves(wrong_size)))
        at = data.draw(st.integers(0, len(proof) - 1))
        altered = proof[:at] + [bytes([proof[at][0] ^ 1]) + proof[at][1:]] + proof[at + 1:]
        with pytest.raises(ProofError):
            merkle.verify_inclusion(leaves[index], index, size, altered, top)


sizes = st.integers(1, 300).flatmap(lambda new: st.tuples(st.integers(1, new), st.just(new)))


@settings(max_examples=200, deadline=None)
@given(sizes=sizes)
def test_consistency_proofs_verify(sizes) -> None:
    old, new = sizes
    leaves = _leaves(new)
    merkle.verify_consistency(old, new, merkle.root(leaves[:old]), merkle.root(leaves),
                              _consistency(leaves, old, new))


@settings(max_examples=200, deadline=None)
@given(sizes=sizes, data=st.data())
def test_consistency_fails_for_a_rewritten_leaf_a_wrong_size_or_an_altered_node(sizes, data) -> None:
    old, new = sizes
    leaves = _leaves(new)
    proof = _consistency(leaves, old, new)
    rewritten = list(leaves)
    rewritten[data.draw(st.integers(0, old - 1))] = merkle.leaf_hash(b"rewritten")
    with pytest.raises(ProofError):  # the new tree rewrote a leaf the old one had
        merkle.verify_consistency(old, new, merkle.root(leaves[:old]), merkle.root(rewritten),
                                  _consistency(rewritten, old, new))
    if new > 1:
        other_old = data.draw(st.integers(1, new).filter(lambda m: m != old))
        with pytest.raises(ProofError):
            merkle.verify_consistency(other_old, new, merkle.root(leaves[:old]), merkle.root(leaves), proof)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        altered = proof[:at] + [bytes([proof[at][0] ^ 1]) + proof[at][1:]] + proof[at + 1:]
        with pytest.raises(ProofError):
            merkle.verify_consistency(old, new, merkle.root(leaves[:old]), merkle.root(leaves), altered)
