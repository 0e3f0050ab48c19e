"""Spark local[2] gives the same screening results, changes and impact tables as the in-process path, on one store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from jrp.adapters.facts.ingest import ingest
from jrp.adapters.facts.source import FactsStore
from jrp.adapters.screenings import ScreeningStore
from jrp.adapters.store.database import make_engine, upgrade_database
from jrp.bulk.run import BulkRunner
from jrp.bulk.runners import InProcessRunner
from jrp.bulk.screening import ScreeningKey, screen
from jrp.bulk.spark import spark_runner
from jrp.impact import preview
from jrp.rulesets.library import Library, read_ruleset_file
from tests.bulk.conftest import demo_engine
from tests.bulk.factory import LIFTED, NEWLY_LISTED, STRANGER, add_subjects, candidate_file, lifting, listing

AS_OF = date(2025, 6, 1)
PROCUREMENT = ScreeningKey("government_procurement", "supplier", "CN-JS-NT")
RUN_FIELDS = {"run_id", "engine", "started_at", "finished_at"}


@pytest.fixture
def store(tmp_path: Path, library: Library) -> Iterator[Engine]:
    """The demo store plus the screening test's subjects (a store of this test's own: facts change)."""
    engine = demo_engine(f"sqlite:///{tmp_path / 'jrp.db'}", library)
    add_subjects(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def history(tmp_path: Path) -> Iterator[tuple[ScreeningStore, ScreeningStore]]:
    """Two empty screening histories: one for the in-process runs, one for the Spark runs."""
    engines = []
    for name in ("in_process", "spark"):
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
        upgrade_database(url)
        engines.append(make_engine(url))
    yield ScreeningStore(engines[0]), ScreeningStore(engines[1])
    for engine in engines:
        engine.dispose()


def _without_run_metadata(document: dict[str, Any]) -> dict[str, Any]:
    document = dict(document, seconds=None)
    for run in ("run", "previous_run"):
        if document[run] is not None:
            document[run] = {k: v for k, v in document[run].items() if k not in RUN_FIELDS}
    return document


def _both(library: Library, engine: Engine, spark, histories, **options) -> tuple[dict, dict]:
    """The same screening in-process and on Spark local[2], each into its own history."""
    in_process = screen(library, PROCUREMENT, AS_OF, InProcessRunner(FactsStore(engine)), histories[0], **options)
    with spark_runner("local[2]", {}, FactsStore(engine), None) as runner:
        assert runner.facts.rdd.getNumPartitions() > 1  # tallies of several partitions are merged
        on_spark = screen(library, PROCUREMENT, AS_OF, runner, histories[1], **options)
    assert on_spark.run.engine == "spark local[2]" and in_process.run.engine == "in-process"
    return in_process.as_json(), on_spark.as_json()


def test_screening_and_its_changes_are_identical_on_spark(store: Engine, history, spark, library: Library) -> None:
    first_in_process, first_on_spark = _both(library, store, spark, history)
    assert any(hit["review"] for hit in first_in_process["hits"])  # measures a person must review are kept apart
    assert _without_run_metadata(first_in_process) == _without_run_metadata(first_on_spark)
    ingest(store, [listing(NEWLY_LISTED), lifting(LIFTED)])
    second_in_process, second_on_spark = _both(library, store, spark, history)
    assert {c["subject_id"] for c in second_in_process["changes"]} == {LIFTED, NEWLY_LISTED}
    assert _without_run_metadata(second_in_process) == _without_run_metadata(second_on_spark)
    registry = sorted([LIFTED, NEWLY_LISTED, STRANGER])
    third_in_process, third_on_spark = _both(library, store, spark, history, registry=registry)
    assert third_in_process["unknown"] == [STRANGER] and third_in_process["subjects"] == 2
    assert _without_run_metadata(third_in_process) == _without_run_metadata(third_on_spark)


def _impact(library: Library, runner: BulkRunner, candidate: Path, sample: int | None = None) -> dict[str, Any]:
    report = preview(library, read_ruleset_file(candidate), runner, date(2026, 6, 1), sample=sample).as_json()
    return dict(report, seconds=None)


def test_impact_tables_are_identical_on_spark(demo_store: FactsStore, spark, library: Library, tmp_path: Path) -> None:
    candidate = candidate_file(tmp_path)
    in_process = _impact(library, InProcessRunner(demo_store), candidate)
    sampled = _impact(library, InProcessRunner(demo_store), candidate, sample=60)
    with spark_runner("local[2]", {}, demo_store, None) as runner:
        assert _impact(library, runner, candidate) == in_process
        assert _impact(library, runner, candidate, sample=60) == sampled
    assert in_process["gained"] and in_process["lost"] and in_process["outcome_shifts"]
    assert sampled["subjects"] == 60
