"""Who a check is about: the kinds of credit subject and the roles that link persons to organisations."""

from __future__ import annotations

from enum import StrEnum


class SubjectType(StrEnum):
    """The four kinds of credit subject (信用主体)."""

    legal_person = "legal_person"
    non_legal_person_org = "non_legal_person_org"
    individual_business = "individual_business"
    natural_person = "natural_person"


class RelatedRole(StrEnum):
    legal_representative = "legal_representative"
    principal = "principal"
    directly_responsible_person = "directly_responsible_person"
    actual_controller = "actual_controller"
    major_shareholder = "major_shareholder"
