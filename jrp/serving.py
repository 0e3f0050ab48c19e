"""Running the API as deployed: uvicorn with worker processes, JSON logs, metrics summed over the workers.

``jrp serve`` and ``jrp demo`` call ``run``: it prepares the folder where every worker keeps
its metrics (emptied: values of a previous run must not be summed in), gives the workers one
console signing secret — the configured one, else one made for this run, with a warning on a
shared store (PostgreSQL), where sessions must be valid on every host — and names this process
their parent (they exit when it dies), prints one startup line with the URL, then hands over to
uvicorn, whose workers each build the app with ``create_app``. With several workers it asks them to elect
one writer of the decision log per host (on SQLite; ``jrp.adapters.log.host_writer``).
"""

from __future__ import annotations

import logging
import logging.config
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

from jrp.api.worker_lifetime import PARENT_ENV
from jrp.logs import log_config
from jrp.settings import Settings

log = logging.getLogger(__name__)

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus-client's multiprocess folder, read when it is first imported: set here, before any worker imports it."""

HOST_WRITER_ENV = "JRP_HOST_WRITER"
"""Set by ``run`` for several workers: each starts a candidate for the host's log writer (SQLite only)."""


def host_writer_wanted() -> bool:
    """Whether this process is a worker of ``jrp serve`` whose workers share a host's log writer."""
    return os.environ.get(HOST_WRITER_ENV) == "1"


CONSOLE_SECRET_WARNING = (
    "no console_secret configured: console sessions are signed with a secret made for this run, so they end when it "
    "stops and other hosts of this store refuse them; set JRP_CONSOLE_SECRET (or console_secret in the configuration "
    "file) to one long random value on every host")


def metrics_folder(settings: Settings) -> Path:
    """The workers' metrics folder: the configured one emptied, else a fresh temporary one."""
    if settings.metrics_dir is None:
        return Path(tempfile.mkdtemp(prefix="jrp-metrics-"))
    folder = settings.metrics_dir.resolve()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def served_url(host: str, port: int) -> str:
    """The URL to open: a wildcard address is shown as 127.0.0.1 (it says nothing of where to reach the server)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - the address to open, not to bind
    return f"http://{shown}:{port}"


def startup_line(settings: Settings, host: str, port: int, workers: int, metrics: Path) -> str:
    from sqlalchemy.engine import make_url

    store = make_url(settings.resolved_database_url()).render_as_string(hide_password=True)
    rulesets = settings.rulesets_dir or "bundled"
    return (f"jrp serving {served_url(host, port)} (console /console, API docs /docs, metrics /metrics) on {host}:{port}"
            f" with {workers} worker{'s' if workers > 1 else ''}; store {store}; rulesets {rulesets}; "
            f"worker metrics in {metrics}")


def run(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve until stopped (Ctrl-C); the environment prepared here is what every worker reads."""
    import uvicorn

    metrics = metrics_folder(settings)
    os.environ[MULTIPROCESS_DIR] = str(metrics)
    generated_secret = settings.console_secret is None  # one from the environment or the file reaches the workers
    if generated_secret:
        os.environ["JRP_CONSOLE_SECRET"] = secrets.token_urlsafe(32)
    os.environ[PARENT_ENV] = str(os.getpid())  # the workers end with this process (jrp.api.worker_lifetime)
    if workers > 1:  # one process has no other to share commits with
        os.environ[HOST_WRITER_ENV] = "1"
    if "access_log" not in settings.model_fields_set:  # on unless the environment or the file turned it off
        os.environ["JRP_ACCESS_LOG"] = "true"
    if settings.advertised_url is None:
        os.environ["JRP_ADVERTISED_URL"] = served_url(host, port)
    print(startup_line(settings, host, port, workers, metrics), file=sys.stdout, flush=True)
    if generated_secret and not settings.resolved_database_url().startswith("sqlite"):
        logging.config.dictConfig(log_config(settings.log_level))
        log.warning({"event": "console_secret_generated", "message": CONSOLE_SECRET_WARNING})
    try:
        uvicorn.run("jrp.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_config=log_config(settings.log_level), access_log=False,
                    timeout_keep_alive=settings.keep_alive_timeout)
    finally:
        if settings.metrics_dir is None:  # a temporary folder of this run
            shutil.rmtree(metrics, ignore_errors=True)
