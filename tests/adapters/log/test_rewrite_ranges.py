"""The leaves a rewrite is named by: for any log, any checkpoints signed before the rewrite and any set of
rewritten leaves, every rewritten leaf the checkpoints cover lies in a range the verification names, and a
range names no leaf below a size whose root still matches."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from jrp.adapters.log.crypto import merkle
from jrp.adapters.log.verify import _Roots, _Walk


@st.composite
def logs(draw: st.DrawFn) -> tuple[int, list[int], set[int]]:
    size = draw(st.integers(1, 40))
    sizes = sorted(draw(st.sets(st.integers(1, size), min_size=1, max_size=8)))
    rewritten = draw(st.sets(st.integers(0, size - 1), min_size=1, max_size=5))
    return size, sizes, rewritten


def _named(size: int, sizes: list[int], rewritten: set[int]) -> list[tuple[int, int]]:
    original = [merkle.leaf_hash(b"entry %d" % i) for i in range(size)]
    targets = {s: (merkle.root(original[:s]), f"checkpoint at size {s}", f"2026-01-01T00:00:{s:02d}")
               for s in sizes}
    walk = _Walk()
    roots = _Roots(targets, walk)
    frontier = merkle.Frontier.empty()
    for i in range(size):
        frontier.add(merkle.leaf_hash(b"rewritten %d" % i) if i in rewritten else original[i])
        roots.compare(frontier)
    roots.close()
    return [tuple(map(int, m.groups())) for p in walk.problems for m in [re.search(r"leaves (\d+)–(\d+)", p)]]


@given(logs())
def test_every_rewritten_leaf_a_checkpoint_covers_is_in_a_named_range(log: tuple[int, list[int], set[int]]) -> None:
    size, sizes, rewritten = log
    ranges = _named(size, sizes, rewritten)
    covered = {leaf for leaf in rewritten if leaf < max(sizes)}
    assert all(any(lo <= leaf <= hi for lo, hi in ranges) for leaf in covered), (ranges, covered)
    matched = [s for s in sizes if not any(leaf < s for leaf in rewritten)]
    assert all(lo >= max([s for s in matched if s <= hi], default=0) for lo, hi in ranges)
    assert bool(ranges) == bool(covered)


def test_three_rewritten_leaves_are_named_together() -> None:
    assert _named(33, list(range(1, 34)), {30, 31, 32}) == [(30, 32)]
