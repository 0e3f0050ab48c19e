"""Auditors' pages: search the decision log, open a decision, replay it, verify the chain."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from jrp.access import Action, ApiKey
from jrp.adapters.log.crypto.personal_data import PersonalDataUnavailable
from jrp.adapters.log.entries import StoredDecision
from jrp.api.console.citations import decision_basis
from jrp.api.console.forms import Problems, is_id, parse_choice, parse_date, parse_id, parse_int
from jrp.api.console.pages import render, translator
from jrp.api.console.session import PREFIX, PageError, may, runtime_of
from jrp.api.deps import readable
from jrp.api.errors import Forbidden
from jrp.api.presenters import decision_response, decision_summary
from jrp.engine.types import Outcome
from jrp.service import RulesUnavailable
from jrp.vocabulary.scenarios import Scenario

router = APIRouter(prefix=PREFIX, include_in_schema=False)

PAGE_SIZE = 50
MAX_PAGE = 10_000
SCENARIOS = tuple(s.value for s in Scenario)
OUTCOMES = tuple(o.value for o in Outcome)
REPLAY_RULES = ("original", "current")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


@router.get("/decisions")
def search(request: Request, key: Annotated[ApiKey, Depends(may(Action.search_decisions))]) -> HTMLResponse:
    """Newest first, by subject, scenario, outcome and a date range (whole days, UTC), 50 a page."""
    query = request.query_params
    problems = Problems(translator(request))
    subject = parse_id(query.get("subject"), "subject", problems)
    scenario = parse_choice(query.get("scenario"), SCENARIOS, "scenario", problems)
    outcome = parse_choice(query.get("outcome"), OUTCOMES, "outcome", problems)
    since = parse_date(query.get("since"), "since", problems)
    until = parse_date(query.get("until"), "until", problems)
    page = parse_int(query.get("page"), "page", problems, 1, MAX_PAGE) or 1
    if since and until and until < since:
        problems.add("until", "error.date_order")
    rows: list[dict[str, Any]] = []
    if not problems:
        rows = runtime_of(request).log.search(
            subject_id=subject, scenario=scenario, outcome=outcome,
            since=since and _day_start(since), until=until and _day_start(until + timedelta(days=1)),
            limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    pages = {n: str(request.url.include_query_params(page=n).query) for n in (page - 1, page + 1)}
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    summaries = [decision_summary(row, key) for row in rows]
    return render(request, "decisions.html", key, status=422 if problems else 200, problems=problems.messages,
                  form=query, rows=summaries, page=page, previous=page > 1 and pages[page - 1],
                  next=more and pages[page + 1], scenarios=SCENARIOS, outcomes=OUTCOMES,
                  callers=_callers(request, rows), names=runtime_of(request).facts.names([r.subject_id for r in summaries]))


def _callers(request: Request, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Who asked, by key id: the key's department and name (the id itself for a key no longer stored)."""
    keys = runtime_of(request).keys
    callers = {}
    for key_id in {row["caller_key_id"] for row in rows}:
        key = keys.get(key_id)
        callers[key_id] = " ".join(filter(None, (key.department, key.name))) if key else key_id
    return callers


def _readable_decision(request: Request, key: ApiKey, decision_id: str) -> StoredDecision:
    """The logged decision if ``key`` may read it (the API's rule): else a 404 or 403 page."""
    stored = runtime_of(request).log.find(decision_id) if is_id(decision_id) else None
    if stored is None:
        raise PageError(404, "error.not_found", what=decision_id)
    try:
        readable(key, stored.entry)
    except Forbidden:
        raise PageError(403, "error.own_decisions") from None
    return stored


NO_FACTS = {"subject": {}, "records": [], "related": []}


@router.get("/decisions/{decision_id}")
def decision(request: Request, decision_id: str,
             key: Annotated[ApiKey, Depends(may(Action.read_decision))]) -> HTMLResponse:
    """Inputs, caller, bundle, facts used, each measure with its basis and proportionality, its place in the log."""
    stored = _readable_decision(request, key, decision_id)
    view = decision_response(stored, key)
    result = stored.entry["result"]
    used = {record["record_id"] for m in result["measures"] + result["incentives"] for record in m["triggered_by"]}
    catalog = runtime_of(request).catalog
    facts = stored.view(key.sees_resident_ids).get("facts", NO_FACTS)  # none: read back no more once erased
    return render(request, "decision.html", key, d=view, facts=facts, used=used,
                  basis_of=lambda measure: decision_basis(catalog, measure), may_replay=key.may(Action.replay))


@router.get("/decisions/{decision_id}/replay")
def replay(request: Request, decision_id: str, key: Annotated[ApiKey, Depends(may(Action.replay))]) -> HTMLResponse:
    """Re-evaluate on the stored facts with the original or today's rules: identical, or the differences."""
    rules = request.query_params.get("rules", "original")
    if rules not in REPLAY_RULES:
        raise PageError(422, "error.field", field="rules", message=translator(request)("error.bad_choice", value=rules))
    stored = _readable_decision(request, key, decision_id)
    try:
        result = runtime_of(request).service.replay(stored.entry["decision_id"], rules)
    except (RulesUnavailable, PersonalDataUnavailable) as error:  # rules gone and never stored; data erased
        return render(request, "replay.html", key, status=404, decision_id=decision_id, rules=rules, result=None,
                      unavailable=str(error))
    return render(request, "replay.html", key, decision_id=decision_id, rules=rules, result=result)


@router.get("/audit/verify")
def verify(request: Request, key: Annotated[ApiKey, Depends(may(Action.verify))]) -> HTMLResponse:
    """Recompute the Merkle tree from every entry: the problems found, or the count, root and latest checkpoint."""
    return render(request, "verify.html", key, result=runtime_of(request).verify_log())
