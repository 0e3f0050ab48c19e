"""The public page that verifies a credit result report by its verification code (no sign-in; rate-limited like
``GET /v1/reports/verify``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from jrp.api.console.pages import render, translator
from jrp.api.console.session import PREFIX, runtime_of, session_key
from jrp.api.errors import InvalidField, NotFound
from jrp.api.routes.reports import check_report

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/reports/verify")
def verify_report_page(request: Request) -> HTMLResponse:
    code = request.query_params.get("code", "").strip()[:64]
    key = session_key(request)
    if not code:
        return render(request, "report_verify.html", key, code="", found=None, problem="")
    try:
        found = check_report(runtime_of(request), request, code)
    except InvalidField as error:
        return render(request, "report_verify.html", key, status=422, code=code, found=None, problem=str(error))
    except NotFound:
        return render(request, "report_verify.html", key, status=404, code=code, found=None,
                      problem=translator(request)("report_verify.unknown"))
    return render(request, "report_verify.html", key, code=code, found=found, problem="")
