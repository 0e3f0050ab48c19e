"""The benchmarks' store: N subjects × M records from the seeded demo generator, built once, reused.

    .venv/bin/python bench/seeded.py [--subjects 100000] [--records 10] [--postgres]

The events file is generated once per size (seed 1: the same run gives the same
subjects); the store is imported from it unless it already holds them, so a second
benchmark run starts at once. An interrupted import is simply resumed: events already
stored are recognised by their idempotency keys. SQLite stores live in ``--dir``;
PostgreSQL ones in a schema of their own (``jrp_bench_<N>x<M>``, or ``--postgres-schema``) of
``--postgres-url``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import func, select

from jrp.adapters.facts.demo import DEMO_SUBJECTS, write_jsonl
from jrp.adapters.facts.importers import import_file
from jrp.adapters.facts.orm import SubjectRow
from jrp.adapters.store.database import make_engine, upgrade_database

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_DIR = Path("/tmp/jrp-bench")


@dataclass(frozen=True)
class BenchStore:
    url: str
    subjects: int
    records: int


def events_file(directory: Path, subjects: int, records: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"demo-{subjects}x{records}.jsonl"
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        events = write_jsonl(partial, seed=1, n_subjects=subjects, records_per_subject=records)
        partial.rename(path)
        print(f"generated {events:,} events in {time.perf_counter() - started:.0f} s: {path}")
    return path


def store_url(directory: Path, subjects: int, records: int, postgres: str | None, schema: str | None = None) -> str:
    """The store's URL; for PostgreSQL its schema (``jrp_bench_<N>x<M>`` unless named) is created if missing."""
    if postgres is None:
        return f"sqlite:///{directory / f'store-{subjects}x{records}.db'}"
    schema = schema or f"jrp_bench_{subjects}x{records}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return f"{postgres.replace('postgresql://', 'postgresql+psycopg://', 1)}?options=-csearch_path%3D{schema}"


def seeded_store(subjects: int, records: int, directory: Path = DEFAULT_DIR,
                 postgres: str | None = None, schema: str | None = None) -> BenchStore:
    """A migrated store holding the demo's fixed subjects and ``subjects`` × ``records`` generated ones."""
    url = store_url(directory, subjects, records, postgres, schema)
    upgrade_database(url)
    engine = make_engine(url)
    expected = subjects + len(DEMO_SUBJECTS)
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(SubjectRow)).scalar_one()
    if stored < expected:
        source = events_file(directory, subjects, records)
        started = time.perf_counter()
        report = import_file(engine, source)
        print(f"imported {report.accepted:,} events into {engine.dialect.name} in "
              f"{time.perf_counter() - started:.0f} s ({report.rejected} rejected)")
    engine.dispose()
    return BenchStore(url, subjects, records)


def add_store_options(parser: argparse.ArgumentParser, subjects: int = 100_000, directory: Path = DEFAULT_DIR,
                      postgres_only: bool = False) -> None:
    """The options naming a benchmark's store, the same in every script (read back by :func:`store_from`)."""
    parser.add_argument("--subjects", type=int, default=subjects)
    parser.add_argument("--records", type=int, default=10)
    parser.add_argument("--dir", type=Path, default=directory)
    if not postgres_only:
        parser.add_argument("--postgres", action="store_true", help=f"on PostgreSQL ({PG_ADMIN})")
    parser.add_argument("--postgres-url", default=PG_ADMIN)
    parser.add_argument("--postgres-schema", help="schema of the store (default jrp_bench_<N>x<M>): one per branch")


def store_from(args: argparse.Namespace, schema: str | None = None) -> BenchStore:
    """The store the options of :func:`add_store_options` name, built on first use."""
    postgres = args.postgres_url if getattr(args, "postgres", True) else None
    return seeded_store(args.subjects, args.records, args.dir, postgres, args.postgres_schema or schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_store_options(parser)
    store = store_from(parser.parse_args())
    print(f"ready: {store.url}")


if __name__ == "__main__":
    main()
