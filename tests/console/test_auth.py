"""Sign-in with an API key, the session cookie, sign-out, and CSRF protection of the forms."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jrp.api.console.session import SESSION_COOKIE, SESSION_SECONDS, SessionSigner
from tests.console.conftest import Console


def test_signed_out_visitors_are_sent_to_sign_in_and_back(console_as: Callable[..., Console]) -> None:
    console = console_as(None)
    assert console.get("/").headers["location"] == console.get("/console").headers["location"] == "/console/sign-in"
    response = console.get("/console/decisions", subject="91320508MA1X000178")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in?next=%2Fconsole%2Fdecisions%3Fsubject%3D91320508MA1X000178"
    signed_in = console.sign_in("auditor", next_page="/console/decisions?subject=91320508MA1X000178")
    assert signed_in.headers["location"] == "/console/decisions?subject=91320508MA1X000178"


def test_sign_in_sets_a_strict_httponly_cookie_without_the_key(console_as: Callable[..., Console]) -> None:
    console = console_as(None)
    response = console.sign_in("maintainer")
    assert response.status_code == 303 and response.headers["location"] == "/console/rulesets"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    plaintext = console.api.keys["maintainer"]
    assert plaintext not in cookie and plaintext not in response.headers["location"]
    page = console.get("/console/rulesets")
    assert page.status_code == 200 and plaintext not in page.text
    assert "Content-Security-Policy" in page.headers and page.headers["Cache-Control"] == "no-store"


def test_unknown_or_missing_keys_are_refused_with_a_message(console_as: Callable[..., Console]) -> None:
    console = console_as(None)
    wrong = console.client.post("/console/sign-in", data={"csrf": console.csrf(), "api_key": "jrp_not-a-key"})
    assert wrong.status_code == 401 and "密钥无效" in wrong.text and SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
    empty = console.client.post("/console/sign-in?lang=en", data={"csrf": console.csrf(), "api_key": " "})
    assert empty.status_code == 401 and "Enter an API key." in empty.text


def test_sign_in_and_sign_out_need_the_csrf_token(console_as: Callable[..., Console]) -> None:
    console = console_as(None)
    key = console.api.keys["auditor"]
    for token in ("", "forged"):
        console.csrf()
        response = console.client.post("/console/sign-in", data={"csrf": token, "api_key": key})
        assert response.status_code == 403 and "表单已过期" in response.text
    fresh = console_as(None)  # no CSRF cookie at all: a cross-site post
    assert fresh.client.post("/console/sign-in", data={"csrf": "x", "api_key": key}).status_code == 403
    signed_in = console_as("auditor")
    assert signed_in.client.post("/console/sign-out", data={"csrf": "forged"}).status_code == 403
    assert signed_in.get("/console/decisions").status_code == 200


def test_sign_out_ends_the_session(console_as: Callable[..., Console]) -> None:
    console = console_as("auditor")
    copied = console.client.cookies[SESSION_COOKIE]
    response = console.client.post("/console/sign-out", data={"csrf": console.csrf()})
    assert response.status_code == 303 and response.headers["location"] == "/console/sign-in?signed_out=1"
    assert console.get("/console/decisions").status_code == 303
    assert "您已退出" in console.get("/console/sign-in", signed_out="1").text
    thief = console_as(None)  # a copy of the cookie taken before the sign-out dies with it
    thief.client.cookies.set(SESSION_COOKIE, copied, path="/console")
    assert thief.get("/console/decisions").status_code == 303
    assert console_as("auditor").get("/console/decisions").status_code == 200  # signing in again works


def test_forged_and_foreign_sessions_are_not_accepted(console_as: Callable[..., Console]) -> None:
    console = console_as("checker")
    token = console.client.cookies[SESSION_COOKIE]
    key_id, session_id, expires, signature = token.split(".")
    auditor_id = console_as("auditor").client.cookies[SESSION_COOKIE].split(".")[0]
    console.client.cookies.set(SESSION_COOKIE, f"{auditor_id}.{session_id}.{expires}.{signature}", path="/console")
    assert console.get("/console/decisions").status_code == 303  # re-signed by nobody: signed out


def test_session_tokens_expire_and_bind_their_secret() -> None:
    signer = SessionSigner(b"s" * 32)
    token = signer.issue("abc", now=1000.0)
    assert signer.session_of(token, now=1000.0 + SESSION_SECONDS - 1).key_id == "abc"
    assert signer.session_of(token, now=1000.0 + SESSION_SECONDS + 1) is None
    assert SessionSigner(b"t" * 32).session_of(token, now=1000.0) is None
    assert signer.session_of("abc", now=1000.0) is None and signer.session_of("", now=1000.0) is None
    assert signer.issue("abc", now=1000.0).split(".")[1] != token.split(".")[1]  # every sign-in a session of its own


def test_only_console_paths_are_offered_after_sign_in(console_as: Callable[..., Console]) -> None:
    for target in ("https://example.org/", "//example.org/console/x", "/v1/audit/verify", "/console\\..\\x"):
        response = console_as(None).sign_in("auditor", next_page=target)
        assert response.headers["location"] == "/console/decisions", target


@pytest.mark.parametrize("cookie", ["a.b.1.к", "a.b.9999999999.к", "к", "a.b.c.d.e", "...", "a.b.1." + "é" * 64])
def test_any_forged_cookie_gives_the_sign_in_page_never_a_500(console_as: Callable[..., Console], cookie: str) -> None:
    console = console_as(None)
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}".encode()}
    page = console.client.get("/console/decisions", headers=headers)
    assert page.status_code == 303 and page.headers["location"].startswith("/console/sign-in")
    missing = console.client.get("/console/no-such-page", headers=headers)  # the error page reads the cookie too
    assert missing.status_code == 404
    assert console.client.get("/console/sign-in", headers=headers).status_code == 200


@given(st.text(max_size=120))
def test_session_of_answers_none_or_a_session_for_any_text(token: str) -> None:
    assert SessionSigner(b"s" * 32).session_of(token, now=1000.0) is None


def test_a_signed_in_forms_token_is_bound_to_its_session(console_as: Callable[..., Console]) -> None:
    first, second = console_as("auditor"), console_as("auditor")
    first_token, second_token = first.csrf(), second.csrf()
    assert first_token != second_token
    assert second.client.post("/console/sign-out", data={"csrf": first_token}).status_code == 403
    double_submit = second.client.cookies.get("jrp_csrf")  # the cookie of the signed-out sign-in page
    assert double_submit and second.client.post("/console/sign-out", data={"csrf": double_submit}).status_code == 403
    assert second.client.post("/console/sign-out", data={"csrf": second_token}).status_code == 303
    assert first.get("/console/decisions").status_code == 200  # the other session lives on
