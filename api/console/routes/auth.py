"""Signing in with an API key, signing out, and the start page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from jrp.access import Action, ApiKey
from jrp.adapters.access.api_keys import KeyRefused
from jrp.api.console.csrf import check_csrf
from jrp.api.console.pages import redirect, render, translator
from jrp.api.console.session import PREFIX, end_session, runtime_of, session_key, start_session

router = APIRouter(include_in_schema=False)


def _home(key: ApiKey | None) -> str:
    """Auditors start at the decisions, everyone else at the rulesets; no session: the sign-in form."""
    if key is None:
        return f"{PREFIX}/sign-in"
    return f"{PREFIX}/decisions" if key.may(Action.search_decisions) else f"{PREFIX}/rulesets"


def _local(target: str) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    return target if target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target else ""


@router.get("/")
@router.get(PREFIX)
def start(request: Request) -> RedirectResponse:
    return redirect(_home(session_key(request)))


@router.get(PREFIX + "/sign-in")
def sign_in_form(request: Request) -> HTMLResponse:
    signed_out = request.query_params.get("signed_out") == "1"
    return render(request, "sign_in.html", None, next=_local(request.query_params.get("next", "")),
                  notice=translator(request)("sign_in.signed_out") if signed_out else "")


@router.post(PREFIX + "/sign-in")
def sign_in(request: Request, csrf: Annotated[str, Form()] = "", api_key: Annotated[str, Form()] = "",
            next: Annotated[str, Form()] = "") -> Response:  # noqa: A002 - the form field is called next
    """Verify the key once; the session then carries only its id (see ``session``)."""
    check_csrf(request, csrf)
    try:
        key = runtime_of(request).keys.authenticate(api_key.strip()) if api_key.strip() else None
    except KeyRefused:
        key = None
    if key is None:
        t = translator(request)
        problem = t("sign_in.unknown_key") if api_key.strip() else t("sign_in.missing_key")
        return render(request, "sign_in.html", None, status=401, next=_local(next), problem=problem)
    response = redirect(_local(next) or _home(key))
    start_session(request, response, key)
    return response


@router.post(PREFIX + "/sign-out")
def sign_out(request: Request, csrf: Annotated[str, Form()] = "") -> RedirectResponse:
    check_csrf(request, csrf)
    response = redirect(f"{PREFIX}/sign-in?signed_out=1")
    end_session(request, response)
    return response
