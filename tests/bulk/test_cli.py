"""``jrp export facts``, ``jrp screen`` and ``jrp rulesets impact --spark-master`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jrp.cli.main import app as cli
from jrp.rulesets.library import Library
from tests.bulk.conftest import demo_engine
from tests.bulk.factory import STRANGER, candidate_file

SCREEN = ["screen", "--scenario", "government_procurement", "--role", "supplier", "--jurisdiction", "CN-JS-NT",
          "--as-of", "2025-06-01"]


@pytest.fixture
def data_dir(tmp_path: Path, library: Library, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A demo store of the test's own, named to the CLI through the environment (as `--data-dir` would)."""
    folder = tmp_path / "data"
    demo_engine(f"sqlite:///{folder / 'jrp.db'}", library).dispose()
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("JRP_DATA_DIR", str(folder))
    return folder


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_export_writes_the_store_and_refuses_to_overwrite(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "facts"
    result = _run("export", "facts", "--out", str(out), "--rows-per-file", "100")
    assert result.exit_code == 0, result.output
    assert "exported 404 subjects" in result.output and len(list(out.glob("*.parquet"))) == 5
    again = _run("export", "facts", "--out", str(out))
    assert again.exit_code == 2 and "not empty" in again.output


def test_screen_prints_tables_then_json_comparing_with_the_last_run(data_dir: Path, tmp_path: Path) -> None:
    first = _run(*SCREEN)
    assert first.exit_code == 0, first.output
    assert "screening 1" in first.output and "not written to the decision log" in first.output
    assert "first screening" in first.output and "gp-supplier-disqualified" in first.output
    out = tmp_path / "screening.json"
    second = _run(*SCREEN, "--json", "--out", str(out))
    assert second.exit_code == 0, second.output
    document = json.loads(second.output)
    assert document == json.loads(out.read_text(encoding="utf-8"))
    assert document["run"]["run_id"] == 2 and document["previous_run"]["run_id"] == 1
    assert document["hits"] and document["changes"] == []


def test_screen_on_spark_reads_an_export_and_matches_the_in_process_run(data_dir: Path, tmp_path: Path,
                                                                        spark) -> None:
    in_process = json.loads(_run(*SCREEN, "--json").output)
    out = tmp_path / "facts"
    assert _run("export", "facts", "--out", str(out)).exit_code == 0
    result = _run(*SCREEN, "--json", "--spark-master", "local[2]", "--facts", str(out))
    assert result.exit_code == 0, result.output
    on_spark = json.loads(result.output)
    assert on_spark["run"]["engine"] == "spark local[2]" and on_spark["previous_run"]["run_id"] == 1
    assert on_spark["hits"] == in_process["hits"] and on_spark["changes"] == []


def test_impact_runs_on_spark_from_the_command_line(data_dir: Path, tmp_path: Path, spark) -> None:
    result = _run("rulesets", "impact", str(candidate_file(tmp_path)), "--as-of", "2026-06-01", "--spark-master",
                  "local[2]")
    assert result.exit_code == 0, result.output
    assert "cn-basic-list@2026.1" in result.output and "404 subjects" in result.output


def test_a_registry_with_malformed_ids_is_refused_line_by_line(data_dir: Path, tmp_path: Path) -> None:
    registry = tmp_path / "suppliers.txt"
    registry.write_text(f"# suppliers of bid 17\n{STRANGER}\n91320500ABC\n\n12345\n", encoding="utf-8")
    result = _run(*SCREEN, "--registry", str(registry))
    assert result.exit_code == 2
    assert "2 malformed ids" in result.output and "line 3" in result.output and "line 5" in result.output
    csv_registry = tmp_path / "suppliers.csv"
    csv_registry.write_text("uscc\n91320500MA1X000178\n", encoding="utf-8")
    assert "'id' column" in _run(*SCREEN, "--registry", str(csv_registry)).output
    registry.write_text(f"{STRANGER}\n", encoding="utf-8")
    unknown = _run(*SCREEN, "--registry", str(registry))
    assert unknown.exit_code == 0 and "1 registry ids are not in the store" in unknown.output


@pytest.mark.parametrize("options, message", [
    (["--spark-master", "spark://10.0.0.1:7077"], "--facts"),
    (["--facts", "/tmp/somewhere"], "--spark-master"),
    (["--spark-master", "local[2]", "--facts", "/nonexistent/facts"], "no facts export there"),
    (["--spark-master", "local[2]", "--spark-conf", "spark.executor.memory"], "KEY=VALUE"),
])
def test_spark_options_that_cannot_work_are_refused_before_anything_runs(data_dir: Path, options: list[str],
                                                                         message: str) -> None:
    result = _run(*SCREEN, *options)
    assert result.exit_code == 2 and message in result.output, result.output
