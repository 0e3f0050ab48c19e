"""The legal basis an answer shows is the basis of its case: the articles of the record's ground and of the list that
triggered the measure, not every article the measure can rest on (LEGAL-REVIEW 2026-12-07, item 11)."""

from __future__ import annotations

from datetime import date

import pytest

from jrp.engine.compile import compile_bundle
from jrp.engine.evaluate import Engine
from jrp.engine.facts import Application, CheckContext, Record, Subject, SubjectFacts
from jrp.rulesets.library import Library
from jrp.vocabulary.records import RecordType
from jrp.vocabulary.scope import ProjectType
from jrp.vocabulary.subjects import SubjectType

AS_OF = date(2025, 6, 1)


@pytest.fixture(scope="module")
def library() -> Library:
    return Library.load()


def _articles(library: Library, jurisdiction: str, scenario: str, role: str, record: Record,
              application: Application = Application()) -> dict[str, set[str]]:
    engine = Engine(compile_bundle(library.bundle(jurisdiction, AS_OF)))
    facts = SubjectFacts(Subject("s", SubjectType.legal_person), (record,))
    decision = engine.check(facts, CheckContext(scenario, AS_OF, role, jurisdiction, application))
    return {m.measure_id: {f"{c.instrument_id} {c.article}" for c in m.legal_basis} for m in decision.measures}


def _listed(list_id: str, ground: str | None = None) -> Record:
    return Record("r", "s", RecordType.list_entry, date(2025, 1, 10), list_id=list_id, ground=ground)


@pytest.mark.parametrize(("ground", "article"), [("bl-53", "第53条"), ("bl-54", "第54条第2款"), ("bl-60", "第60条第2款")])
def test_a_bidding_disqualification_shows_the_article_of_its_ground(library, ground, article):
    shown = _articles(library, "CN", "bidding", "bidder", _listed("bidding-disqualified", ground),
                      Application(tender_required=True))
    assert shown["bidding-disqualification"] == {f"bidding-law {article}"}


def test_a_disqualification_that_does_not_state_its_ground_shows_every_ground(library):
    shown = _articles(library, "CN", "bidding", "bidder", _listed("bidding-disqualified"), Application(tender_required=True))
    assert shown["bidding-disqualification"] == {"bidding-law 第53条", "bidding-law 第54条第2款", "bidding-law 第60条第2款"}


@pytest.mark.parametrize(("role", "ground", "article"), [
    ("supplier", "gpl-77", "gov-procurement-law 第77条第1款"),
    ("procurement_agency", "gpl-78", "gov-procurement-law 第78条"),
    ("evaluation_expert", "gpr-75", "gov-procurement-regulation 第75条第1款"),
])
def test_the_nantong_ban_shows_the_plan_and_the_article_of_the_role_it_bars(library, role, ground, article):
    shown = _articles(library, "CN-JS-NT", "government_procurement", role, _listed("nt-gp-serious-dishonest", ground))
    assert shown["nt-gp-ban"] == {"nantong-14th-fyp-credit-plan 专栏2", article}


def test_a_debtors_construction_bidding_review_cites_the_debtors_basis_not_order_44(library):
    shown = _articles(library, "CN-JS-NT", "bidding", "bidder", _listed("dishonest-judgment-debtors"),
                      Application(project_type=ProjectType.construction))
    assert shown["nt-construction-bidding-review"] == {"nantong-14th-fyp-credit-plan 专栏2",
                                                       "spc-dishonest-debtors-2017 第8条第1款"}
