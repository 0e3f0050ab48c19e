"""Manual measurement: import 1,000,000 demo records (100,000 subjects × 10) into a fresh SQLite file.

    .venv/bin/python bench/import_1m.py [--subjects 100000] [--records 10] [--dir /tmp/jrp-bench]

Generates the JSON Lines file with the demo generator (if absent), then runs the import
in a child process under ``/usr/bin/time -v`` and prints wall time, peak memory (RSS)
and the import report.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

from jrp.adapters.facts.demo import write_jsonl

IMPORT = """
import sys, time
from jrp.adapters.facts.importers import import_file
from jrp.adapters.store.database import make_engine, upgrade_database
url = "sqlite:///" + sys.argv[1]
upgrade_database(url)
engine = make_engine(url)
started = time.perf_counter()
report = import_file(engine, sys.argv[2])
print(f"import: {time.perf_counter() - started:.1f} s, accepted {report.accepted}, duplicate {report.duplicate}, "
      f"rejected {report.rejected}, notes {dict(report.notes)}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/jrp-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    source = args.dir / f"demo-{args.subjects}x{args.records}.jsonl"
    if not source.exists():
        started = time.perf_counter()
        events = write_jsonl(source, seed=1, n_subjects=args.subjects, records_per_subject=args.records)
        print(f"generated {events} events ({args.subjects * args.records} records) in "
              f"{time.perf_counter() - started:.1f} s: {source} ({source.stat().st_size / 2**20:.0f} MiB)")
    database = args.dir / "import.db"
    for path in (database, database.with_name("import.db-wal"), database.with_name("import.db-shm")):
        path.unlink(missing_ok=True)
    result = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", IMPORT, str(database), str(source)],
                            capture_output=True, text=True, check=True)
    print(result.stdout.strip())
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", result.stderr)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    print(f"wall time (whole child, incl. migrations): {wall.group(1) if wall else '?'}")
    print(f"peak memory (max RSS): {int(peak.group(1)) / 1024:.0f} MiB" if peak else "peak memory: ?")
    print(f"database: {database.stat().st_size / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
