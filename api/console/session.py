"""Console sessions: who is signed in, and what their key may see.

Signing in checks the API key once (``runtime.keys.authenticate``); the session cookie
then names only the key's id, a random session id and an expiry, signed with
HMAC-SHA256, so the plaintext key never travels again and never appears in a page or a
URL. Every request looks the key up by id, so a key deleted from the store ends its
sessions at once, and checks that the session was not signed out (a copied cookie
dies with the sign-out, ``jrp.adapters.access.sign_outs``). The cookie is HttpOnly and
SameSite=Strict: no other site can send it along with a request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request, Response

from jrp.access import Action, ApiKey
from jrp.runtime import Runtime

PREFIX = "/console"
SESSION_COOKIE = "jrp_console"
SESSION_SECONDS = 8 * 3600


class NotSignedIn(Exception):
    """No valid session: the page answers with a redirect to the sign-in form."""


class PageError(Exception):
    """A page that cannot be shown: its HTTP status and a catalogue message (rendered in the chosen language)."""

    def __init__(self, status: int, message_key: str, **params: object):
        super().__init__(message_key)
        self.status = status
        self.message_key = message_key
        self.params = params


@dataclass(frozen=True)
class Session:
    key_id: str
    session_id: str
    expires_at: int


class SessionSigner:
    """Issues and checks ``key_id.session_id.expiry.signature`` tokens."""

    def __init__(self, secret: bytes):
        self._secret = secret

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> SessionSigner:
        """The configured secret (shared by all workers), else one of this process's own."""
        configured = runtime.settings.console_secret
        return cls(configured.get_secret_value().encode() if configured else secrets.token_bytes(32))

    def fingerprint(self) -> str:
        """The secret's public name (``jrp.hosts``): processes whose sessions are valid on each other have one."""
        from jrp.hosts import fingerprint

        return fingerprint(self._secret)

    def _sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()

    def issue(self, key_id: str, now: float | None = None) -> str:
        payload = f"{key_id}.{secrets.token_hex(16)}.{int((now or time.time()) + SESSION_SECONDS)}"
        return f"{payload}.{self._sign(payload)}"

    def form_token(self, session: Session) -> str:
        """The CSRF token of the session's forms: only this session's cookie makes it valid (see ``csrf``)."""
        return self._sign(f"csrf.{session.session_id}")

    def session_of(self, token: str, now: float | None = None) -> Session | None:
        """The session a valid, unexpired token names, else None (whatever the token holds)."""
        if not token.isascii():  # a forged cookie may hold anything; a signed one is ASCII
            return None
        payload, _, signature = token.rpartition(".")
        parts = payload.split(".")
        if len(parts) != 3 or not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        key_id, session_id, expires = parts
        if not (key_id and session_id and expires.isdigit()) or int(expires) <= (now or time.time()):
            return None
        return Session(key_id, session_id, int(expires))


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def signer_of(request: Request) -> SessionSigner:
    return request.app.state.console_signer


def start_session(request: Request, response: Response, key: ApiKey) -> None:
    response.set_cookie(SESSION_COOKIE, signer_of(request).issue(key.key_id), max_age=SESSION_SECONDS, path=PREFIX,
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")


def end_session(request: Request, response: Response) -> None:
    """Sign out: the cookie is deleted, and the session recorded as ended (any copy of the cookie dies too)."""
    session = current_session(request)
    if session:
        runtime_of(request).sign_outs.sign_out(session.session_id, session.expires_at, int(time.time()))
    response.delete_cookie(SESSION_COOKIE, path=PREFIX, httponly=True, samesite="strict")


def current_session(request: Request) -> Session | None:
    """The session the request's cookie names, if validly signed and unexpired (signed-out ones included)."""
    token = request.cookies.get(SESSION_COOKIE)
    return signer_of(request).session_of(token) if token else None


def session_key(request: Request) -> ApiKey | None:
    """The signed-in key, or None (no cookie, a forged, expired or signed-out one, or a key since deleted)."""
    session = current_session(request)
    if not session or runtime_of(request).sign_outs.signed_out(session.session_id):
        return None
    return runtime_of(request).keys.get(session.key_id)


def signed_in(request: Request) -> ApiKey:
    key = session_key(request)
    if key is None:
        raise NotSignedIn()
    return key


def may(action: Action) -> Callable[[Request], ApiKey]:
    """A dependency: the signed-in key if its role may perform ``action`` (the API's own table), else a 403 page."""

    def check(request: Request) -> ApiKey:
        key = signed_in(request)
        if not key.may(action):
            raise PageError(403, "error.forbidden", role=key.role.value, action=action.value)
        return key

    return check
