"""What one logged check costs the store: bytes kept and bytes of WAL written (SQLite), per check.

    .venv/bin/python bench/check_cost.py [--checks 50] [--subjects 2000] [--concurrency 16]

Unlike a throughput figure these do not depend on what else the machine is doing, so they
can be compared across commits on a shared machine. Checks go through the whole ASGI
application (``bench/profile_check.py``'s driver), each for a subject not checked before,
after the WAL was checkpointed and truncated; then it prints:

- stored: the bytes added to the decision log's tables (decisions and fact snapshots, their
  text and binary columns), per check;
- WAL: the frames the checks appended to the write-ahead log × the page size, per check —
  what the disk writes before the pages reach the database file (issue 24's target: ≤ 4 KB);
  random index pages (uuid4 ids) and a large entry spilling to overflow pages make it grow.

"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_bench import admin_key, subject_ids  # noqa: E402
from profile_check import check_scope, request  # noqa: E402
from seeded import DEFAULT_DIR, seeded_store  # noqa: E402

from jrp.api.app import create_app  # noqa: E402
from jrp.settings import Settings  # noqa: E402

STORED = ("SELECT coalesce(sum(length(entry) + coalesce(length(receipt), 0) + length(purpose)), 0) FROM decisions",
          "SELECT coalesce(sum(length(facts)), 0) FROM fact_snapshots")


def stored_bytes(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return sum(connection.execute(query).fetchone()[0] for query in STORED)


def truncate_wal(database: Path) -> sqlite3.Connection:
    """Empty the WAL into the database, then hold a read snapshot so no checkpoint can restart the WAL:
    every frame the checks write is appended, and the file's size counts them."""
    pinned = sqlite3.connect(database, isolation_level=None)
    pinned.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pinned.execute("BEGIN")
    pinned.execute("SELECT count(*) FROM decisions").fetchone()
    return pinned


def wal_frames(database: Path, page_size: int) -> int:
    size = database.with_name(database.name + "-wal").stat().st_size
    return max(size - 32, 0) // (page_size + 24)  # a 32-byte header, then frames of a 24-byte header and a page


async def run_checks(app, key: str, warm: list[bytes], measured: list[bytes], database: Path,
                     concurrency: int) -> tuple[int, int, int]:
    scope = check_scope(key)
    async with app.router.lifespan_context(app):
        for body in warm:  # bundles compiled, pools and caches filled, first appends done
            assert await request(app, scope, body) == 200
        await asyncio.sleep(1.5)  # the sequencer and checkpointer settle
        before = stored_bytes(database)
        pinned = truncate_wal(database)
        page_size = pinned.execute("PRAGMA page_size").fetchone()[0]
        try:
            for start in range(0, len(measured), concurrency):  # as a served worker's concurrent clients
                statuses = await asyncio.gather(*(request(app, scope, body)
                                                  for body in measured[start:start + concurrency]))
                assert set(statuses) == {200}, statuses
            await asyncio.sleep(1.5)  # the leaves of these checks integrated, as a served worker would
            frames = wal_frames(database, page_size)
        finally:
            pinned.execute("COMMIT")
            pinned.close()
        return stored_bytes(database) - before, frames, page_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=50)
    parser.add_argument("--subjects", type=int, default=2000, help="size of the seeded store (bench/seeded.py)")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="checks in flight at once (1: each check its own commit)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                        help="where the seeded SQLite store lives (one per checkout: its keys are the checkout's)")
    args = parser.parse_args()
    store = seeded_store(args.subjects, 10, args.dir)
    database = Path(store.url.removeprefix("sqlite:///"))
    key, ids = admin_key(store.url), subject_ids(store.url)
    fresh = random.sample(ids, args.checks + 20)  # a fresh draw per run: mostly subjects no run checked yet
    bodies = [json.dumps({"subject": {"id": s}, "scenario": "government_procurement", "role": "supplier",
                          "jurisdiction": "CN-JS-NT", "purpose": "check cost"}).encode() for s in fresh]
    app = create_app(Settings(database_url=store.url, checkpoint_interval=0.2))
    stored, frames, page_size = asyncio.run(run_checks(app, key, bodies[:20], bodies[20:], database,
                                                          args.concurrency))
    n = args.checks
    print(f"{n} checks of first-seen subjects, {args.concurrency} at a time (SQLite, page size {page_size} B):")
    print(f"  stored in the log's tables: {stored / n:,.0f} B per check (target ≤ 1 KB)")
    print(f"  WAL written: {frames / n:.1f} pages = {frames * page_size / n / 1024:,.1f} KiB per check (target ≤ 4 KB)")


if __name__ == "__main__":
    main()
