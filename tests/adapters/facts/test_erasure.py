"""The form erasure overwrites an event with is the form the log hashes, for any event: pseudonymising is
idempotent (so an erased row hashes as it did), and a person's event keeps no identifier, name or source text."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from jrp.adapters.facts.demo import make_resident_id, make_uscc
from jrp.adapters.facts.erasure import pseudonymised_event
from jrp.adapters.log.crypto.personal_data import PersonalDataKey

PSEUDONYMS = PersonalDataKey.generate().pseudonymiser()
PERSONS = st.builds(lambda day, serial: make_resident_id("320500", date.fromordinal(day), serial),
                    st.integers(date(1950, 1, 1).toordinal(), date(2005, 12, 31).toordinal()),
                    st.integers(0, 999))
COMPANIES = st.sampled_from([make_uscc("320600", f"ERAE000{n}") for n in range(1, 4)])
NAMES = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40), min_size=2, max_size=4)
RAW = st.dictionaries(st.text(min_size=1, max_size=6), st.one_of(st.text(max_size=10), st.integers(), NAMES),
                      max_size=5)


@st.composite
def events(draw: st.DrawFn) -> tuple[dict, str | None, str]:
    person = draw(st.booleans())
    identifier = draw(PERSONS) if person else draw(COMPANIES)
    name = draw(NAMES)
    subject = {"id": identifier, "name": name}
    if draw(st.booleans()):
        subject["type"] = "natural_person" if person else "legal_person"
    named = draw(st.lists(PERSONS, max_size=2))
    payload = {"type": "penalty_issued", "idempotency_key": "k", "subject": subject, "persons": named,
               "source": {"authority": "局", "doc_no": "号"}, "raw": {**draw(RAW), "当事人": name, "证号": identifier}}
    return payload, identifier if person else None, name


@given(events())
def test_pseudonymising_an_event_is_idempotent_and_leaves_no_person_in_it(drawn: tuple[dict, str | None, str]) -> None:
    payload, person, name = drawn
    once = pseudonymised_event(payload, PSEUDONYMS)
    assert pseudonymised_event(once, PSEUDONYMS) == once
    text = json.dumps(once, ensure_ascii=False)
    for named in payload["persons"]:
        assert named not in text
    if person is not None:
        assert person not in text and name not in text
    else:
        assert once["subject"] == payload["subject"]  # an organisation's event keeps its public data
