"""Fixtures: the ``jrp`` command run in-process by click's CliRunner (stdout and stderr apart), over a
store and rulesets folder of the test's own, chosen through the environment as a user would."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from unittest.mock import patch

import pytest
from click.testing import Result
from typer.testing import CliRunner

from jrp.cli.main import app
from jrp.runtime import Runtime
from jrp.settings import Settings
from tests.publishing import rulesets_copy

Run = Callable[..., Result]


@pytest.fixture
def jrp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``jrp("check", …)``: the command over a migrated SQLite store in ``tmp_path`` and the bundled rulesets."""
    for name in ("DATABASE_URL", "JRP_RULESETS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JRP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    Runtime(Settings()).migrate()
    runner = CliRunner()

    def run(*args: object) -> Result:
        with patch.dict(os.environ):  # the global options export themselves for the server's workers
            return runner.invoke(app, [str(a) for a in args])

    return run


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A working copy of the bundled rulesets, to add an edition to (``tests.publishing``)."""
    return rulesets_copy(tmp_path / "rulesets")
