"""Subscriptions in the console: a checker's own (an admin's: every one), one made from a form, one deleted.

The form is read into the API's own request model (``SubscriptionRequestV1``) and made by the API's own
steps (``jrp.api.routes.subscriptions.asked_by``, ``subscribe``), so the console refuses what the API
refuses, field by field: a bad value is a 422 page naming the field, a scenario or jurisdiction outside
the key's scopes a 403 page saying so, a webhook target jrp may not call (outbound safety) a 422 on the
webhook URL. The key's webhook secret, when the first subscription makes one, is shown once, as the API
returns it once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from jrp.access import Action, ApiKey, Role
from jrp.api.console.csrf import FIELD, check_csrf
from jrp.api.console.forms import Problems, text
from jrp.api.console.pages import render, translator
from jrp.api.console.session import PREFIX, may, runtime_of
from jrp.api.errors import Forbidden, InvalidField
from jrp.api.routes.subscriptions import asked_by, manages, subscribe
from jrp.api.subscription_schemas import SubscriptionRequestV1
from jrp.vocabulary.scenarios import CheckRole, Scenario

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Subscriber = Annotated[ApiKey, Depends(may(Action.check))]
FORM = ("subject", "scenario", "role", "jurisdiction", "purpose", "reference", "watch_until", "webhook_url")
SHOWN = 200  # subscriptions listed, oldest first


def _page(request: Request, key: ApiKey, *, status: int = 200, problems: Problems | None = None,
          form: dict[str, str] | None = None, notice: str = "", secret: str | None = None) -> HTMLResponse:
    runtime = runtime_of(request)
    rows = runtime.subscriptions.page(None if key.role is Role.admin else key.key_id, None, SHOWN)
    return render(request, "subscriptions.html", key, status=status, problems=problems.messages if problems else [],
                  form=form or {}, notice=notice, secret=secret, subscriptions=[s for _, s in rows],
                  scenarios=[s.value for s in Scenario], roles=[r.value for r in CheckRole],
                  jurisdictions=runtime.library.jurisdictions,
                  when=lambda moment: datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M UTC"))


@router.get("/subscriptions")
def subscriptions(request: Request, key: Subscriber) -> HTMLResponse:
    return _page(request, key)


def _item(form: dict[str, str]) -> dict[str, Any]:
    """The form as the API's request item (empty fields left out: the API's defaults apply)."""
    item: dict[str, Any] = {"subject": {"id": form["subject"]}, "delivery": {}}
    for name in ("scenario", "role", "jurisdiction", "purpose", "reference", "watch_until"):
        if form[name]:
            item[name] = form[name]
    if form["webhook_url"]:
        item["delivery"]["webhook_url"] = form["webhook_url"]
    return item


def _field(location: tuple[Any, ...] | str) -> str:
    """The form field an API field path (``subject.id``, ``delivery.webhook_url``) stands for."""
    parts = location.split(".") if isinstance(location, str) else [str(part) for part in location]
    return "webhook_url" if parts[0] == "delivery" else parts[0] if parts[0] in FORM else "subject"


@router.post("/subscriptions")
async def create(request: Request, key: Subscriber) -> HTMLResponse:
    """Watch one check: made now, its answer the baseline, as ``POST /v1/subscriptions`` makes it."""
    posted = await request.form(max_fields=12)
    check_csrf(request, str(posted.get(FIELD) or ""))
    form = {name: text(str(posted.get(name) or "")) for name in FORM}
    t = translator(request)
    problems = Problems(t)
    if not form["subject"]:
        problems.add("subject", "error.required")
    if not form["purpose"]:
        problems.add("purpose", "error.required")
    if problems:
        return _page(request, key, status=422, problems=problems, form=form)
    runtime = runtime_of(request)
    try:
        item = SubscriptionRequestV1.model_validate(_item(form))
    except ValidationError as invalid:
        for error in invalid.errors():
            problems.add_detail(_field(error["loc"]), error["msg"].removeprefix("Value error, "))
        return _page(request, key, status=422, problems=problems, form=form)
    try:
        asked = await run_in_threadpool(asked_by, runtime, key, item)
    except InvalidField as invalid:
        problems.add_detail(_field(invalid.field), str(invalid))
        return _page(request, key, status=422, problems=problems, form=form)
    except Forbidden as refused:
        problems.add_detail("jurisdiction" if key.may_use_scenario(item.scenario.value) else "scenario", str(refused))
        return _page(request, key, status=403, problems=problems, form=form)
    [made], secret = await run_in_threadpool(subscribe, runtime, key, [asked])
    notice = t("subscriptions.created", subscription_id=made.subscription_id,
               outcome=t.label("outcome", made.answer.outcome))
    return _page(request, key, notice=notice, secret=secret)


@router.post("/subscriptions/delete")
async def delete(request: Request, key: Subscriber) -> HTMLResponse:
    """Stop watching (notifications written already are still delivered)."""
    posted = await request.form(max_fields=5)
    check_csrf(request, str(posted.get(FIELD) or ""))
    subscription_id = text(str(posted.get("subscription_id") or ""))
    runtime = runtime_of(request)
    found = await run_in_threadpool(runtime.subscriptions.get, subscription_id) if subscription_id else None
    t = translator(request)
    if found is None or not manages(key, found):  # another key's is as good as none to this one
        problems = Problems(t)
        problems.add("subscription", "error.not_found", what=subscription_id)
        return _page(request, key, status=404, problems=problems)
    await run_in_threadpool(runtime.subscriptions.delete, subscription_id)
    return _page(request, key, notice=t("subscriptions.deleted", subscription_id=subscription_id))
