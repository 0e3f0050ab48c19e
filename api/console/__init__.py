"""The web console for auditors and maintainers, served by jrp itself under ``/console``.

Server-rendered pages (Jinja2) over the same service layer and presenters as the JSON
API, with the API's role table: a page is shown only to keys whose role may perform its
action. Sign-in takes an API key once; see ``session`` and ``csrf``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from jrp.api.console.pages import install_error_pages
from jrp.api.console.routes import (auth, catalogue, changes, decisions, publishing, reports, stats, subjects,
                                    subscriptions, tracking)
from jrp.api.console.session import PREFIX, SessionSigner

STATIC = Path(__file__).parent / "static"
# changes first: /rulesets/diff before /rulesets/{id}
ROUTERS = (auth, decisions, changes, catalogue, publishing, stats, reports, subjects, tracking, subscriptions)


def mount(app: FastAPI) -> None:
    """Add the console's pages, its static files and its HTML error pages to ``app``."""
    app.state.console_signer = SessionSigner.for_runtime(app.state.runtime)
    for module in ROUTERS:
        app.include_router(module.router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")
    install_error_pages(app)
