"""The bundled rulesets: valid, and every YAML test case beside them passes on every backend."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jrp.engine.compile import compile_bundle
from jrp.measures_catalog.legal_texts import find_legal_texts
from jrp.rulesets.date_checks import boundary_dates
from jrp.rulesets.library import Library
from jrp.rulesets.loader import Level
from jrp.rulesets.validate import validate
from jrp.tester import Engines, coverage_of, facts_of, iter_cases, run_tests

LIBRARY = Library.load()
CASES = list(iter_cases(LIBRARY))
ENGINES = {backend: Engines(LIBRARY, backend) for backend in ("indexed", "durable")}


def test_bundled_rulesets_validate_without_errors():
    errors = [str(p) for p in validate(LIBRARY, find_legal_texts()) if p.level is Level.error]
    assert errors == []


def test_quoted_citations_are_checked_against_the_legal_texts():
    assert find_legal_texts() is not None, "the legal texts (../shared/legal) must be beside the checkout"


@pytest.mark.parametrize("backend", sorted(ENGINES))
@pytest.mark.parametrize(("ruleset_id", "case", "path", "line"), CASES,
                         ids=[f"{c[0]}:{c[3]}" for c in CASES])
def test_yaml_case(backend, ruleset_id, case, path, line):
    engine, context = ENGINES[backend].for_case(ruleset_id, case)
    decision = engine.check(facts_of(case), context, with_supervision=True)
    assert decision.outcome.value == case.expect.outcome, f"{path}:{line} {case.name}"
    assert {m.measure_id for m in decision.measures} == set(case.expect.measures)
    assert {m.measure_id for m in decision.measures if not m.applies} == set(case.expect.needs_review)
    assert {m.measure_id for m in decision.incentives} == set(case.expect.incentives)
    if case.expect.supervision_class:
        assert decision.supervision.supervision_class == case.expect.supervision_class


def test_every_measure_has_a_firing_and_a_non_firing_case():
    measures = {m.id for f in LIBRARY.live_files for m in f.ruleset.measures}
    assert coverage_of(run_tests(LIBRARY)).uncovered(measures) == []


def test_every_jurisdiction_compiles_on_every_boundary_date():
    """Exhaustive over the dates a bundle can change: from the first version to a day after the last boundary."""
    for jurisdiction in LIBRARY.jurisdictions:
        days = boundary_dates(LIBRARY, jurisdiction)
        for day in (*days, days[-1] + timedelta(days=1)):
            bundle = LIBRARY.bundle(jurisdiction, day)
            if bundle.rulesets:
                compile_bundle(bundle)  # raises CompileError naming what is missing


def test_withdrawn_versions_are_never_selected_but_stay_readable():
    assert LIBRARY.replaced, "the bundled library holds corrected editions"
    for jurisdiction in LIBRARY.jurisdictions:
        for day in boundary_dates(LIBRARY, jurisdiction):
            refs = set(LIBRARY.bundle(jurisdiction, day).refs)
            assert not refs & LIBRARY.replaced, (jurisdiction, day)
    for ref in LIBRARY.replaced:
        assert LIBRARY.get(ref).ruleset.ruleset.version == ref.version  # replay and diff can still read them


def test_bundles_hold_only_rulesets_in_force_on_their_date():
    for day in (date(2023, 6, 1), date(2025, 12, 31), date(2026, 3, 31), date(2026, 4, 1), date(2027, 1, 1)):
        for jurisdiction in LIBRARY.jurisdictions:
            for file in LIBRARY.in_force(jurisdiction, day):
                header = file.ruleset.ruleset
                assert header.effective_from <= day and (header.effective_to is None or day <= header.effective_to)

