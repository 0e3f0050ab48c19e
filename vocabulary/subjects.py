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
    """The role a person holds in an organisation, as the legal texts name it (see ``ROLE_TERMS``)."""

    legal_representative = "legal_representative"
    principal = "principal"
    directly_responsible_person = "directly_responsible_person"
    actual_controller = "actual_controller"
    major_shareholder = "major_shareholder"
    relevant_staff = "relevant_staff"


ROLE_TERMS: dict[RelatedRole, tuple[str, ...]] = {
    RelatedRole.legal_representative: ("法定代表人",),
    RelatedRole.principal: ("主要负责人", "负责人"),
    RelatedRole.directly_responsible_person: ("直接负责的主管人员", "直接责任人员"),
    RelatedRole.actual_controller: ("实际控制人",),
    RelatedRole.major_shareholder: ("主要股东", "控股股东"),
    RelatedRole.relevant_staff: ("有关从业人员",),
}
"""The words a basis must use to reach each role: an extension is founded only where the quoted text names
the role in these words (安全生产法 art. 78's 有关从业人员 is not 直接责任人员)."""

NAMED_BY_DECISION = frozenset({RelatedRole.directly_responsible_person, RelatedRole.relevant_staff})
"""Roles only a decision can fill — who was directly responsible, or relevant staff, in that case: a person
reaches them only where the decision names that person (the record's ``persons``), never through a standing
relation alone (a relation recorded for one case would otherwise carry every later case to the person)."""
