"""Statistics of checks and feedback per period, department, scenario and jurisdiction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from jrp.access import Action, ApiKey
from jrp.adapters.feedback import Period
from jrp.api.console.forms import Problems, parse_choice
from jrp.api.console.pages import render, translator
from jrp.api.console.session import PREFIX, may, runtime_of

router = APIRouter(prefix=PREFIX, include_in_schema=False)

PERIODS = tuple(p.value for p in Period)


@router.get("/stats")
def stats(request: Request, key: Annotated[ApiKey, Depends(may(Action.read_stats))]) -> HTMLResponse:
    problems = Problems(translator(request))
    period = parse_choice(request.query_params.get("period"), PERIODS, "period", problems) or Period.month.value
    rows = runtime_of(request).feedback.stats(Period(period))
    return render(request, "stats.html", key, status=422 if problems else 200, problems=problems.messages,
                  rows=rows, period=period, periods=PERIODS, outcomes=("deny", "restrict", "review", "allow"))
