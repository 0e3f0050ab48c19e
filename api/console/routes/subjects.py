"""A subject's file: the events its facts follow from, each with the key that sent it and when it was received."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from jrp.access import Action, ApiKey
from jrp.adapters.facts.identity import InvalidIdentifier, validate_subject_id
from jrp.adapters.facts.provenance import event_origins
from jrp.api.console.pages import render
from jrp.api.console.session import PREFIX, PageError, may, runtime_of

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/subjects/{subject_id}")
def subject(request: Request, subject_id: str,
            key: Annotated[ApiKey, Depends(may(Action.read_subject))]) -> HTMLResponse:
    """The subject's facts version (its event head) and its events: occurred on, received at, sent by which key."""
    try:
        subject_id = validate_subject_id(subject_id, "subject_id")
    except InvalidIdentifier as error:
        raise PageError(422, "error.field", field="subject", message=error.reason) from None
    runtime = runtime_of(request)
    version = runtime.facts.facts_version(subject_id)
    origins = event_origins(runtime.engine, subject_id)
    if not origins and not runtime.facts.load(subject_id):
        raise PageError(404, "subject.unknown")
    return render(request, "subject.html", key, subject_id=subject_id, version=version, events=origins)
