"""Screening: who falls under which measures now, for a scenario, role and jurisdiction, and what changed.

A screening evaluates a registry (a file of subject ids) or the whole store with the
bundle in force on ``as_of``, keeps the subjects something applies to, compares them
with the last screening of the same (scenario, role, jurisdiction) and stores the run
for the next comparison. A subject the last run did not find anything for — or did not
screen — counts as having had nothing then. Screening decides no case: nothing is
written to the decision log.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, Self

from jrp.adapters.screenings import ScreenedSubject, ScreeningRun, ScreeningStore
from jrp.bulk.evaluation import CLEAN, BulkJob, SubjectVerdicts, Verdict
from jrp.bulk.run import BulkRunner
from jrp.engine.facts import CheckContext
from jrp.rulesets.bundle import Bundle
from jrp.rulesets.library import Library


@dataclass(frozen=True)
class ScreeningKey:
    """What a screening asks; runs of the same key are compared with each other."""

    scenario: str
    role: str | None
    jurisdiction: str


@dataclass
class ScreeningTally:
    """The subjects screened, and the verdict of each one hit now or in the previous run (mergeable)."""

    previously_hit: frozenset[str] = frozenset()
    screened: int = 0
    verdicts: dict[str, tuple[str, Verdict]] = field(default_factory=dict)  # subject → (facts version, verdict)

    def add(self, item: SubjectVerdicts) -> None:
        self.screened += 1
        verdict = item.verdicts[0]
        if verdict.hit or item.subject_id in self.previously_hit:
            self.verdicts[item.subject_id] = (item.facts_version, verdict)

    def merge(self, other: Self) -> Self:
        self.screened += other.screened
        self.verdicts.update(other.verdicts)
        return self


@dataclass(frozen=True)
class Change:
    """One subject whose measures or outcome differ from the previous run's."""

    subject_id: str
    before: Verdict
    after: Verdict

    @property
    def gained(self) -> tuple[str, ...]:
        return tuple(sorted(self.after.all_measures - self.before.all_measures))

    @property
    def lost(self) -> tuple[str, ...]:
        return tuple(sorted(self.before.all_measures - self.after.all_measures))


@dataclass
class ScreeningReport:
    """A stored run, who falls under which measures, and the changes since the previous run of its key."""

    run: ScreeningRun
    previous: ScreeningRun | None
    unknown: tuple[str, ...]
    hits: list[ScreenedSubject]
    changes: list[Change]
    measure_names: dict[str, tuple[str, str]]  # measure id → (kind, name)
    seconds: float

    def outcomes(self) -> Counter:
        counts = Counter(hit.outcome for hit in self.hits)
        counts["allow"] += self.run.subjects - sum(counts.values())
        return counts

    def measures(self) -> list[dict[str, Any]]:
        """Per measure: subjects it matches now (of whom a person must review some first), and how many gained or
        lost it since the previous run."""
        now = Counter(m for hit in self.hits for m in (*hit.measures, *hit.incentives))
        review = Counter(m for hit in self.hits for m in hit.review)
        gained = Counter(m for change in self.changes for m in change.gained)
        lost = Counter(m for change in self.changes for m in change.lost)
        rows = []
        for measure in sorted(now.keys() | gained.keys() | lost.keys()):
            kind, name = self.measure_names.get(measure, ("", ""))
            rows.append({"measure_id": measure, "kind": kind, "name": name, "subjects": now[measure],
                         "review": review[measure], "gained": gained[measure], "lost": lost[measure]})
        return rows

    def outcome_shifts(self) -> list[dict[str, Any]]:
        shifts = Counter((c.before.outcome, c.after.outcome) for c in self.changes if c.before.outcome != c.after.outcome)
        return [{"before": before, "after": after, "subjects": n} for (before, after), n in sorted(shifts.items())]

    def as_json(self) -> dict[str, Any]:
        return {
            "run": _run_json(self.run),
            "previous_run": _run_json(self.previous) if self.previous else None,
            "seconds": round(self.seconds, 3),
            "subjects": self.run.subjects,
            "unknown": list(self.unknown),
            "outcomes": dict(sorted(self.outcomes().items())),
            "measures": self.measures(),
            "outcome_shifts": self.outcome_shifts(),
            "changes": [{"subject_id": c.subject_id, "before": c.before.outcome, "after": c.after.outcome,
                         "gained": list(c.gained), "lost": list(c.lost)} for c in self.changes],
            "hits": [{"subject_id": h.subject_id, "facts_version": h.facts_version, "outcome": h.outcome,
                      "measures": list(h.measures), "incentives": list(h.incentives), "review": list(h.review)}
                     for h in self.hits],
        }


def _run_json(run: ScreeningRun) -> dict[str, Any]:
    return {"run_id": run.run_id, "scenario": run.scenario, "role": run.role, "jurisdiction": run.jurisdiction,
            "as_of": run.as_of.isoformat(), "bundle_hash": run.bundle_hash, "rulesets": list(run.rulesets),
            "population": run.population, "registry": run.registry, "subjects": run.subjects,
            "unknown": run.unknown, "hits": run.hits, "engine": run.engine,
            "started_at": run.started_at.isoformat(), "finished_at": run.finished_at.isoformat()}


def _verdict(subject: ScreenedSubject) -> Verdict:
    return Verdict(subject.outcome, subject.measures, subject.incentives, subject.review)


def screen(library: Library, key: ScreeningKey, as_of: date, runner: BulkRunner, store: ScreeningStore, *,
           registry: Sequence[str] | None = None, registry_name: str = "") -> ScreeningReport:
    """Screen ``registry`` (sorted, distinct subject ids) or every subject, compare, and store the run.

    Raises ``KeyError`` for a jurisdiction the library does not know.
    """
    started_at, started = datetime.now(UTC), time.perf_counter()
    bundle = library.bundle(key.jurisdiction, as_of)
    previous = store.latest(key.scenario, key.role, key.jurisdiction)
    before = {s.subject_id: _verdict(s) for s in store.results(previous.run_id)} if previous else {}
    job = BulkJob.of([(bundle, CheckContext(key.scenario, as_of, key.role, key.jurisdiction))])
    result = runner.run(job, partial(ScreeningTally, frozenset(before)), registry)
    tally = result.tally
    hits = [ScreenedSubject(subject_id, version, verdict.outcome, verdict.measures, verdict.incentives, verdict.review)
            for subject_id, (version, verdict) in sorted(tally.verdicts.items()) if verdict.hit]
    changes = [] if previous is None else [
        Change(subject_id, before.get(subject_id, CLEAN), verdict)
        for subject_id, (_, verdict) in sorted(tally.verdicts.items()) if before.get(subject_id, CLEAN) != verdict]
    run = store.save(ScreeningRun(
        key.scenario, key.role, key.jurisdiction, as_of, bundle.hash, tuple(f"{r.id}@{r.version}" for r in bundle.refs),
        "store" if registry is None else "registry", registry_name, tally.screened, len(result.missing), len(hits),
        runner.description, started_at, datetime.now(UTC)), hits)
    return ScreeningReport(run, previous, result.missing, hits, changes, _measure_names(bundle),
                           time.perf_counter() - started)


def _measure_names(bundle: Bundle) -> dict[str, tuple[str, str]]:
    return {measure_id: (measure.kind.value, measure.name.zh) for measure_id, (_, measure) in bundle.measures.items()}
