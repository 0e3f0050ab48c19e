"""Every user error of the command line is one line on stderr with exit status 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from jrp.adapters.facts.demo import DEMO_SUBJECTS
from tests.cli.conftest import Run

DEBTOR = DEMO_SUBJECTS["debtor_supplier"].subject_id
CHECK = ("check", DEBTOR, "--scenario", "government_procurement", "--purpose", "bid")
EXAMPLES = Path(__file__).parents[2] / "adapters" / "facts" / "examples"


@pytest.mark.parametrize(("args", "words"), [
    (("replay", "deadbeef"), "no decision deadbeef in the log"),
    (("check", "91320508MA1X00017", "--scenario", "consumption", "--purpose", "x"), "SUBJECT: length 17, expected 18"),
    (("check", "91320508MA1X000179", "--scenario", "consumption", "--purpose", "x"), "SUBJECT: "),
    ((*CHECK[:3], "consumption", "--role", "supplier", "--purpose", "x"),
     "--role: role supplier does not belong to scenario consumption; use one of consumer"),
    ((*CHECK, "--as-of", "2010-01-01"), "no ruleset is in force in CN on 2010-01-01; the first rules for CN take "
                                        "effect on 2014-10-01"),
    ((*CHECK, "--jurisdiction", "CN-XX"), "unknown jurisdiction 'CN-XX'; known: CN, CN-JS"),
    (("import", EXAMPLES / "gsxt-penalties.csv", "--profile", "nope"), "no import profile 'nope'; known profiles: "),
    (("import", "missing.csv"), "no file missing.csv"),
    (("batch", "missing.csv", "--scenario", "bidding", "--purpose", "x"), "No such file or directory: missing.csv"),
    (("--rulesets-dir", "nowhere", "rulesets", "validate"), "no rulesets folder"),
    (("rulesets", "diff", "cn-credit-repair@1999", "cn-credit-repair@2026"), "no ruleset cn-credit-repair@1999"),
    (("rulesets", "eval", "missing.yaml"), "No such file or directory: missing.yaml"),
    (("--data-dir", "empty", "audit", "verify"), "the store has no tables yet: `jrp import`, `jrp demo` or `jrp serve` create them"),
])
def test_a_user_error_is_one_line_and_exit_status_2(jrp: Run, args: tuple, words: str) -> None:
    result = jrp(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert words in result.stderr
    assert result.stdout == "" and isinstance(result.exception, SystemExit)


def test_a_database_that_does_not_exist_is_named_with_the_fix(jrp: Run) -> None:
    result = jrp("--database-url", "postgresql+psycopg://postgres@127.0.0.1:5432/jrp_no_such_db", "audit", "verify")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: cannot use the database postgresql+psycopg://postgres@127.0.0.1:5432/"
                                    "jrp_no_such_db: ")
    # a running server names the database (createdb); without one, the connection is refused
    assert "createdb jrp_no_such_db" in result.stderr or "check that the database server runs" in result.stderr


def test_a_bad_option_value_is_a_usage_error_naming_the_format(jrp: Run) -> None:
    result = jrp(*CHECK, "--as-of", "2025-13-01")
    assert result.exit_code == 2
    assert "'2025-13-01' is not a date: write YYYY-MM-DD" in result.stderr


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    jrp = Path(sys.executable).parent / "jrp"
    done = subprocess.run([str(jrp), "--data-dir", str(tmp_path), "replay", "deadbeef"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_a_bug_keeps_its_traceback(jrp: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from jrp.runtime import Runtime

    monkeypatch.setattr(Runtime, "migrate", lambda self: 1 / 0)
    result = jrp("import", EXAMPLES / "gsxt-penalties.csv", "--profile", "gsxt-penalties")
    assert isinstance(result.exception, ZeroDivisionError)
