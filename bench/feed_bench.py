"""Warm silent checks in-process, with the change feed (versions and keys in memory) and without it.

    .venv/bin/python bench/feed_bench.py [--subjects 2000] [--records 10] [--postgres] [--checks 20000]

For each setting (``feed_interval`` 0: every check reads its facts version and its API key
from the store, as before issue 15; 0.2: both come from memory) it prints, on subjects
already checked once (evaluations cached):

- the reads a request makes before its evaluation: key authentication + facts version +
  cached evaluation (``KeyStore.authenticate`` + ``CheckService.evaluate``);
- whole checks, decision-log append included (``CheckService.check``; the append is one
  write per check here, the server groups the appends of a tick);
- a batch of every subject, checked again (``CheckService.batch``: with the feed, the facts of
  subjects whose versions are held are not read).

The store is ``bench/seeded.py``'s, in its own folder or schema. Figures depend on what
else the machine is doing: run it on an idle machine, and more than once.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seeded import add_store_options, store_from  # noqa: E402

from jrp.access import Role  # noqa: E402
from jrp.adapters.facts.source import FactsStore  # noqa: E402
from jrp.runtime import Runtime  # noqa: E402
from jrp.service import Caller, CheckRequest, SubjectRef  # noqa: E402
from jrp.settings import Settings  # noqa: E402

CHECK = ("government_procurement", "benchmark", "supplier", "CN-JS-NT")


def rate(label: str, n: int, work) -> None:
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    print(f"  {label:66s} {n / elapsed:8.0f} /s  ({elapsed / n * 1e6:6.1f} µs each)")


def measure(url: str, ids: list[str], n: int, feed_interval: float) -> None:
    runtime = Runtime(Settings(database_url=url, feed_interval=feed_interval))
    service, keys, caller = runtime.service, runtime.keys, Caller("bench", "bench")
    plaintext = keys.create_key("feed bench", Role.checker).plaintext
    picks = [random.Random(7).choice(ids) for _ in range(n)]
    requests = [CheckRequest(SubjectRef(i), *CHECK) for i in dict.fromkeys(picks)]
    for request in requests:  # every evaluation cached, every version read once
        service.evaluate(request)
    keys.authenticate(plaintext)
    warm = [CheckRequest(SubjectRef(i), *CHECK) for i in picks]
    print(f"feed_interval={feed_interval} ({'versions and keys in memory' if feed_interval else 'no feed'}):")

    def reads() -> None:
        for request in warm:
            keys.authenticate(plaintext)
            service.evaluate(request)

    def checks() -> None:
        for request in warm:
            keys.authenticate(plaintext)
            service.check(request, caller)

    rate("key + facts version + cached evaluation", n, reads)
    rate("whole check (decision-log append included)", n, checks)
    batch = [CheckRequest(SubjectRef(i), *CHECK) for i in ids]
    service.batch(batch, caller)
    rate(f"warm batch of all {len(ids):,} subjects (append included), per subject", len(ids),
         lambda: service.batch(batch, caller))
    runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_store_options(parser, subjects=2000, directory=Path("/tmp/jrp-bench-feed"))
    parser.add_argument("--checks", type=int, default=20_000)
    args = parser.parse_args()
    store = store_from(args, schema=f"jrp_bench_feed_{args.subjects}x{args.records}")
    runtime = Runtime(Settings(database_url=store.url))
    ids = [i for page in FactsStore(runtime.engine).iter_subject_ids(10_000) for i in page]
    runtime.close()
    print(f"store: {len(ids):,} subjects, {store.url.split('://')[0]}; {args.checks:,} warm checks of random subjects")
    for feed_interval in (0.0, 0.2):
        measure(store.url, ids, args.checks, feed_interval)


if __name__ == "__main__":
    main()
