"""Fixtures: the console over the API fixtures of ``tests/api`` (a real store on SQLite and PostgreSQL),
each test with a browser-like client of its own, signed in as one of the API's role keys."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Api, api, backend, fresh_api, make_fresh_api  # noqa: F401 - shared fixtures

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SCRIPT = Path(__file__).parents[2] / "docs" / "make_screenshots.py"


def _load_script() -> ModuleType:
    """``docs/make_screenshots.py`` (a script, not a package): its server, browser launch, tour and candidate."""
    spec = importlib.util.spec_from_file_location("make_screenshots", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


screenshots = _load_script()


@dataclass
class Console:
    """A client with a cookie jar of its own (TestClient over the already-running app of ``api``)."""

    api: Api
    client: TestClient

    def csrf(self) -> str:
        """The form token of a freshly rendered sign-in page (which also sets the CSRF cookie)."""
        match = CSRF.search(self.client.get("/console/sign-in").text)
        assert match, "the sign-in page has no CSRF field"
        return match.group(1)

    def sign_in(self, key: str, next_page: str = "") -> httpx.Response:
        return self.client.post("/console/sign-in", data={"csrf": self.csrf(), "api_key": self.api.keys[key],
                                                          "next": next_page})

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.client.get(path, params=params)


def open_console(api: Api, key: str | None) -> Console:
    """A console client of ``api``, signed in with the key named ``key`` (None: signed out)."""
    console = Console(api, TestClient(api.client.app, follow_redirects=False))
    if key is not None:
        response = console.sign_in(key)
        assert response.status_code == 303, response.text
    return console


@pytest.fixture
def console_as(api: Api) -> Callable[[str | None], Console]:
    """``console_as("auditor")``: a signed-in console client of the shared API; ``console_as(None)``: signed out."""
    return lambda key: open_console(api, key)
