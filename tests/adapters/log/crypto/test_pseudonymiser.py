"""The pseudonymiser's walk equals the plain recursive definition on any JSON, with the same originals.

The walk runs over every logged facts snapshot, so it is written for speed (scalars decided
in its loop); ``reference`` below is the definition it must keep: resident IDs wherever they
stand, a name and a birth date where they describe a natural person.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from jrp.adapters.log.crypto.personal_data import NATURAL_PERSON, PersonalDataKey, Pseudonymiser, is_resident_id

PERSON_ID = "32050019780315231X"
MASKED_ID = "320500********231X"
KEY = PersonalDataKey.generate()


def reference(walker: Pseudonymiser, value: Any, originals: dict[str, str]) -> Any:
    def replace(kind: str, text: str) -> str:
        token = walker.token(kind, text)
        originals[token] = text
        return token

    if isinstance(value, str):
        return replace("id", value) if is_resident_id(value) else value
    if isinstance(value, list):
        return [reference(walker, item, originals) for item in value]
    if not isinstance(value, dict):
        return value
    person = value.get("subject_type", value.get("type")) == NATURAL_PERSON or any(
        isinstance(value.get(name), str) and is_resident_id(value[name]) for name in ("subject_id", "id"))
    out = {}
    for name, item in value.items():
        if person and name == "name" and isinstance(item, str) and item:
            out[name] = replace("name", item)
        elif person and name == "birth_date" and isinstance(item, str):
            out[name] = replace("born", item)
        else:
            out[name] = reference(walker, item, originals)
    return out


keys = st.sampled_from(["id", "subject_id", "name", "birth_date", "type", "subject_type", "persons", "doc_no"])
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.sampled_from([PERSON_ID, MASKED_ID, "91320508MA1X000178", NATURAL_PERSON, "legal_person", "", "张三",
                     "1978-03-15"]),
    st.text(max_size=20),
)
people = st.fixed_dictionaries(  # objects that describe a natural person, by their id or their type
    {}, optional={"id": st.sampled_from([PERSON_ID, MASKED_ID]), "subject_type": st.just(NATURAL_PERSON),
                  "name": scalars, "birth_date": scalars}).filter(lambda person: len(person) > 1)
documents = st.recursive(st.one_of(scalars, people),
                         lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=6)),
                         max_leaves=30)


@given(documents)
def test_the_walk_equals_the_definition_with_the_same_originals(document: Any) -> None:
    walker = KEY.pseudonymiser()
    found, expected = {}, {}
    assert walker.protect(document, found) == reference(walker, document, expected)
    assert found == expected


def test_a_persons_fields_are_pseudonymised_and_an_organisations_name_is_kept() -> None:
    walker, originals = KEY.pseudonymiser(), {}
    protected = walker.protect({"subject": {"subject_id": PERSON_ID, "name": "张三", "birth_date": "1978-03-15"},
                                "related": [{"id": "91320508MA1X000178", "name": "苏州恒远机电设备有限公司"}]},
                               originals)
    assert protected["related"][0]["name"] == "苏州恒远机电设备有限公司"
    assert all(value.startswith("pd:") for value in protected["subject"].values())
    assert set(originals.values()) == {PERSON_ID, "张三", "1978-03-15"}
