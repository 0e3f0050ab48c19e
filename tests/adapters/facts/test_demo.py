"""The demo generator: deterministic, valid identifiers, the vocabulary it is given, streaming."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace

import pytest
from stdnum.cn import ric, uscc

from jrp.adapters.facts.demo import DEFAULT_VOCABULARY, DEMO_SUBJECTS, generate, make_uscc
from jrp.adapters.facts.events import EVENT_TYPES, parse_event
from jrp.adapters.facts.ingest import ingest
from jrp.adapters.facts.source import FactsStore


def test_deterministic_and_seed_dependent():
    assert list(generate(5, 40, 3)) == list(generate(5, 40, 3))
    assert list(generate(5, 40, 3)) != list(generate(6, 40, 3))


def test_valid_unique_identifiers_and_every_event_type_parses():
    events = list(generate(1, 400, 6))
    ids = {e["subject"]["id"] for e in events if e["type"] == "subject_registered"}
    assert len(ids) == 400 + len(DEMO_SUBJECTS)
    assert all(ric.is_valid(i) or uscc.is_valid(i) for i in ids)
    assert all(i.startswith(("3205", "3206")) or i[2:6] in ("3205", "3206") for i in ids)
    assert set(Counter(e["type"] for e in events)) == set(EVENT_TYPES) - {"relation_ended"}
    for e in events:
        parse_event(e)
    with pytest.raises(ValueError, match="other than I, O, Z, S, V"):
        make_uscc("320500", "SOMEBODY")


def test_uses_the_given_vocabulary():
    vocabulary = replace(DEFAULT_VOCABULARY, list_ids={"serious": ["s-x"], "key_attention": ["k-x"],
                                                       "incentive": ["i-x"]}, penalty_domains=["d-x"])
    events = list(generate(2, 200, 5, vocabulary))
    lists = {e["list_id"] for e in events if e["type"] == "list_entry_added"}
    assert lists == {"s-x", "k-x", "i-x"}
    assert {e["domain"] for e in events if e["type"] == "penalty_issued"} == {"d-x"}


def test_streams_lazily():
    head = list(itertools.islice(generate(1, 10**9, 10), 50))  # would never finish if materialised
    assert len(head) == 50


def test_fixed_tour_subjects(engine):
    assert ingest(engine, list(generate(1, 0, 0))).rejected == 0
    store = FactsStore(engine)
    person = store.load(DEMO_SUBJECTS["legal_representative"].subject_id)
    (party,) = person.related
    assert party.subject.subject_id == DEMO_SUBJECTS["debtor_supplier"].subject_id
    assert party.role == "legal_representative"
    assert [r.list_id for r in party.records] == ["dishonest-judgment-debtors", "consumption-restriction-order"]
    assert store.load(DEMO_SUBJECTS["clean_supplier"].subject_id).records == ()
    grades = {(r.scheme, r.grade) for r in store.load(DEMO_SUBJECTS["a_level_taxpayer"].subject_id).records}
    assert ("tax-credit", "A") in grades
