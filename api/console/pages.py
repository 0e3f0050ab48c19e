"""Rendering console pages: one Jinja2 environment, the layout's context, and the error pages.

Templates live in ``templates/console``; autoescape is on for all of them. Every response
sets a strict Content-Security-Policy (everything is served by jrp itself) and is not
cached, since pages show credit data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException

from jrp.access import Action, ApiKey
from jrp.adapters.facts.identity import mask_resident_id
from jrp.api.console.csrf import csrf_token, remember_csrf
from jrp.api.console.i18n import HTML_LANG, LANG_COOKIE, LANGUAGES, Translator, language_of, requested_language
from jrp.api.console.session import PREFIX, NotSignedIn, PageError, runtime_of, session_key
from jrp.api.console.values import Values

log = logging.getLogger("jrp.console")

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)
_env.filters["mask"] = mask_resident_id

NAVIGATION = (  # (path, label, the action a key needs to see the link)
    ("/decisions", "nav.decisions", Action.search_decisions),
    ("/audit/verify", "nav.verify", Action.verify),
    ("/rulesets", "nav.rulesets", Action.read_catalogue),
    ("/measures", "nav.measures", Action.read_catalogue),
    ("/rulesets/diff", "nav.diff", Action.diff_rulesets),
    ("/impact", "nav.impact", Action.preview_impact),
    ("/stats", "nav.stats", Action.read_stats),
    ("/tracking", "nav.tracking", Action.read_stats),
    ("/subscriptions", "nav.subscriptions", Action.check),
)

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def translator(request: Request) -> Translator:
    return Translator(language_of(request))


def values(request: Request) -> Values:
    """The labels of values in the request's language (``v`` on every page)."""
    return Values(translator(request), runtime_of(request).library)


def _language_links(request: Request) -> list[tuple[str, str]]:
    links = []
    for language in LANGUAGES:
        url = request.url.include_query_params(lang=language)
        links.append((language, f"{url.path}?{url.query}"))
    return links


def render(request: Request, template: str, key: ApiKey | None, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the request's language, with the layout's navigation for ``key`` (None: signed out)."""
    t = translator(request)
    navigation = [(PREFIX + path, label) for path, label, action in NAVIGATION if key is not None and key.may(action)]
    html = _env.get_template(f"console/{template}").render(
        t=t, v=values(request), lang=HTML_LANG[t.language], language=t.language, key=key,
        navigation=navigation, prefix=PREFIX,
        path=request.url.path, languages=_language_links(request), csrf=csrf_token(request),
        mask_ids=key is None or not key.sees_resident_ids, **context)
    response = HTMLResponse(html, status_code=status, headers=HEADERS)
    if requested_language(request):
        response.set_cookie(LANG_COOKIE, t.language, max_age=365 * 86400, path=PREFIX, samesite="lax")
    remember_csrf(request, response)
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def error_page(request: Request, status: int, message_key: str, **params: object) -> HTMLResponse:
    """The error page; parameters named like a catalogue prefix (role, action, field) are shown by their label."""
    t = translator(request)
    text = t(message_key, **{name: t.label(name, str(value)) for name, value in params.items()})
    return render(request, "error.html", session_key(request), status=status, status_code=status, message=text)


def _handler(page: Callable[[Request, Exception], Response],
             api_handler: Callable[..., Awaitable[Response]] | None = None) -> Callable[..., Awaitable[Response]]:
    """An exception handler answering with ``page``; given the API's handler, only on console paths."""

    async def handle(request: Request, error: Exception) -> Response:
        path = request.url.path
        if api_handler is None or path == PREFIX or path.startswith(PREFIX + "/"):
            return page(request, error)
        return await api_handler(request, error)

    return handle


def _http_error(request: Request, error: Exception) -> Response:
    status = getattr(error, "status_code", 500)
    message = "error.no_page" if status in (404, 405) else "error.bad_request" if status < 500 else "error.internal"
    return error_page(request, status, message)


def _internal_error(request: Request, error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return error_page(request, 500, "error.internal")


def _not_signed_in(request: Request, _error: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(f"{PREFIX}/sign-in?next={quote(target, safe='')}")


def _page_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageError)
    return error_page(request, error.status, error.message_key, **error.params)


def install_error_pages(app: FastAPI) -> None:
    """Console paths answer errors with pages in the chosen language; the API's JSON errors stay as they are."""
    app.add_exception_handler(NotSignedIn, _handler(_not_signed_in))  # raised by console pages only
    app.add_exception_handler(PageError, _handler(_page_error))
    for exception_type, page in ((HTTPException, _http_error), (Exception, _internal_error)):
        app.add_exception_handler(exception_type, _handler(page, app.exception_handlers.get(exception_type)))
