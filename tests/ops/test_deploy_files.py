"""The Dockerfile and compose.yaml agree with the code: their commands parse as jrp commands, their
variables are settings jrp reads, the health checks ask routes the app has, and the image gets every
package. (The image itself is built by .ci/run where a container engine runs.)"""

from __future__ import annotations

import os
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jrp import serving
from jrp.api.app import create_app
from jrp.cli.main import app as cli
from jrp.runtime import Runtime
from jrp.settings import Settings

ROOT = Path(__file__).parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _instructions(name: str) -> list[str]:
    """The arguments of every ``name`` instruction of the Dockerfile (continuation lines joined)."""
    text = DOCKERFILE.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in text.splitlines() if line.startswith(name + " ")]


def _serve(argv: list[str], environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict:
    """What ``argv`` (a jrp command line) starts under ``environment``: the server's settings and address.

    The command runs for real up to the point where it would serve: the store's migration and
    uvicorn are replaced by recorders.
    """
    assert argv[0] == "jrp"
    started: dict = {}
    monkeypatch.setattr(serving, "run", lambda settings, host, port, workers: started.update(
        settings=settings, host=host, port=port, workers=workers))
    monkeypatch.setattr(Runtime, "migrate", lambda self: None)
    _environment(environment, monkeypatch)
    result = CliRunner().invoke(cli, argv[1:])
    assert result.exit_code == 0, result.output
    return started


def _environment(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("JRP_") or n == "DATABASE_URL"]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, str(value))


def _known_variables() -> set[str]:
    names = {f"JRP_{field.upper()}" for field in Settings.model_fields} | {"DATABASE_URL", "JRP_CONFIG"}
    return names - {"JRP_DATABASE_URL"}


def _dockerfile_env() -> dict[str, str]:
    return dict(pair.split("=", 1) for line in _instructions("ENV") for pair in shlex.split(line))


def _answered(paths: list[str], folder: Path) -> dict[str, int]:
    with TestClient(create_app(Settings(data_dir=folder))) as client:
        return {path: client.get(path).status_code for path in paths}


def test_the_compose_service_runs_a_jrp_command_with_settings_jrp_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    service = COMPOSE["services"]["jrp"]
    assert set(service["environment"]) <= _known_variables()
    started = _serve(service["command"], service["environment"], monkeypatch)
    assert (started["host"], started["port"], started["workers"]) == ("0.0.0.0", 8000, 2)
    assert started["settings"].database_url == service["environment"]["DATABASE_URL"]
    assert service["ports"] == [f"{started['port']}:{started['port']}"]


def test_the_database_url_names_the_compose_database(monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(COMPOSE["services"]["jrp"]["environment"]["DATABASE_URL"])
    database = COMPOSE["services"]["db"]["environment"]
    assert url.drivername == "postgresql+psycopg" and url.host == "db" and "db" in COMPOSE["services"]
    assert (url.username, url.password, url.database) == (database["POSTGRES_USER"], database["POSTGRES_PASSWORD"],
                                                          database["POSTGRES_DB"])
    assert COMPOSE["services"]["jrp"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_image_runs_a_jrp_command_with_settings_jrp_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    [command] = _instructions("CMD")
    environment = {k: v for k, v in _dockerfile_env().items() if not k.startswith(("PYTHON", "PIP_"))}
    assert set(environment) <= _known_variables()
    started = _serve(yaml.safe_load(command), environment, monkeypatch)
    assert (started["host"], started["workers"]) == ("0.0.0.0", 2)
    assert _instructions("EXPOSE") == [str(started["port"])]
    assert started["settings"].data_dir == Path("/var/lib/jrp")


def test_health_checks_ask_routes_the_app_has(tmp_path: Path) -> None:
    checks = [" ".join(COMPOSE["services"]["jrp"]["healthcheck"]["test"]), *_instructions("HEALTHCHECK")]
    paths = [check.split("http://127.0.0.1:8000", 1)[1].split("'", 1)[0] for check in checks]
    assert paths == ["/readyz", "/readyz"]
    answered = _answered([*paths, "/healthz", "/metrics"], tmp_path)
    assert 404 not in answered.values(), answered


def test_the_image_gets_every_package_of_the_distribution() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    folders = {path.split("/")[0] for path in pyproject["tool"]["setuptools"]["package-dir"].values()}
    copied = {line.split()[0] for line in _instructions("COPY")}
    assert folders <= copied, folders - copied
    assert {"pyproject.toml", "README.md"} <= set(_instructions("COPY")[0].split()[:-1])
