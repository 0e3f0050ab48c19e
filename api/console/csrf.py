"""CSRF protection of the console's forms: a double-submit token.

The session cookie is SameSite=Strict, so another site cannot make a signed-in browser
post to the console with its session. That leaves forms that work without a session —
above all sign-in (login CSRF: signing the victim in under the attacker's key). Every
form therefore carries a random token that must equal the one in a SameSite=Strict,
HttpOnly cookie set by the page that rendered the form; a cross-site post has no cookie.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from jrp.api.console.session import PREFIX, PageError

CSRF_COOKIE = "jrp_csrf"
FIELD = "csrf"


def csrf_token(request: Request) -> str:
    """The token forms on this page carry: the browser's, or a new one (set by ``remember_csrf``)."""
    token = getattr(request.state, "csrf", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        request.state.csrf = token
    return token


def remember_csrf(request: Request, response: Response) -> None:
    """Set the cookie when this page made the token (or the browser's has changed)."""
    token = getattr(request.state, "csrf", None)
    if token is not None and token != request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, token, path=PREFIX, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")


def check_csrf(request: Request, submitted: str) -> None:
    """A 403 page unless the form's token equals the cookie's."""
    expected = request.cookies.get(CSRF_COOKIE)
    if not (expected and submitted and hmac.compare_digest(expected.encode(), submitted.encode())):
        raise PageError(403, "error.csrf")
