"""Subject identifiers: unified social credit codes (GB 32100) and resident ID numbers (GB 11643).

Validation uses python-stdnum; every failure raises :class:`InvalidIdentifier`, which
names the field, the reason (length, characters, birth date, checksum) and how to fix
it, so that a rejected import row can be corrected without reading code.

Courts publish natural persons' ID numbers masked (``3205**********1234``). A masked
number identifies nobody with certainty: it is accepted only as a *possible match*
(see :func:`is_masked_resident_id` and :func:`review_key`).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from jrp.vocabulary.subjects import SubjectType

MASK_CHAR = "*"
ERASED_ID = re.compile(r"^pd:id:[0-9a-f]{32}$")
"""A natural person's identifier after erasure (``jrp.adapters.facts.erasure``): the log's keyed pseudonym."""
_MASKED = re.compile(r"^(\d{4,})(\*+)(\d{3,}[\dX])$")
_USCC_FIX = "a USCC has 18 characters: 8 digits, then digits or capital letters except I, O, Z, S, V"
_RIC_FIX = "a resident ID has 17 digits and a final digit or X"


class InvalidIdentifier(ValueError):
    """An identifier failed validation; ``field`` and ``reason`` say where and why."""

    def __init__(self, field: str, reason: str, fix: str = ""):
        self.field = field
        self.reason = reason
        self.fix = fix
        message = f"{field}: {reason}"
        super().__init__(f"{message}; {fix}" if fix else message)


def _compact(value: str) -> str:
    return value.replace(" ", "").replace("-", "").strip().upper()


def validate_uscc(value: str, field: str = "uscc") -> str:
    """The compact, valid USCC, or :class:`InvalidIdentifier`."""
    code = _compact(value)
    try:
        return uscc.validate(code)
    except stdnum_errors.InvalidLength:
        raise InvalidIdentifier(field, f"length {len(code)}, expected 18", _USCC_FIX) from None
    except stdnum_errors.InvalidFormat:
        raise InvalidIdentifier(field, f"invalid characters in {code!r}", _USCC_FIX) from None
    except stdnum_errors.InvalidChecksum:
        expected = uscc.calc_check_digit(code[:17])
        raise InvalidIdentifier(
            field, f"checksum: last character is {code[-1]!r}, the code computes {expected!r}",
            "check the code for a mistyped character (the check digit is GB 32100 mod 31)",
        ) from None


def validate_resident_id(value: str, field: str = "resident_id") -> str:
    """The compact, valid resident ID number, or :class:`InvalidIdentifier`."""
    number = _compact(value)
    try:
        return ric.validate(number)
    except stdnum_errors.InvalidLength:
        raise InvalidIdentifier(field, f"length {len(number)}, expected 18", _RIC_FIX) from None
    except stdnum_errors.InvalidFormat:
        raise InvalidIdentifier(field, f"invalid characters in {mask_resident_id(number)}", _RIC_FIX) from None
    except stdnum_errors.InvalidComponent:
        raise _bad_component(number, field) from None
    except stdnum_errors.InvalidChecksum:
        raise InvalidIdentifier(
            field, f"checksum: last character of {mask_resident_id(number)} does not match",
            "check the number for a mistyped digit (the check digit is ISO 7064 MOD 11-2)",
        ) from None


def _bad_component(number: str, field: str) -> InvalidIdentifier:
    """The birth date is no date, or the area code was no county in the birth year (stdnum says only "invalid")."""
    try:
        born = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        return InvalidIdentifier(field, f"birth date {number[6:14]!r} is not a valid date",
                                 "digits 7–14 are the birth date YYYYMMDD")
    return InvalidIdentifier(field, f"area code {number[:6]!r} was no county in {born.year}",
                             "digits 1–6 are the place of registration at birth; check them")


def is_masked_resident_id(value: str) -> bool:
    """Whether ``value`` is an 18-character resident ID with its middle digits masked."""
    return len(value) == 18 and _MASKED.match(value.upper()) is not None


def is_erased_id(value: str) -> bool:
    """Whether ``value`` is an erased person's pseudonym (never accepted from a sender: see ``allow_erased``)."""
    return value.startswith("pd:id:") and ERASED_ID.match(value) is not None


@lru_cache(maxsize=65_536)
def validate_subject_id(value: str, field: str = "subject.id", *, allow_masked: bool = False,
                        stated_type: SubjectType | None = None, allow_erased: bool = False) -> str:
    """A valid USCC or resident ID (or, with ``allow_masked``, a masked resident ID).

    The kind is chosen from the shape (17 digits with a birth date → resident ID,
    otherwise USCC), so the error speaks about the identifier the caller meant. A number
    of that shape whose resident-ID check digit is wrong but which is a valid USCC is
    ambiguous: most likely a mistyped resident ID, which would be stored as a legal person;
    it passes only when ``stated_type`` says it is an organisation. Cached: imports see the
    same subjects over and over, and stdnum's checks are the slowest step of an import. ``allow_erased``
    accepts an erased person's pseudonym: for replaying the stored history, never for what a sender sends.
    """
    if allow_erased and is_erased_id(value):
        return value
    code = _compact(value)
    if allow_masked and is_masked_resident_id(code):
        return code
    if MASK_CHAR in code:
        raise InvalidIdentifier(
            field, f"masked number {code!r} identifies nobody with certainty",
            "send the full number, or import it through a profile that keeps masked IDs as possible matches",
        )
    if len(code) == 18 and code[:17].isdigit() and code[6:8] in ("19", "20"):
        try:
            return validate_resident_id(code, field)
        except InvalidIdentifier as error:
            if not uscc.is_valid(code):
                raise
            if stated_type is not None and stated_type is not SubjectType.natural_person:
                return code
            raise InvalidIdentifier(
                field, f"{error.reason}; the same 18 characters are also a valid USCC",
                "if it is a person's resident ID, correct the mistyped digit; if it is an organisation's USCC, "
                "state the subject's type (legal_person, non_legal_person_org or individual_business)") from None
    return validate_uscc(code, field)


def subject_id_to_read(value: str, field: str) -> str:
    """An identifier a reader looks up: as :func:`validate_subject_id`, but a code that is a valid USCC and no valid
    resident ID is read as the USCC (only an organisation, its type stated, can have been stored under it)."""
    return validate_subject_id(value, field, stated_type=SubjectType.legal_person)


@lru_cache(maxsize=65_536)  # pure, and the same bidders are checked again and again
def subject_type_of(subject_id: str) -> SubjectType:
    """A best guess of the subject type from the identifier alone.

    Resident IDs are natural persons. For USCCs, the registration-authority and
    entity-type digits are read: ``92`` is an individual business (个体工商户), ``x9`` is
    "other" under its authority (treated as a non-legal-person organisation), the rest
    legal persons. Callers who know better should send ``subject.type``.
    """
    code = _compact(subject_id)
    if is_masked_resident_id(code) or is_erased_id(subject_id) or ric.is_valid(code):
        return SubjectType.natural_person
    if code[:2] == "92":
        return SubjectType.individual_business
    if code[1:2] == "9":
        return SubjectType.non_legal_person_org
    return SubjectType.legal_person


@lru_cache(maxsize=65_536)
def birth_date_of(resident_id: str) -> date:
    """The birth date encoded in a valid resident ID (digits 7–14)."""
    return ric.get_birth_date(validate_resident_id(resident_id))


RESIDENT_ID_SHAPE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
"""18 characters shaped as a resident ID (17 digits, then a digit or X), checksum right or not, inside any text."""


def holds_resident_id(text: str) -> bool:
    """Whether free text holds something shaped like a resident ID (a mistyped one is personal data too)."""
    return RESIDENT_ID_SHAPE.search(text) is not None


def mask_resident_ids(text: str) -> str:
    """``text`` with every resident-ID-shaped run masked as :func:`mask_resident_id` does."""
    return RESIDENT_ID_SHAPE.sub(lambda match: mask_resident_id(match.group().upper()), text)


def mask_resident_id(value: str) -> str:
    """``320502********1234``: first 6 and last 4 characters kept, for logs and non-entitled callers.

    Anything that is not a resident ID (a USCC is public) is returned unchanged.
    """
    if len(value) != 18 or not value[:17].isdigit():
        return value
    return value[:6] + MASK_CHAR * 8 + value[-4:]


def mask_name(name: str) -> str:
    """``王**``: a natural person's name as roles without the right to see it are shown it (the first character)."""
    return name[:1] + MASK_CHAR * max(len(name) - 1, 1) if name else ""


def review_key(masked_or_full: str, name: str) -> str:
    """Index key joining a masked ID to the full IDs it may stand for.

    Every masked shape the courts publish keeps at least the first 4 and last 4
    characters, so ``first 4 + last 4 + name`` is common to the masked number and the
    full one; :func:`fits_mask` then compares every visible character.
    """
    code = masked_or_full.upper()
    return f"{code[:4]}{code[-4:]}|{name.strip()}"


def fits_mask(masked: str, full: str) -> bool:
    """Whether a full resident ID agrees with every visible character of a masked one."""
    return len(masked) == len(full) and all(m == MASK_CHAR or m == f for m, f in zip(masked.upper(), full.upper()))
