"""What a check asks about: the business process (scenario) and the role the subject plays in it."""

from __future__ import annotations

from enum import StrEnum


class Scenario(StrEnum):
    """Business processes in which an approval system asks for a check."""

    government_procurement = "government_procurement"
    bidding = "bidding"
    administrative_licensing = "administrative_licensing"
    commitment_approval = "commitment_approval"
    fiscal_support = "fiscal_support"
    honours = "honours"
    state_land_transfer = "state_land_transfer"
    financing = "financing"
    market_access = "market_access"
    qualification = "qualification"
    civil_service_hiring = "civil_service_hiring"
    consumption = "consumption"
    travel = "travel"
    inspection = "inspection"
    public_services = "public_services"
    ip_support = "ip_support"
    tax_administration = "tax_administration"
    customs_clearance = "customs_clearance"
    exit_control = "exit_control"
    project_approval = "project_approval"
    insurance_pricing = "insurance_pricing"
    tax_incentives = "tax_incentives"
    cross_border_ecommerce = "cross_border_ecommerce"


class CheckRole(StrEnum):
    """The role the checked subject plays in the business process."""

    supplier = "supplier"
    procurement_agency = "procurement_agency"
    evaluation_expert = "evaluation_expert"
    bidder = "bidder"
    applicant = "applicant"
    land_bidder = "land_bidder"
    inspected_entity = "inspected_entity"
    consumer = "consumer"
