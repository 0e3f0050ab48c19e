"""Impact preview: who gains or loses which measures if a candidate ruleset version goes live.

Only the (scenario, role) pairs that the changed measures touch are evaluated, for
every stored subject (or a sample), in every jurisdiction whose bundle the candidate
changes; recent decisions are re-evaluated on their stored facts too. Nothing is
written to the decision log. The subjects are evaluated by a ``jrp.bulk`` runner: in
this process over the store, or on Spark over a facts export.
"""

from __future__ import annotations

import bisect
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, Self

from jrp.bulk.evaluation import BulkJob, SubjectVerdicts
from jrp.bulk.run import BulkRunner
from jrp.differences import Difference, compare
from jrp.engine.codec import decision_to_json, facts_from_json
from jrp.engine.compile import CompiledBundle, compile_bundle
from jrp.engine.evaluate import Engine
from jrp.engine.facts import CheckContext
from jrp.rulesets.bundle import Bundle
from jrp.rulesets.candidate import Judgement, judge
from jrp.rulesets.library import Library, RulesetFile
from jrp.vocabulary.jurisdictions import chain_of

EXAMPLES_PER_CHANGE = 5
RECENT_DECISIONS = 500
"""How many of the newest logged decisions the CLI and the API re-evaluate under the candidate."""


class InvalidCandidate(ValueError):
    """The candidate fails validation or widens a penalty without basis: impact is previewed only for rules that could go live."""

    def __init__(self, judgement: Judgement):
        self.judgement = judgement
        self.problems = judgement.errors
        super().__init__(str(judgement))


def default_as_of(candidate: RulesetFile, today: date) -> date:
    """The date a preview compares on unless told: today, or the candidate's first day if it starts later."""
    return max(today, candidate.ruleset.ruleset.effective_from)


@dataclass
class JurisdictionPlan:
    jurisdiction: str
    current: Bundle
    candidate: Bundle
    pairs: list[tuple[str, str | None]]


Slot = tuple[str, str | None, str]  # (scenario, role, jurisdiction) of one pair of evaluations: current, candidate


@dataclass
class ImpactTally:
    """Measures gained and lost and outcome shifts over the subjects added so far (mergeable).

    ``examples`` keeps the smallest subject ids per (measure, change), so merged
    partitions give the same examples as one pass over the store.
    """

    slots: tuple[Slot, ...] = ()
    subjects: int = 0
    evaluations: int = 0
    gained: Counter = field(default_factory=Counter)  # (measure, scenario, role, jurisdiction) -> subjects
    lost: Counter = field(default_factory=Counter)
    outcome_shifts: Counter = field(default_factory=Counter)  # (scenario, role, jurisdiction, before, after)
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(self, item: SubjectVerdicts) -> None:
        self.subjects += 1
        self.evaluations += len(item.verdicts)
        for (scenario, role, jurisdiction), before, after in zip(self.slots, item.verdicts[::2], item.verdicts[1::2]):
            for measure in set(after.measures) - set(before.measures):
                self.gained[(measure, scenario, role, jurisdiction)] += 1
                self._example(measure, "gains", item.subject_id)
            for measure in set(before.measures) - set(after.measures):
                self.lost[(measure, scenario, role, jurisdiction)] += 1
                self._example(measure, "loses", item.subject_id)
            if before.outcome != after.outcome:
                self.outcome_shifts[(scenario, role, jurisdiction, before.outcome, after.outcome)] += 1

    def merge(self, other: Self) -> Self:
        self.subjects += other.subjects
        self.evaluations += other.evaluations
        self.gained.update(other.gained)
        self.lost.update(other.lost)
        self.outcome_shifts.update(other.outcome_shifts)
        for (measure, change), subject_ids in other.examples.items():
            for subject_id in subject_ids:
                self._example(measure, change, subject_id)
        return self

    def _example(self, measure: str, change: str, subject_id: str) -> None:
        examples = self.examples.setdefault((measure, change), [])
        if subject_id not in examples:
            bisect.insort(examples, subject_id)
            del examples[EXAMPLES_PER_CHANGE:]


@dataclass
class ImpactReport:
    """Counts of measures gained and lost and of outcome shifts, per scenario and jurisdiction."""

    candidate: str
    as_of: date
    plans: list[tuple[str, int]] = field(default_factory=list)
    counts: ImpactTally = field(default_factory=ImpactTally)
    seconds: float = 0.0
    decisions_checked: int = 0
    decisions_changed: list[tuple[str, list[Difference]]] = field(default_factory=list)
    reason: str = ""  # why no subject was evaluated, when none was
    reason_code: str = ""  # the same as a code: not_in_force, no_change, no_subjects

    def as_json(self) -> dict[str, Any]:
        def rows(counter: Counter, names: tuple[str, ...]) -> list[dict[str, Any]]:
            ordered = sorted(counter.items(), key=lambda item: tuple(part or "" for part in item[0]))  # role may be None
            return [dict(zip(names, key), subjects=n) for key, n in ordered]

        counts = self.counts
        return {
            "candidate": self.candidate,
            "as_of": self.as_of.isoformat(),
            "reason": self.reason,
            "reason_code": self.reason_code,
            "jurisdictions": [{"jurisdiction": j, "pairs": n} for j, n in self.plans],
            "subjects": counts.subjects,
            "evaluations": counts.evaluations,
            "seconds": round(self.seconds, 3),
            "gained": rows(counts.gained, ("measure_id", "scenario", "role", "jurisdiction")),
            "lost": rows(counts.lost, ("measure_id", "scenario", "role", "jurisdiction")),
            "outcome_shifts": rows(counts.outcome_shifts, ("scenario", "role", "jurisdiction", "before", "after")),
            "examples": [{"measure_id": m, "change": c, "subjects": s} for (m, c), s in sorted(counts.examples.items())],
            "decisions": {"checked": self.decisions_checked,
                          "changed": [{"decision_id": d, "differences": [str(x) for x in diffs]}
                                      for d, diffs in self.decisions_changed]},
        }


def _changed_pairs(before: CompiledBundle, after: CompiledBundle) -> list[tuple[str, str | None]]:
    """(scenario, role) pairs in which some measure's rules or definition differ between the bundles."""
    def signature(bundle: CompiledBundle) -> dict[str, set]:
        rules: dict[str, set] = {}
        for rule in bundle.rules:
            rules.setdefault(rule.measure_id, set()).add(rule)
        return {m: (frozenset(rules.get(m, ())), bundle.measures[m].measure) for m in bundle.measures}

    old, new = signature(before), signature(after)
    changed = {m for m in old.keys() | new.keys() if old.get(m) != new.get(m)}
    pairs: set[tuple[str, str | None]] = set()
    for bundle in (before, after):
        for rule in bundle.rules:
            if rule.measure_id in changed:
                for scenario in rule.scenarios:
                    pairs.update((scenario, role) for role in (rule.roles or {None}))
    return sorted(pairs, key=lambda p: (p[0], p[1] or ""))


def plan(library: Library, candidate: RulesetFile, as_of: date) -> list[JurisdictionPlan]:
    """For each jurisdiction whose bundle the candidate changes: both bundles and the pairs to evaluate.

    A candidate that sits in the library's own folder (the layout rulesets/README.md suggests
    for a new version) is compared with the library without it.
    """
    library = library.without(candidate.path)
    proposed = library.with_file(candidate)
    plans = []
    for jurisdiction in library.jurisdictions:
        if candidate.ruleset.ruleset.jurisdiction not in chain_of(jurisdiction):
            continue
        before, after = library.bundle(jurisdiction, as_of), proposed.bundle(jurisdiction, as_of)
        if before.hash == after.hash:
            continue
        pairs = _changed_pairs(compile_bundle(before), compile_bundle(after))
        if pairs:
            plans.append(JurisdictionPlan(jurisdiction, before, after, pairs))
    return plans


def impact_job(plans: list[JurisdictionPlan], as_of: date) -> tuple[BulkJob, tuple[Slot, ...]]:
    """Two tasks per (jurisdiction, scenario, role), current then candidate, and the slot each pair fills."""
    tasks: list[tuple[Bundle, CheckContext]] = []
    slots: list[Slot] = []
    for item in plans:
        for scenario, role in item.pairs:
            context = CheckContext(scenario, as_of, role, item.jurisdiction)
            tasks += [(item.current, context), (item.candidate, context)]
            slots.append((scenario, role, item.jurisdiction))
    return BulkJob.of(tasks), tuple(slots)


def preview(
    library: Library,
    candidate: RulesetFile,
    runner: BulkRunner,
    as_of: date,
    *,
    sample: int | None = None,
    recent_decisions: Sequence[dict[str, Any]] = (),
    page_size: int = 2000,
) -> ImpactReport:
    """Evaluate every subject of ``runner`` (or a seeded sample) under the current and the candidate rules.

    Raises ``InvalidCandidate`` first if the candidate does not pass ``jrp rulesets validate``.
    """
    judgement = judge(library, candidate, as_of)
    if judgement.errors:
        raise InvalidCandidate(judgement)
    started = time.perf_counter()
    plans = plan(library, candidate, as_of)
    report = ImpactReport(f"{candidate.ruleset.ruleset.id}@{candidate.ruleset.ruleset.version}", as_of,
                          [(p.jurisdiction, len(p.pairs)) for p in plans])
    report.reason_code, report.reason = _nothing_to_evaluate(candidate, as_of, plans)
    if plans:
        job, slots = impact_job(plans, as_of)
        selection = None if sample is None else _reservoir(runner.subject_ids(page_size), sample)
        report.counts = runner.run(job, partial(ImpactTally, slots), selection).tally
    if plans and not report.counts.subjects:
        report.reason_code = "no_subjects"
        report.reason = "the store holds no subjects: import some (jrp import) or point --database-url at the store"
    _replay_recent(library.without(candidate.path).with_file(candidate), recent_decisions, report)
    report.seconds = time.perf_counter() - started
    return report


def _nothing_to_evaluate(candidate: RulesetFile, as_of: date, plans: list[JurisdictionPlan]) -> tuple[str, str]:
    """Why the preview evaluates no subject, as a code and a sentence (empty when it evaluates some)."""
    header = candidate.ruleset.ruleset
    if not candidate.in_force(as_of):
        window = f"from {header.effective_from}" + (f" to {header.effective_to}" if header.effective_to else "")
        return "not_in_force", (f"{header.id}@{header.version} is not in force on {as_of} (it applies {window}): "
                                f"compare on a date it is in force, e.g. --as-of {header.effective_from}")
    if not plans:
        return "no_change", (f"{header.id}@{header.version} changes no rule in force on {as_of} against the version "
                             "it replaces: no check could come out differently")
    return "", ""


def _reservoir(pages: Iterator[list[str]], size: int) -> list[str]:
    """A uniform, seeded sample of ``size`` subject ids (reservoir sampling over the id pages)."""
    rng, chosen, seen = random.Random(0), [], 0
    for page in pages:
        for subject_id in page:
            seen += 1
            if len(chosen) < size:
                chosen.append(subject_id)
            elif (slot := rng.randrange(seen)) < size:
                chosen[slot] = subject_id
    return sorted(chosen)


def _replay_recent(proposed: Library, decisions: Sequence[dict[str, Any]], report: ImpactReport) -> None:
    """Recent decisions re-evaluated on their stored facts under the candidate rules."""
    engines: dict[str, Engine] = {}
    for entry in decisions:
        request = entry["request"]
        as_of = date.fromisoformat(request["as_of"])
        bundle = proposed.bundle(request["jurisdiction"], as_of)
        engine = engines.get(bundle.hash) or engines.setdefault(bundle.hash, Engine(compile_bundle(bundle)))
        context = CheckContext(request["scenario"], as_of, request.get("role"), request["jurisdiction"])
        replayed = decision_to_json(engine.check(facts_from_json(entry["facts"]), context))
        differences = compare(entry["result"], replayed)
        report.decisions_checked += 1
        if differences:
            report.decisions_changed.append((entry["decision_id"], differences))
