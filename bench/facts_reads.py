"""Reading subject facts in-process: the per-subject read, a bid list's read, cold checks and one batch.

    .venv/bin/python bench/facts_reads.py [--subjects 20000] [--records 10] [--dir /tmp/jrp-bench] [--postgres]
                                          [--reads 5000] [--checks 5000]

On the seeded store (``bench/seeded.py``), subjects drawn at random (``--seed``):
- ``FactsStore.load`` of ``--reads`` distinct subjects one after the other (µs per subject: what a check of a
  subject first seen pays to read its facts);
- ``FactsStore.load_many`` of 10,000 distinct subjects (a bid list's read);
- ``--checks`` first checks of distinct subjects through ``Service.check`` (cold: no cached evaluation), then one
  ``Service.batch`` of 10,000 distinct subjects (``bench/http_bench.py``'s in-process figures).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_bench import add_seed_option, in_process, seed_of, subject_ids  # noqa: E402
from seeded import add_store_options, store_from  # noqa: E402

from jrp.adapters.facts.source import FactsStore  # noqa: E402
from jrp.adapters.store.database import make_engine  # noqa: E402


def reads(url: str, ids: list[str], n: int, seed: int) -> None:
    engine = make_engine(url)
    store = FactsStore(engine)
    picks = random.Random(seed).sample(ids, n + 10_000)
    one, many = picks[:n], picks[n:]
    store.load(one[0])  # pool filled
    started = time.perf_counter()
    for subject_id in one:
        store.load(subject_id)
    elapsed = time.perf_counter() - started
    print(f"FactsStore.load, {n:,} distinct subjects: {elapsed / n * 1e6:6.0f} µs per subject")
    started = time.perf_counter()
    loaded = store.load_many(many)
    print(f"FactsStore.load_many, 10,000 distinct subjects: {time.perf_counter() - started:.3f} s "
          f"({len(loaded):,} found, {sum(len(f.records) for f in loaded.values()):,} records)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_store_options(parser, subjects=20_000)
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--checks", type=int, default=5000)
    add_seed_option(parser)
    args = parser.parse_args()
    seed = seed_of(args)
    store = store_from(args)
    ids = subject_ids(store.url)
    print(f"store: {len(ids):,} subjects, {store.url.split('://')[0]}; --seed {seed}; load {os.getloadavg()}")
    reads(store.url, ids, args.reads, seed)
    in_process(store.url, ids, min(args.checks, len(ids)), True, seed)
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
