"""Decision-log appends per second: processes × concurrent appenders, as the served check route appends.

    .venv/bin/python bench/log_bench.py [--subjects 10000] [--dir /tmp/jrp-bench] [--postgres [--postgres-schema S]]
        [--processes 2] [--concurrency 32] [--seconds 10]

Each process (a server worker) runs an event loop with ``--concurrency`` coroutines that
append one entry each (the entry of a real check of a random subject of the seeded store,
``jrp.service.log_entry``) through ``service.log.append_async`` and wait until it is
acknowledged, as ``POST /v1/checks`` does; each process also runs the log's sequencer,
as a served worker does (where the code has one). Prints appends/s over all processes and
the p50/p99 wait of one append. The store is ``bench/seeded.py``'s.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
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


def _worker(url: str, seed: int, concurrency: int, seconds: float, out: multiprocessing.Queue) -> None:
    runtime = Runtime(Settings(database_url=url))
    ids = [i for page in FactsStore(runtime.engine).iter_subject_ids(10_000) for i in page]
    caller = Caller("bench", "bench")
    rng = random.Random(seed)
    results = [runtime.service.evaluate(CheckRequest(SubjectRef(i), "government_procurement", "benchmark", "supplier",
                                                     "CN-JS-NT")) for i in rng.sample(ids, 200)]
    waits: list[float] = []
    sequencer = runtime.sequencer() if hasattr(runtime, "sequencer") else None  # as each served worker runs one
    if sequencer is not None:
        sequencer.start()

    async def appender(deadline: float) -> None:
        while time.perf_counter() < deadline:
            result = replace(rng.choice(results), decision_id=uuid.uuid4().hex)
            started = time.perf_counter()
            await runtime.service.log.append_async([log_entry(result, caller)])
            waits.append(time.perf_counter() - started)

    async def run() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(appender(deadline) for _ in range(concurrency)))

    asyncio.run(run())
    out.put(waits)
    if sequencer is not None:
        sequencer.stop()
    runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_store_options(parser, subjects=10_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    store = store_from(args)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    workers = [context.Process(target=_worker, args=(store.url, n, args.concurrency, args.seconds, out))
               for n in range(args.processes)]
    for worker in workers:
        worker.start()
    waits = sorted(w for _ in workers for w in out.get())
    for worker in workers:
        worker.join()
    print(f"{store.url.split('://')[0]}: {args.processes} processes × {args.concurrency} appenders, {args.seconds:.0f} s: "
          f"{len(waits) / args.seconds:,.0f} appends/s, wait p50 {waits[len(waits) // 2] * 1e3:.2f} ms, "
          f"p99 {waits[int(len(waits) * 0.99)] * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
