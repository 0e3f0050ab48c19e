"""Runs the YAML test cases that sit beside each ruleset (``tests.yaml``), and evaluates check cases.

A case names facts, a scenario, a role and a date; it is evaluated with the bundle in
force for the ruleset's jurisdiction (or the case's own) on that date, and the outcome,
measures, incentives and supervision class are compared with the expectation.
``evaluate_cases`` does the same for the cases of any file (``jrp rulesets eval``), with
the expectation optional: nothing is stored or logged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jrp.engine.compile import CompiledBundle, compile_bundle
from jrp.engine.evaluate import Engine
from jrp.engine.facts import Application, CheckContext, Record, RelatedParty, Subject, SubjectFacts
from jrp.engine.types import CompiledRule, Decision, Trigger
from jrp.rulesets.library import Library
from jrp.rulesets.loader import Problem, RulesetError, parse_model, read_yaml
from jrp.rulesets.schema import EvalCase, EvalSuite, TestCase, TestRecord
from jrp.vocabulary.records import RecordType

RECORD_FIELDS = frozenset(Record.__dataclass_fields__)


@dataclass(frozen=True)
class CaseResult:
    ruleset_id: str
    case: TestCase
    file: Path
    line: int | None
    failures: tuple[str, ...]
    decision: Decision
    candidates: frozenset[str] = frozenset()

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else str(self.file)


RENAMED = {"type": "record_type", "list": "list_id", "id": "record_id"}


def _record(spec: TestRecord, subject_id: str, number: int) -> Record:
    """A test record as the engine's ``Record``: the same fields, three of them under shorter names."""
    fields = {RENAMED.get(name, name): value for name, value in spec if name in RENAMED or name in RECORD_FIELDS}
    fields["record_id"] = spec.id or f"{subject_id}-r{number}"
    return Record(subject_id=subject_id, **fields)


def facts_of(case: TestCase) -> SubjectFacts:
    """The subject facts a test case describes."""
    subject = Subject("test-subject", case.subject_type, "测试主体", case.birth_date)
    related = tuple(
        RelatedParty(
            Subject(f"related-{n}", item.subject_type, f"关联主体{n}"),
            item.role.value,
            tuple(_record(spec, f"related-{n}", k) for k, spec in enumerate(item.records)),
        )
        for n, item in enumerate(case.related)
    )
    records = tuple(_record(spec, subject.subject_id, n) for n, spec in enumerate(case.records))
    return SubjectFacts(subject, records, related)


def _failures(case: TestCase | EvalCase, decision: Decision) -> tuple[str, ...]:
    expect = case.expect
    if expect is None:
        return ()
    failures = []
    if decision.outcome.value != expect.outcome:
        failures.append(f"outcome: expected {expect.outcome}, got {decision.outcome.value}")
    for label, wanted, got in (
        ("measures", expect.measures, decision.measures),
        ("measures needing review", expect.needs_review, [m for m in decision.measures if m.review_reasons]),
        ("incentives", expect.incentives, decision.incentives),
    ):
        got_ids = {m.measure_id for m in got}
        if set(wanted) != got_ids:
            failures.append(
                f"{label}: missing {sorted(set(wanted) - got_ids)}, unexpected {sorted(got_ids - set(wanted))}"
            )
    if expect.supervision_class and decision.supervision.supervision_class != expect.supervision_class:
        failures.append(
            f"supervision class: expected {expect.supervision_class}, got {decision.supervision.supervision_class}"
        )
    return tuple(failures)


@dataclass
class TestRun:
    results: list[CaseResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # tests files or cases that could not be run

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]


class Engines:
    """Compiled engines by bundle hash, so a suite compiles each bundle once."""

    def __init__(self, library: Library, backend: str):
        self.library, self.backend = library, backend
        self._by_hash: dict[str, Engine] = {}

    def for_case(self, ruleset_id: str, case: TestCase) -> tuple[Engine, CheckContext]:
        """A test case of ``ruleset_id``: in the case's jurisdiction, else the ruleset's."""
        jurisdiction = case.jurisdiction or self.library.versions(ruleset_id)[0].ruleset.ruleset.jurisdiction
        return self.in_jurisdiction(case, jurisdiction)

    def in_jurisdiction(self, case: TestCase | EvalCase, jurisdiction: str) -> tuple[Engine, CheckContext]:
        """The engine of the bundle in force in ``jurisdiction`` on the case's date, and the case's check context."""
        assert case.as_of is not None  # eval cases get their date before they are evaluated
        bundle = self.library.bundle(jurisdiction, case.as_of)
        engine = self._by_hash.get(bundle.hash)
        if engine is None:
            engine = self._by_hash[bundle.hash] = Engine(compile_bundle(bundle), self.backend)
        role = case.role.value if case.role else None
        application = Application.said_in(case)
        return engine, CheckContext(case.scenario.value, case.as_of, role, jurisdiction, application)


def iter_cases(library: Library, problems: list[Problem] | None = None
               ) -> Iterator[tuple[str, TestCase, Path, int | None]]:
    """Every case of every tests.yaml; a file that does not read raises, or with ``problems`` is reported there."""
    for ruleset_id in library.ruleset_ids:
        try:
            suite = library.tests_of(ruleset_id)
        except RulesetError as error:
            if problems is None:
                raise
            problems.extend(error.problems)
            continue
        if suite is None:
            continue
        tests, lines = suite
        for position, case in enumerate(tests.tests):
            yield ruleset_id, case, lines.file, lines.line_of(("tests", position))


def run_tests(library: Library, backend: str = "indexed") -> TestRun:
    """Evaluate every YAML test case of ``library``."""
    run, engines = TestRun(), Engines(library, backend)
    for ruleset_id, case, path, line in iter_cases(library, run.problems):
        try:
            engine, context = engines.for_case(ruleset_id, case)
        except KeyError as error:  # an unknown jurisdiction, the known ones named
            run.problems.append(Problem("unknown-jurisdiction", path, line, f"case {case.name!r}: {error.args[0]}"))
            continue
        decision = engine.check(facts_of(case), context, with_explanation=True, with_supervision=True)
        candidates = candidate_measures(case, engine.bundle)
        run.results.append(CaseResult(ruleset_id, case, path, line, _failures(case, decision), decision, candidates))
    return run


@dataclass(frozen=True)
class Evaluated:
    """One evaluated check case: the case as evaluated (its date and jurisdiction filled in), bundle and decision."""

    case: EvalCase
    jurisdiction: str
    bundle_hash: str
    rulesets: tuple[str, ...]  # id@version of the bundle, national level first
    decision: Decision
    failures: tuple[str, ...]  # against the case's expectation, if it states one


def read_cases(path: Path) -> list[EvalCase]:
    """The check cases of a YAML or JSON file: one case, or ``tests:`` with several (a tests.yaml)."""
    data, _lines = read_yaml(path)
    if isinstance(data, dict) and "tests" in data:
        return list(parse_model(EvalSuite, path)[0].tests)
    return [parse_model(EvalCase, path)[0]]


def evaluate_cases(library: Library, cases: list[EvalCase], *, today: date, backend: str = "indexed",
                   explain: bool = False) -> list[Evaluated]:
    """Evaluate each case with the bundle in force in its jurisdiction (else CN) on its date (else ``today``).

    An unknown jurisdiction is a ``KeyError`` naming the known ones, a date without rules ``NoRulesInForce``.
    """
    engines, results = Engines(library, backend), []
    for case in cases:
        case = case.model_copy(update={"as_of": case.as_of or today})
        where = case.jurisdiction or "CN"
        in_force = library.rules_in_force(where, case.as_of)
        engine, context = engines.in_jurisdiction(case, where)
        decision = engine.check(facts_of(case), context, with_explanation=explain, with_supervision=True)
        rulesets = tuple(f"{f.ref.id}@{f.ref.version}" for f in in_force)
        results.append(Evaluated(case, where, engine.bundle.hash, rulesets, decision, _failures(case, decision)))
    return results


def _touches(rule: CompiledRule, record: TestRecord) -> bool:
    """Whether ``record`` is the kind of fact ``rule`` reads (so the case tests that rule either way)."""
    if rule.trigger is Trigger.list:
        return record.type is RecordType.list_entry and (record.list in rule.keys or record.region is not None)
    if rule.trigger in (Trigger.penalty, Trigger.repeated_penalties):
        return record.type is RecordType.penalty and (not rule.keys or record.domain in rule.keys)
    if rule.trigger in (Trigger.commitment_breach, Trigger.commitments_kept):
        return record.type is RecordType.commitment
    return record.scheme in rule.keys


def candidate_measures(case: TestCase, bundle: CompiledBundle) -> frozenset[str]:
    """Measures whose rules read some record of the case: firing or not, the case exercises them."""
    records = [*case.records, *(r for related in case.related for r in related.records)]
    return frozenset(rule.measure_id for rule in bundle.rules if any(_touches(rule, r) for r in records))


@dataclass(frozen=True)
class Coverage:
    """Per measure: does some test make it fire, and some test that reads its trigger not?"""

    fires: dict[str, int]
    does_not_fire: dict[str, int]

    def uncovered(self, measure_ids: set[str]) -> list[str]:
        return sorted(m for m in measure_ids if not self.fires.get(m) or not self.does_not_fire.get(m))


def coverage_of(run: TestRun) -> Coverage:
    fires: dict[str, int] = {}
    silent: dict[str, int] = {}
    for result in run.results:
        fired = {m.measure_id for m in (*result.decision.measures, *result.decision.incentives)}
        for measure_id in fired:
            fires[measure_id] = fires.get(measure_id, 0) + 1
        for measure_id in result.candidates - fired:
            silent[measure_id] = silent.get(measure_id, 0) + 1
    return Coverage(fires, silent)

