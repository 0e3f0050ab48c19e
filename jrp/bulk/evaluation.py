"""The one evaluation loop of bulk work, run in-process and on Spark executors alike.

A ``BulkJob`` carries the content of its bundles, not their compiled form nor a path to
a rulesets folder: wherever the loop runs, each bundle is rebuilt from that content,
its hash checked against the sender's, compiled once per process and evaluated with
the indexed evaluator. ``fold`` turns a stream of subject facts into a mergeable tally
(screening, impact), so a partition's tally and the whole store's are made by the same
code and merged the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from threading import Lock
from typing import Protocol, Self, TypeVar

from jrp.engine.compile import compile_bundle
from jrp.engine.evaluate import Engine
from jrp.engine.facts import CheckContext, SubjectFacts
from jrp.engine.types import Decision, Outcome
from jrp.rulesets.bundle import Bundle


class BundleMismatch(RuntimeError):
    """A bundle rebuilt from shipped content hashes differently: the two sides run different jrp versions."""


@dataclass(frozen=True)
class Task:
    """One evaluation asked of every subject: a bundle (by hash) and what the check asks."""

    bundle: str
    context: CheckContext


@dataclass(frozen=True)
class Verdict:
    """What bulk work keeps of a decision: the outcome and the ids of the measures that apply."""

    outcome: str
    measures: tuple[str, ...] = ()  # penalties (惩戒措施), sorted
    incentives: tuple[str, ...] = ()  # rewards (激励措施), sorted
    review: tuple[str, ...] = ()  # those of both a person must review before they apply, sorted

    @classmethod
    def of(cls, decision: Decision) -> Verdict:
        matched = (*decision.measures, *decision.incentives)
        return cls(decision.outcome.value, tuple(sorted({m.measure_id for m in decision.measures})),
                   tuple(sorted({m.measure_id for m in decision.incentives})),
                   tuple(sorted({m.measure_id for m in matched if not m.applies})))

    @property
    def hit(self) -> bool:
        """Whether anything applies: a measure, an incentive or an outcome other than allow."""
        return bool(self.measures or self.incentives) or self.outcome != Outcome.allow.value

    @property
    def all_measures(self) -> frozenset[str]:
        return frozenset(self.measures) | frozenset(self.incentives)


CLEAN = Verdict(Outcome.allow.value)
"""The verdict of a subject nothing applies to."""


@dataclass(frozen=True)
class SubjectVerdicts:
    """One subject's verdicts, one per task of the job, in the job's order."""

    subject_id: str
    facts_version: str
    verdicts: tuple[Verdict, ...]


@dataclass(frozen=True)
class BulkJob:
    """The bundles' content by hash and the tasks: everything an executor needs besides the facts."""

    bundles: Mapping[str, bytes]
    tasks: tuple[Task, ...]

    @classmethod
    def of(cls, tasks: Sequence[tuple[Bundle, CheckContext]]) -> BulkJob:
        """The job of ``tasks``; raises ``CompileError`` here, before any work is shipped, for a broken bundle."""
        job = cls({bundle.hash: bundle.content() for bundle, _ in tasks},
                  tuple(Task(bundle.hash, context) for bundle, context in tasks))
        for bundle_hash, content in job.bundles.items():
            engine_of(bundle_hash, content)
        return job


_engines: dict[str, Engine] = {}  # per process: a Spark Python worker is reused from task to task
_engines_lock = Lock()


def engine_of(bundle_hash: str, content: bytes) -> Engine:
    """The indexed engine of the bundle ``content`` (``Bundle.content()``) describes, compiled once per process
    and hash; built again with this process's schema, it must hash as on the driver."""
    engine = _engines.get(bundle_hash)
    if engine is None:
        shipped = Bundle.from_content(content)
        bundle = Bundle.build(shipped.jurisdiction, shipped.rulesets, shipped.instruments)
        if bundle.hash != bundle_hash:
            raise BundleMismatch(f"bundle {bundle_hash[:12]} rebuilt here hashes to {bundle.hash[:12]}: "
                                 "install the same jrp version on the driver and the executors")
        with _engines_lock:
            engine = _engines.setdefault(bundle_hash, Engine(compile_bundle(bundle), "indexed"))
    return engine


def evaluate_facts(job: BulkJob, facts: Iterable[SubjectFacts]) -> Iterator[SubjectVerdicts]:
    """Every subject of ``facts`` evaluated for every task of ``job``; nothing is logged."""
    engines = [(engine_of(task.bundle, job.bundles[task.bundle]), task.context) for task in job.tasks]
    for subject in facts:
        yield SubjectVerdicts(subject.subject.subject_id, subject.version,
                              tuple(Verdict.of(engine.check(subject, context)) for engine, context in engines))


class Tally(Protocol):
    """A partial result of bulk work: fed one subject at a time, merged with another part's."""

    def add(self, item: SubjectVerdicts) -> None: ...

    def merge(self, other: Self) -> Self: ...


T = TypeVar("T", bound=Tally)


def fold(job: BulkJob, new_tally: Callable[[], T], facts: Iterable[SubjectFacts]) -> T:
    """The tally of ``facts``: what each in-process run and each Spark partition computes."""
    tally = new_tally()
    for item in evaluate_facts(job, facts):
        tally.add(item)
    return tally
