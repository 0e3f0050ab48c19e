"""Running the API as deployed: uvicorn with worker processes, JSON logs, metrics summed over the workers.

``jrp serve`` and ``jrp demo`` call ``run``: it prepares the folder where every worker keeps
its metrics (emptied: values of a previous run must not be summed in), gives the workers one
console signing secret, prints one startup line with the URL, then hands over to uvicorn,
whose workers each build the app with ``create_app``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

from jrp.logs import log_config
from jrp.settings import Settings

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus-client's multiprocess folder, read when it is first imported: set here, before any worker imports it."""


def metrics_folder(settings: Settings) -> Path:
    """The workers' metrics folder: the configured one emptied, else a fresh temporary one."""
    if settings.metrics_dir is None:
        return Path(tempfile.mkdtemp(prefix="jrp-metrics-"))
    folder = settings.metrics_dir.resolve()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def startup_line(settings: Settings, host: str, port: int, workers: int, metrics: Path) -> str:
    from sqlalchemy.engine import make_url

    store = make_url(settings.resolved_database_url()).render_as_string(hide_password=True)
    rulesets = settings.rulesets_dir or "bundled"
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - the address to open, not to bind
    return (f"jrp serving http://{shown}:{port} (console /console, API docs /docs, metrics /metrics) on {host}:{port}"
            f" with {workers} worker{'s' if workers > 1 else ''}; store {store}; rulesets {rulesets}; "
            f"worker metrics in {metrics}")


def run(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve until stopped (Ctrl-C); the environment prepared here is what every worker reads."""
    import uvicorn

    metrics = metrics_folder(settings)
    os.environ[MULTIPROCESS_DIR] = str(metrics)
    os.environ.setdefault("JRP_CONSOLE_SECRET", secrets.token_urlsafe(32))
    if "access_log" not in settings.model_fields_set:  # on unless the environment or the file turned it off
        os.environ["JRP_ACCESS_LOG"] = "true"
    print(startup_line(settings, host, port, workers, metrics), file=sys.stdout, flush=True)
    try:
        uvicorn.run("jrp.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                    log_config=log_config(settings.log_level), access_log=False)
    finally:
        if settings.metrics_dir is None:  # a temporary folder of this run
            shutil.rmtree(metrics, ignore_errors=True)
