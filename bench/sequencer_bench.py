"""How fast the one sequencer folds pending entries into the Merkle tree: the single-writer ceiling of one log.

    .venv/bin/python bench/sequencer_bench.py [--subjects 10000] [--postgres [--postgres-schema S]] [--entries 20000]

Appends ``--entries`` entries of real checks (random subjects of ``bench/seeded.py``'s store)
in groups of ``--group`` from one thread, with no sequencer running, then times
``LogTree.integrate_all`` over them (one transaction per 1,000 entries, a signed checkpoint
at the end). Prints appends/s and group commits/s of the one appender, and entries/s the
sequencer integrates. Run it while no server uses the store (a server's sequencer would
integrate the entries first).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seeded import add_store_options, store_from  # noqa: E402

from jrp.adapters.facts.source import FactsStore  # noqa: E402
from jrp.runtime import Runtime  # noqa: E402
from jrp.service import Caller, CheckRequest, SubjectRef, log_entry  # noqa: E402
from jrp.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_store_options(parser, subjects=10_000)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--group", type=int, default=50, help="entries per append transaction")
    args = parser.parse_args()
    store = store_from(args)
    runtime = Runtime(Settings(database_url=store.url))
    ids = [i for page in FactsStore(runtime.engine).iter_subject_ids(10_000) for i in page]
    rng, caller = random.Random(1), Caller("bench", "bench")
    results = [runtime.service.evaluate(CheckRequest(SubjectRef(i), "government_procurement", "benchmark", "supplier",
                                                     "CN-JS-NT")) for i in rng.sample(ids, 100)]
    runtime.tree.integrate_all(runtime.audit_keys.signing)  # start from an integrated log
    started = time.perf_counter()
    for _ in range(args.entries // args.group):
        runtime.log.append([log_entry(replace(rng.choice(results), decision_id=uuid.uuid4().hex), caller)
                            for _ in range(args.group)])
    appended = time.perf_counter() - started
    started = time.perf_counter()
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    integrated = time.perf_counter() - started
    runtime.close()
    n = args.entries // args.group * args.group
    print(f"{store.url.split('://')[0]}: {n:,} entries appended by one thread in groups of {args.group}: "
          f"{n / appended:,.0f} appends/s ({n / args.group / appended:,.0f} group commits/s); "
          f"integrated by the sequencer in {integrated:.1f} s: {n / integrated:,.0f} entries/s")


if __name__ == "__main__":
    main()
