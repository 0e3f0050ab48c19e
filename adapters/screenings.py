"""Screening runs and their results (the ``screening_runs`` and ``screening_results`` tables).

A run is written with its results in one transaction, so a run that failed half-way
leaves nothing and the next screening compares with the last complete one. Only the
subjects something applies to are kept (most subjects of a province have nothing), so
a subject without a result row in a run was screened clean if the run covered it.
Screening decides no case: none of this goes to the decision log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB

Seq = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")
PAGE = 5000

metadata = MetaData()
runs_t = Table(
    "screening_runs", metadata,
    Column("run_id", Seq, primary_key=True, autoincrement=True),
    Column("scenario", String(64), nullable=False),
    Column("role", String(64), nullable=False),
    Column("jurisdiction", String(32), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("bundle_hash", String(64), nullable=False),
    Column("rulesets", Json, nullable=False),
    Column("population", String(16), nullable=False),
    Column("registry", String(500), nullable=False),
    Column("subjects", Integer, nullable=False),
    Column("unknown", Integer, nullable=False),
    Column("hits", Integer, nullable=False),
    Column("engine", String(200), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
)
results_t = Table(
    "screening_results", metadata,
    Column("run_id", Seq, ForeignKey("screening_runs.run_id"), primary_key=True),
    Column("subject_id", String(64), primary_key=True),
    Column("facts_version", String(80), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("measures", Json, nullable=False),
    Column("incentives", Json, nullable=False),
    Column("review", Json, nullable=False),
)


@dataclass(frozen=True)
class ScreeningRun:
    """One screening: what was asked, of whom, with which rules, and how many subjects it found."""

    scenario: str
    role: str | None
    jurisdiction: str
    as_of: date
    bundle_hash: str
    rulesets: tuple[str, ...]  # id@version, national level first
    population: str  # "store" (every stored subject) or "registry" (the ids of a file)
    registry: str  # the registry file's name, "" for the whole store
    subjects: int  # screened
    unknown: int  # registry ids the facts did not hold
    hits: int  # subjects something applies to
    engine: str  # "in-process" or "spark <master>"
    started_at: datetime
    finished_at: datetime
    run_id: int | None = None


@dataclass(frozen=True)
class ScreenedSubject:
    """A subject something applied to in a run: its outcome, the measures and incentives that matched, and
    which of them a person must review before they apply."""

    subject_id: str
    facts_version: str
    outcome: str
    measures: tuple[str, ...]
    incentives: tuple[str, ...]
    review: tuple[str, ...] = ()


class ScreeningStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def save(self, run: ScreeningRun, results: Iterable[ScreenedSubject]) -> ScreeningRun:
        """Write ``run`` and its results together; returns the run with its id."""
        values = {name: getattr(run, name) for name in runs_t.c.keys() if name != "run_id"}
        values.update(role=run.role or "", rulesets=list(run.rulesets))
        with self.engine.begin() as connection:
            run_id = connection.execute(insert(runs_t).values(**values)).inserted_primary_key[0]
            page: list[dict] = []
            for result in results:
                page.append({"run_id": run_id, "subject_id": result.subject_id, "facts_version": result.facts_version,
                             "outcome": result.outcome, "measures": list(result.measures),
                             "incentives": list(result.incentives), "review": list(result.review)})
                if len(page) == PAGE:
                    connection.execute(insert(results_t), page)
                    page = []
            if page:
                connection.execute(insert(results_t), page)
        return replace(run, run_id=run_id)

    def latest(self, scenario: str, role: str | None, jurisdiction: str) -> ScreeningRun | None:
        """The last complete run of the same scenario, role and jurisdiction, if any."""
        query = (select(runs_t).where(runs_t.c.scenario == scenario, runs_t.c.role == (role or ""),
                                      runs_t.c.jurisdiction == jurisdiction)
                 .order_by(runs_t.c.run_id.desc()).limit(1))
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            return None
        return ScreeningRun(**{**row, "role": row["role"] or None, "rulesets": tuple(row["rulesets"])})

    def results(self, run_id: int) -> Iterator[ScreenedSubject]:
        """The run's results in subject order, a page at a time."""
        after = ""
        while True:
            query = (select(results_t).where(results_t.c.run_id == run_id, results_t.c.subject_id > after)
                     .order_by(results_t.c.subject_id).limit(PAGE))
            with self.engine.connect() as connection:
                rows = connection.execute(query).mappings().all()
            if not rows:
                return
            for row in rows:
                yield ScreenedSubject(row["subject_id"], row["facts_version"], row["outcome"],
                                      tuple(row["measures"]), tuple(row["incentives"]), tuple(row["review"]))
            after = rows[-1]["subject_id"]
