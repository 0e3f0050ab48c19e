"""Verifying a credit result report (信用信息结果报告) by its verification code: public, rate-limited, showing only
what the report itself shows (``jrp.api.report.verify_report``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from jrp.api.deps import RuntimeDep
from jrp.api.errors import InvalidField, NotFound
from jrp.api.openapi import errors
from jrp.api.rate_limit import RateLimit
from jrp.api import report  # the module: jrp.api.report imports the console, whose report page imports this
from jrp.api.schemas import ReportVerificationV1
from jrp.api.strict_requests import StrictRoute
from jrp.runtime import Runtime

router = APIRouter(prefix="/v1/reports", tags=["reports"], route_class=StrictRoute)


def check_report(runtime: Runtime, request: Request, code: str) -> report.ReportCheck:
    """The report with ``code``, after counting the request against the client's budget (API and console)."""
    limit: RateLimit = request.app.state.report_verifications
    limit.take(request.client.host if request.client else "")
    try:
        found = report.verify_report(runtime.log, runtime.audit_keys.signing.public, code)
    except ValueError as error:
        raise InvalidField("code", str(error)) from None
    if found is None:
        raise NotFound("no report has this verification code: the report is not genuine, or the code was mistyped")
    return found


@router.get("/verify", operation_id="reports.verify", response_model=ReportVerificationV1,
            responses=errors(404, 422, 429))
def verify(runtime: RuntimeDep, request: Request,
           code: Annotated[str, Query(max_length=64, description="the verification code printed on the report "
                                                                 "(spaces, dashes and case do not matter)")],
           ) -> ReportVerificationV1:
    """Confirm that a printed or forwarded report is genuine and unchanged: no key needed; compare what it
    shows with the report you hold."""
    found = check_report(runtime, request, code)
    return ReportVerificationV1(report_number=found.number, genuine=found.genuine, problem=found.problem or None,
                                **found.shown)
