"""Bulk screening of the seeded store in-process and on Spark local[2], with evaluations/s per core.

    .venv/bin/pip install -e '.[spark]'
    .venv/bin/python bench/spark_bench.py [--subjects 100000] [--records 10] [--dir /tmp/jrp-bench-spark]

The store is ``bench/seeded.py``'s (100,000 subjects × 10 records = 1,000,000 records,
seed 1), built in ``--dir`` on the first run (6–7 min) and reused; keep it in a folder of
its own, since other branches migrate their stores differently. One run prints:

- the facts export (``jrp export facts``): time, size, peak resident memory;
- ``jrp screen`` of the whole store for one scenario, role and jurisdiction in this
  process (reads the store page by page) and on Spark local[2] (reads the export), and
  whether both found exactly the same subjects under the same measures;
- evaluations per second, and per core: per CPU-second used by this process and the
  processes below it (Spark's JVM and Python workers), so the figure holds on a machine
  shared with other work and projects a cluster's time.

Screening runs go to a history database beside the store, not into the store. The
figures depend on what else the machine does: run it on an idle machine, more than once.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seeded import seeded_store  # noqa: E402

from jrp.adapters.facts.source import FactsStore  # noqa: E402
from jrp.adapters.screenings import ScreeningStore  # noqa: E402
from jrp.adapters.store.database import make_engine, upgrade_database  # noqa: E402
from jrp.bulk.export import export_facts  # noqa: E402
from jrp.bulk.runners import InProcessRunner  # noqa: E402
from jrp.bulk.screening import ScreeningKey, ScreeningReport, screen  # noqa: E402
from jrp.bulk.spark import SparkRunner, session_for  # noqa: E402
from jrp.rulesets.library import Library  # noqa: E402

KEY = ScreeningKey("government_procurement", "supplier", "CN-JS-NT")
AS_OF = date(2025, 6, 1)
PROVINCE = 10_000_000  # Jiangsu alone has over ten million market entities


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time used so far by this process and every process below it (Spark's JVM and Python workers).

    Wall-clock time on a machine shared with other work says little about a core's
    throughput; CPU time does, and it includes the JVM's share of a Spark job.
    """
    parents, times = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = sum(int(f) for f in fields[11:15])  # utime, stime, and those of waited-for children
    tree, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    return sum(times.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def line(label: str, report: ScreeningReport, seconds: float, cpu: float) -> float:
    """Prints wall-clock and CPU figures; returns evaluations per CPU-second (one evaluation per subject)."""
    per_cpu_second = report.run.subjects / cpu
    print(f"{label:30s} {report.run.subjects:,} subjects, {report.run.hits:,} hit: {seconds:5.1f} s "
          f"({report.run.subjects / seconds:5.0f} evaluations/s), {cpu:5.1f} CPU-s: "
          f"{per_cpu_second:5.0f} evaluations/s per core")
    return per_cpu_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/jrp-bench-spark"))
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()

    store = seeded_store(args.subjects, args.records, args.dir)
    engine = make_engine(store.url)
    facts = FactsStore(engine)
    library = Library.load()
    history_url = f"sqlite:///{args.dir / 'screenings.db'}"
    upgrade_database(history_url)
    history = ScreeningStore(make_engine(history_url))
    print(f"store: {args.subjects:,} subjects × {args.records} records ({store.url}); "
          f"screening {KEY.scenario} / {KEY.role} in {KEY.jurisdiction} on {AS_OF}")

    exported = args.dir / f"facts-{args.subjects}x{args.records}"
    shutil.rmtree(exported, ignore_errors=True)
    report = export_facts(facts, exported)
    print(f"export: {report.subjects:,} subjects in {report.seconds:.1f} s ({report.subjects / report.seconds:,.0f} "
          f"subjects/s), {report.files} files, {report.bytes / 2**20:,.0f} MiB; peak RSS so far {peak_mib():,.0f} MiB")

    started, cpu = time.perf_counter(), cpu_seconds()
    in_process = screen(library, KEY, AS_OF, InProcessRunner(facts), history)
    per_core_in_process = line("in-process (reads the store):", in_process, time.perf_counter() - started,
                               cpu_seconds() - cpu)

    started = time.perf_counter()
    session = session_for(args.master, {})
    session.range(1).count()  # the JVM and a first Python worker are up
    startup = time.perf_counter() - started
    runner = SparkRunner(session, str(exported))
    started, cpu = time.perf_counter(), cpu_seconds()
    on_spark = screen(library, KEY, AS_OF, runner, history)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print(f"spark {args.master}: session start {startup:.1f} s, {runner.facts.rdd.getNumPartitions()} partitions")
    per_core_spark = line(f"spark {args.master} (the export):", on_spark, seconds, cpu)
    session.stop()

    same = [(h.subject_id, h.outcome, h.measures) for h in in_process.hits] == \
           [(h.subject_id, h.outcome, h.measures) for h in on_spark.hits]
    print(f"same subjects under the same measures in both: {'yes' if same else 'NO'}; "
          f"second run's changes against the first: {len(on_spark.changes)}")
    print(f"projection for {PROVINCE:,} subjects, one (scenario, role), at the Spark rate per core: "
          + ", ".join(f"{n} cores {PROVINCE / (per_core_spark * n) / 60:.1f} min" for n in (16, 64, 256))
          + f" (+ the export, + ~{startup:.0f} s start); in-process on one core {PROVINCE / per_core_in_process / 3600:.1f} h")
    print(f"peak RSS of this process: {peak_mib():,.0f} MiB; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores (other work on the machine slows the wall-clock figures)")
    engine.dispose()


if __name__ == "__main__":
    main()
