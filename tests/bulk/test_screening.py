"""Screening in-process on SQLite and PostgreSQL: who falls under which measures, and what changed since last time."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from jrp.adapters.facts.ingest import ingest
from jrp.adapters.facts.source import FactsStore
from jrp.adapters.log.entries import decisions_t
from jrp.adapters.screenings import ScreeningStore
from jrp.bulk.runners import InProcessRunner
from jrp.bulk.screening import ScreeningKey, ScreeningReport, screen
from jrp.engine.compile import CompileError
from jrp.rulesets.library import Library
from tests.bulk.factory import CLEAN, LIFTED, NEWLY_LISTED, STILL_LISTED, STRANGER, add_subjects, lifting, listing

FIXTURE = Path(__file__).parents[1] / "rulesets" / "fixture"
PROCUREMENT = ScreeningKey("government_procurement", "supplier", "CN-JS-NT")
AS_OF = date(2025, 6, 1)


def _screen(engine: Engine, library: Library, key: ScreeningKey = PROCUREMENT, registry=None) -> ScreeningReport:
    return screen(library, key, AS_OF, InProcessRunner(FactsStore(engine), page_size=2), ScreeningStore(engine),
                  registry=registry)


def _hits(report: ScreeningReport) -> dict[str, tuple[str, frozenset[str]]]:
    return {h.subject_id: (h.outcome, frozenset(h.measures)) for h in report.hits}


def test_a_first_screening_finds_the_listed_subjects_and_has_nothing_to_compare(empty_store: Engine,
                                                                                library: Library) -> None:
    add_subjects(empty_store)
    report = _screen(empty_store, library)
    hits = _hits(report)
    assert set(hits) == {LIFTED, STILL_LISTED}
    outcome, measures = hits[LIFTED]
    assert outcome == "deny" and "gp-supplier-disqualified" in measures
    assert hits[STILL_LISTED] == hits[LIFTED]
    assert (report.previous, report.changes) == (None, [])
    assert report.run.subjects == 4 and report.run.hits == 2 and report.run.run_id is not None
    assert report.outcomes()["allow"] == 2
    with empty_store.connect() as connection:  # screening decides no case
        assert connection.execute(select(func.count()).select_from(decisions_t)).scalar_one() == 0


def test_the_next_screening_reports_gained_and_lost_measures_and_outcome_changes(empty_store: Engine,
                                                                                 library: Library) -> None:
    add_subjects(empty_store)
    first = _screen(empty_store, library)
    listed_measures = _hits(first)[LIFTED][1]
    report = ingest(empty_store, [
        listing(NEWLY_LISTED),
        lifting(LIFTED),
    ])
    assert report.rejected == 0
    second = _screen(empty_store, library)
    assert second.previous is not None and second.previous.run_id == first.run.run_id
    changes = {c.subject_id: c for c in second.changes}
    assert set(changes) == {LIFTED, NEWLY_LISTED}  # the subject listed all along did not change
    assert set(changes[NEWLY_LISTED].gained) == listed_measures and not changes[NEWLY_LISTED].lost
    assert set(changes[LIFTED].lost) == listed_measures and not changes[LIFTED].gained
    assert (changes[LIFTED].before.outcome, changes[LIFTED].after.outcome) == ("deny", "allow")
    assert second.outcome_shifts() == [{"before": "allow", "after": "deny", "subjects": 1},
                                       {"before": "deny", "after": "allow", "subjects": 1}]
    row = next(r for r in second.measures() if r["measure_id"] == "gp-supplier-disqualified")
    assert (row["subjects"], row["gained"], row["lost"]) == (2, 1, 1)
    third = _screen(empty_store, library)  # nothing changed since: compared with the second run
    assert third.previous.run_id == second.run.run_id and third.changes == []


def test_runs_are_compared_only_within_the_same_scenario_role_and_jurisdiction(empty_store: Engine,
                                                                              library: Library) -> None:
    add_subjects(empty_store)
    _screen(empty_store, library)
    for key in (ScreeningKey("government_procurement", "supplier", "CN-JS"),
                ScreeningKey("government_procurement", None, "CN-JS-NT"),
                ScreeningKey("bidding", "bidder", "CN-JS-NT")):
        assert _screen(empty_store, library, key).previous is None, key
    again = _screen(empty_store, library, ScreeningKey("government_procurement", None, "CN-JS-NT"))
    assert again.previous is not None and again.previous.role is None


def test_a_registry_screens_only_its_subjects_and_names_those_the_store_lacks(empty_store: Engine,
                                                                             library: Library) -> None:
    add_subjects(empty_store)
    _screen(empty_store, library)
    ingest(empty_store, [lifting(LIFTED)])
    report = _screen(empty_store, library, registry=sorted([CLEAN, LIFTED, STRANGER]))
    assert report.unknown == (STRANGER,) and report.run.unknown == 1
    assert report.run.subjects == 2 and report.run.population == "registry"
    # STILL_LISTED was hit last time but is not in the registry: not screened, so not "lost"
    assert [c.subject_id for c in report.changes] == [LIFTED]
    assert report.hits == []


def test_rules_that_do_not_form_a_complete_bundle_are_refused_before_anything_runs(tmp_path, empty_store: Engine) -> None:
    folder = tmp_path / "rulesets"
    shutil.copytree(FIXTURE, folder)
    (folder / "CN-JS" / "local").mkdir(parents=True)
    (folder / "CN-JS" / "local" / "1.yaml").write_text(BROKEN_CHILD, encoding="utf-8")
    add_subjects(empty_store)
    with pytest.raises(CompileError, match="no-such-list"):
        _screen(empty_store, Library.load(folder), ScreeningKey("government_procurement", "supplier", "CN-JS"))
    assert ScreeningStore(empty_store).latest("government_procurement", "supplier", "CN-JS") is None


BROKEN_CHILD = """\
ruleset:
  id: local
  title: {zh: 地方, en: Local}
  jurisdiction: CN-JS
  version: "1"
  effective_from: 2024-01-01
  sources: [gov-procurement-law]
rules:
  - id: reads-a-list-nobody-defines
    when: {list: no-such-list}
    measures: [banned-from-procurement]
    roles: [supplier]
"""
