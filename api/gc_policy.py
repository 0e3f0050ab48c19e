"""Garbage-collector policy of a serving process: long-lived objects are frozen out of full collections.

A full (generation 2) collection walks every tracked object. A server holds the ruleset
library, the compiled bundles and up to ``result_cache_size`` cached evaluations (some
50 objects each): a full collection then paused a worker for 265 ms after 6,000 checks,
and would pause it for seconds with a full cache — every request on that worker waiting
(the p99 of ``bench/http_bench.py``). So whatever has survived start-up, and whatever
survives each full collection, is moved to the permanent generation (``gc.freeze``),
and the next full collection walks only what was allocated since.

What is frozen is still freed by reference counting when dropped (an evicted cache
entry holds no reference cycle); only cyclic garbage that was alive at a freeze would
outlive it.
"""

from __future__ import annotations

import gc
from typing import Any


def _freeze_after_full_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info["generation"] == 2:
        gc.freeze()


def install() -> None:
    """Freeze what start-up built, and the survivors of every full collection from now on."""
    gc.collect()
    gc.freeze()
    if _freeze_after_full_collection not in gc.callbacks:
        gc.callbacks.append(_freeze_after_full_collection)
