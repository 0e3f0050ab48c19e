"""What a check asks about: the business process (scenario) and the role the subject plays in it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator


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
    officer_appointment = "officer_appointment"  # a person registered as an enterprise's legal representative or principal


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


SCENARIO_ROLES: dict[Scenario, tuple[CheckRole, ...]] = {
    Scenario.government_procurement: (CheckRole.supplier, CheckRole.procurement_agency, CheckRole.evaluation_expert),
    Scenario.bidding: (CheckRole.bidder,),
    Scenario.administrative_licensing: (CheckRole.applicant,),
    Scenario.commitment_approval: (CheckRole.applicant,),
    Scenario.fiscal_support: (CheckRole.applicant,),
    Scenario.honours: (CheckRole.applicant,),
    Scenario.state_land_transfer: (CheckRole.land_bidder,),
    Scenario.financing: (CheckRole.applicant,),
    Scenario.market_access: (CheckRole.applicant,),
    Scenario.qualification: (CheckRole.applicant,),
    Scenario.civil_service_hiring: (CheckRole.applicant,),
    Scenario.consumption: (CheckRole.consumer,),
    Scenario.travel: (CheckRole.consumer,),
    Scenario.inspection: (CheckRole.inspected_entity,),
    Scenario.public_services: (CheckRole.applicant,),
    Scenario.ip_support: (CheckRole.applicant,),
    Scenario.tax_administration: (),
    Scenario.customs_clearance: (),
    Scenario.exit_control: (),
    Scenario.project_approval: (CheckRole.applicant,),
    Scenario.insurance_pricing: (CheckRole.applicant,),
    Scenario.tax_incentives: (CheckRole.applicant,),
    Scenario.cross_border_ecommerce: (),
    Scenario.officer_appointment: (),
}
"""The check roles a subject can play in each scenario; a scenario with none takes no role.

Drawn from the roles the bundled rules and their test cases use per scenario (procurement
distinguishes suppliers, agencies and evaluation experts; land auctions their bidders; the
approval scenarios an applicant). A check whose role is not listed for its scenario is
refused, and so is a rule naming a role none of its scenarios has: extend the table when a
ruleset needs a new pair.
"""


def role_problem(scenario: str, role: str | None) -> str | None:
    """Why ``role`` cannot be the subject's role in ``scenario`` (None when it can, or when no role is given)."""
    if role is None:
        return None
    allowed = SCENARIO_ROLES[Scenario(scenario)]
    if role in allowed:
        return None
    if not allowed:
        return f"scenario {scenario} takes no role; leave role out"
    return f"role {role} does not belong to scenario {scenario}; use one of {', '.join(allowed)} or leave role out"


def _role_of_scenario(value: CheckRole | None, info: Any) -> CheckRole | None:
    """A pydantic validator: the role must belong to the ``scenario`` validated before it."""
    scenario = info.data.get("scenario")
    problem = scenario and role_problem(scenario, value)
    if problem:
        raise ValueError(problem)
    return value


ScenarioRole = Annotated[CheckRole | None, AfterValidator(_role_of_scenario)]
"""A model's optional ``role`` field, checked against the model's ``scenario`` field (declared before it)."""
