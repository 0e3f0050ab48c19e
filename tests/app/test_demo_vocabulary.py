"""The demo data covers every list and scheme of the bundled rulesets, and the tour's subjects."""

from __future__ import annotations

from jrp.adapters.facts.demo import DEMO_SUBJECTS, generate
from jrp.demo_vocabulary import vocabulary_of
from jrp.rulesets.library import Library

LIBRARY = Library.load()


def test_every_list_and_scheme_of_the_bundled_rulesets_appears_in_the_demo_data():
    vocabulary = vocabulary_of(LIBRARY)
    events = list(generate(seed=1, n_subjects=3000, records_per_subject=3, vocabulary=vocabulary))
    used_lists = {e["list_id"] for e in events if e["type"] == "list_entry_added"}
    used_schemes = {e["scheme"] for e in events if "scheme" in e}
    defined_lists = {item.id for f in LIBRARY.files for item in f.ruleset.lists}
    assert defined_lists <= used_lists
    assert set(vocabulary.grade_schemes) | set(vocabulary.points_schemes) | set(vocabulary.score_schemes) <= used_schemes


def test_the_tour_debtor_is_a_listed_judgment_debtor_with_a_consumption_order():
    events = list(generate(seed=1, n_subjects=0, records_per_subject=0, vocabulary=vocabulary_of(LIBRARY)))
    debtor = DEMO_SUBJECTS["debtor_supplier"].subject_id
    lists = {e["list_id"] for e in events if e["type"] == "list_entry_added" and e["subject"]["id"] == debtor}
    assert lists == {"dishonest-judgment-debtors", "consumption-restriction-order"}
