"""A serving process freezes what survives start-up and every full collection."""

from __future__ import annotations

import gc

from jrp.api import gc_policy


def test_survivors_of_a_full_collection_leave_the_collected_generations():
    gc_policy.install()
    try:
        survivors = [[n] for n in range(10_000)]  # tracked containers, alive across the collection
        gc.collect(2)
        # frozen: in no generation a collection walks (not counted with gc.get_freeze_count(), which other
        # threads lower meanwhile by freeing frozen objects)
        alive = {id(o) for o in survivors} | {id(survivors)}
        assert all(gc.is_tracked(o) for o in survivors)
        assert not any(id(o) in alive for o in gc.get_objects())
    finally:
        gc.callbacks.remove(gc_policy._freeze_after_full_collection)
        gc.unfreeze()
