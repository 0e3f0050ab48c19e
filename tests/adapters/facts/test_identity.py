from datetime import date

import pytest
from stdnum.cn import ric

from jrp.adapters.facts.demo import make_resident_id, make_uscc
from jrp.adapters.facts.identity import (
    InvalidIdentifier,
    birth_date_of,
    fits_mask,
    holds_resident_id,
    is_masked_resident_id,
    mask_resident_id,
    mask_resident_ids,
    review_key,
    subject_type_of,
    validate_resident_id,
    validate_subject_id,
    validate_uscc,
)
from jrp.vocabulary.subjects import SubjectType

USCC = make_uscc("320500", "ABCD1234")
RID = make_resident_id("320500", date(1990, 1, 1), 123)


def test_valid_codes_pass_and_are_compacted():
    assert validate_uscc(f" {USCC[:9]}-{USCC[9:].lower()} ") == USCC
    assert validate_resident_id(RID.lower()) == RID
    assert validate_subject_id(USCC) == USCC and validate_subject_id(RID) == RID


@pytest.mark.parametrize(("value", "reason"), [
    (USCC[:-1], "length 17, expected 18"),
    (USCC[:10] + "I" + USCC[11:], "invalid characters"),
    (USCC[:-1] + ("0" if USCC[-1] != "0" else "1"), "checksum"),
])
def test_invalid_uscc_names_field_reason_and_fix(value, reason):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_uscc(value, "统一社会信用代码")
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.field == "统一社会信用代码" and reason in error.reason and error.fix
    assert str(error).startswith("统一社会信用代码: ")


@pytest.mark.parametrize(("value", "reason"), [
    (RID[:-2], "length 16, expected 18"),
    (RID[:5] + "A" + RID[6:], "invalid characters"),
    ("32050019900230123" + ric.calc_check_digit("320500199002301230"), "birth date"),
    ("32058319441201327" + ric.calc_check_digit("320583194412013270"), "area code '320583' was no county in 1944"),
    (RID[:-1] + ("0" if RID[-1] != "0" else "1"), "checksum"),
])
def test_invalid_resident_id_names_reason(value, reason):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_resident_id(value)
    assert reason in caught.value.reason and caught.value.fix


def test_subject_id_picks_the_kind_for_the_message():
    with pytest.raises(InvalidIdentifier, match="ISO 7064"):
        validate_subject_id(RID[:-1] + ("0" if RID[-1] != "0" else "1"))
    with pytest.raises(InvalidIdentifier, match="GB 32100"):
        validate_subject_id(USCC[:-1] + ("0" if USCC[-1] != "0" else "1"))


def test_masked_ids_only_where_allowed():
    masked = RID[:4] + "*" * 10 + RID[-4:]
    assert is_masked_resident_id(masked)
    assert validate_subject_id(masked, allow_masked=True) == masked
    with pytest.raises(InvalidIdentifier, match="identifies nobody"):
        validate_subject_id(masked)
    assert fits_mask(masked, RID) and not fits_mask(masked, make_resident_id("320500", date(1990, 1, 1), 124))
    assert review_key(masked, "张三") == review_key(RID, "张三 ")


def test_subject_type_birth_date_and_masking():
    assert subject_type_of(RID) is SubjectType.natural_person
    assert subject_type_of(USCC) is SubjectType.legal_person
    assert subject_type_of(make_uscc("320500", "ABCD1235", kind="92")) is SubjectType.individual_business
    assert birth_date_of(RID) == date(1990, 1, 1)
    assert mask_resident_id(RID) == RID[:6] + "********" + RID[-4:]
    assert mask_resident_id(USCC) == USCC


def test_resident_ids_in_free_text_are_found_and_masked_whatever_their_check_digit():
    mistyped = RID[:-1] + ("0" if RID[-1] != "0" else "1")
    for text in (f"核查 {RID} 的投标", f"file:{mistyped}", RID.lower(), f"/v1/subjects/{RID}/supervision"):
        assert holds_resident_id(text) and RID[6:14] not in mask_resident_ids(text)
    for text in ("bid 2025000000000000001", "NT-2025-001", "0" * 17, USCC):  # 19 digits, short, a USCC
        assert not holds_resident_id(text) and mask_resident_ids(text) == text


def test_a_mistyped_resident_id_that_is_a_valid_uscc_needs_its_type():
    ambiguous = "320502197803198671"
    with pytest.raises(InvalidIdentifier, match="state the subject's type"):
        validate_subject_id(ambiguous)
    with pytest.raises(InvalidIdentifier, match="state the subject's type"):
        validate_subject_id(ambiguous, stated_type=SubjectType.natural_person)
    assert validate_subject_id(ambiguous, stated_type=SubjectType.legal_person) == ambiguous
