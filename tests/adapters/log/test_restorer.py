"""Erased events read back through a decision's originals (``jrp.adapters.log.fact_references.Restorer``): exactly
the event erasure pseudonymised, and nothing that is not erasure's form."""

from __future__ import annotations

from datetime import date

import pytest

from jrp.adapters.facts.demo import make_resident_id, make_uscc
from jrp.adapters.facts.erasure import pseudonymised_event
from jrp.adapters.facts.events import EventError, parse_event
from jrp.adapters.log.crypto.personal_data import PersonalDataKey
from jrp.adapters.log.fact_references import Restorer

PSEUDONYMS = PersonalDataKey.generate().pseudonymiser()
PERSON = make_resident_id("320500", date(1971, 3, 9), 5)
EVENT = {"type": "relation_set", "idempotency_key": f"role-of-{PERSON}-2015", "occurred_on": "2015-06-01",
         "subject": {"id": PERSON, "name": "赵六"}, "organisation": {"id": make_uscc("320500", "RETR0001"), "name": "某公司"},
         "role": "legal_representative", "source": {"authority": "苏州市市场监督管理局", "doc_no": f"苏登〔{PERSON}〕1号"},
         "raw": {"法定代表人": "赵六", "证件号码": PERSON}}


def _originals() -> dict[str, str]:
    originals: dict[str, str] = {}
    PSEUDONYMS.protect({"subject_id": PERSON, "name": "赵六"}, originals)  # as a decision's facts seal them
    return originals


def test_an_erased_event_reads_back_as_the_event_it_was_but_for_its_source_row() -> None:
    erased = pseudonymised_event(EVENT, PSEUDONYMS)
    assert PERSON not in str(erased) and "赵六" not in str(erased)
    restore = Restorer(_originals(), PSEUDONYMS)
    restored = restore(erased)
    assert {name: value for name, value in restored.items() if name != "raw"} == \
        {name: value for name, value in EVENT.items() if name != "raw"}
    assert parse_event(restored, stored=True) == parse_event(EVENT).model_copy(update={"raw": restored["raw"]})
    assert not restore.unresolved and restore(erased["subject"]["id"]) == PERSON
    assert restore(EVENT) == EVENT  # an event never erased is read as it is


def test_pseudonyms_anywhere_else_than_erasure_writes_them_are_refused() -> None:
    erased = pseudonymised_event(EVENT, PSEUDONYMS)
    token = erased["subject"]["name"]
    for edited in ({**erased, "role": token},  # a pseudonym where erasure keeps the text
                   {**erased, "subject": {**erased["subject"], "name": "赵六"}}):  # an original left in an erased event
        with pytest.raises(EventError, match="not what erasure writes"):
            Restorer(_originals(), PSEUDONYMS)(edited)


def test_a_pseudonym_the_originals_do_not_hold_stays_and_is_said_to() -> None:
    restore = Restorer({}, PSEUDONYMS)
    erased = pseudonymised_event(EVENT, PSEUDONYMS)
    assert restore(erased) == erased and restore.unresolved
