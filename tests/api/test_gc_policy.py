"""A serving process freezes what survives start-up and every full collection."""

from __future__ import annotations

import gc

from jrp.api import gc_policy


def test_survivors_of_a_full_collection_leave_the_collected_generations():
    gc_policy.install()
    try:
        frozen = gc.get_freeze_count()  # before: a collection another thread triggers meanwhile freezes them too
        survivors = [[n] for n in range(10_000)]  # tracked containers, alive across the collection
        gc.collect(2)
        assert gc.get_freeze_count() >= frozen + len(survivors)
        assert not any(o is survivors for o in gc.get_objects(generation=2))  # the next one will not walk them
    finally:
        gc.callbacks.remove(gc_policy._freeze_after_full_collection)
        gc.unfreeze()
