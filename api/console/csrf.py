"""CSRF protection of the console's forms: a token bound to the session, or a double-submit token before it.

The session cookie is SameSite=Strict, so another site cannot make a signed-in browser
post to the console with its session. Every form still carries a token:

- signed in, the token is an HMAC of the session id under the console's secret: it is
  valid with this session's cookie only, so a token leaked from one session (a page
  saved, a shared screenshot) is worth nothing in another, and it dies with the session;
- signed out (the sign-in form: login CSRF would sign the victim in under the
  attacker's key), a random token that must equal the one in a SameSite=Strict,
  HttpOnly cookie set by the page that rendered the form; a cross-site post has no cookie.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from jrp.api.console.session import PREFIX, PageError, current_session, signer_of

CSRF_COOKIE = "jrp_csrf"
FIELD = "csrf"


def csrf_token(request: Request) -> str:
    """The token forms on this page carry: the session's, else the browser's or a new one (set by ``remember_csrf``)."""
    token = getattr(request.state, "csrf", None)
    if token is None:
        session = current_session(request)
        token = signer_of(request).form_token(session) if session else (
            request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32))
        request.state.csrf = token
    return token


def remember_csrf(request: Request, response: Response) -> None:
    """Set the cookie when this signed-out page made the token (or the browser's has changed)."""
    token = getattr(request.state, "csrf", None)
    if token is not None and current_session(request) is None and token != request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, token, path=PREFIX, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")


def check_csrf(request: Request, submitted: str) -> None:
    """A 403 page unless the form's token is the session's (signed in) or equals the cookie's (signed out)."""
    session = current_session(request)
    expected = signer_of(request).form_token(session) if session else request.cookies.get(CSRF_COOKIE)
    if not (expected and submitted and hmac.compare_digest(expected.encode(), submitted.encode("utf-8", "replace"))):
        raise PageError(403, "error.csrf")
