"""Tracking in the console: subscriptions by caller, recent notifications, dead letters and their redelivery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from jrp.access import Action, ApiKey
from jrp.api.console.csrf import FIELD, check_csrf
from jrp.api.console.pages import render, translator
from jrp.api.console.session import PREFIX, may, runtime_of

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Overseer = Annotated[ApiKey, Depends(may(Action.read_stats))]  # auditors and admins oversee every caller


def _page(request: Request, key: ApiKey, notice: str = "") -> HTMLResponse:
    runtime = runtime_of(request)
    names = {info.key.key_id: info.key.name for info in runtime.keys.list_keys()}
    callers = sorted(runtime.subscriptions.counts_by_owner().items(), key=lambda item: -item[1])
    return render(request, "tracking.html", key, notice=notice,
                  callers=[(owner, names.get(owner, ""), count) for owner, count in callers],
                  recent=runtime.outbox.recent(None, 50), dead=runtime.outbox.dead_letters(None, 100),
                  when=lambda moment: datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))


@router.get("/tracking")
def tracking(request: Request, key: Overseer) -> HTMLResponse:
    return _page(request, key)


@router.post("/tracking/redeliver")
async def redeliver(request: Request, key: Overseer) -> HTMLResponse:
    """Send a dead letter again (its receiver is back), with the same id."""
    posted = await request.form(max_fields=5)
    check_csrf(request, str(posted.get(FIELD) or ""))
    notification_id = str(posted.get("notification_id") or "")
    outbox = runtime_of(request).outbox
    if await run_in_threadpool(outbox.get, notification_id) is not None:
        await run_in_threadpool(outbox.redeliver, notification_id)
    return _page(request, key, notice=translator(request)("tracking.redelivered"))
