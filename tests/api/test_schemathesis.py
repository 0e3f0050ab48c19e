"""schemathesis against ``jrp serve --workers 2`` over a fresh demo store: every operation of the OpenAPI document.

Requests are generated from the document itself, which states the real constraints (check
digits through the ``credit-code`` format of ``tests/schemathesis_hooks.py``, the known
jurisdictions and ruleset versions, a reason for waivers), so they reach 200 as well as every
documented error. Checked: no server error, no status or content type the document does not
list for the operation, no response breaking its schema, no schema-violating request
accepted, no request accepted without its key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from jrp.access import Role
from jrp.adapters.facts.demo import generate
from jrp.adapters.facts.ingest import ingest
from jrp.demo_vocabulary import vocabulary_of
from jrp.runtime import Runtime
from jrp.settings import Settings
from tests.live_server import served

SCHEMATHESIS = Path(sys.executable).parent / "st"
CHECKOUT = Path(__file__).parents[2]  # where ``tests.schemathesis_hooks`` is imported from
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
          "negative_data_rejection", "ignored_auth")
MAX_EXAMPLES = 15  # per operation and phase: ~1,200 requests, about two minutes on two cores
SEED = 20261129  # the same requests at every run; change it to explore others


def test_every_operation_answers_as_documented(tmp_path: Path) -> None:
    runtime = Runtime(Settings(data_dir=tmp_path / "data"))
    runtime.migrate()
    ingest(runtime.engine, generate(11, 40, 3, vocabulary_of(runtime.library)), context=runtime.event_context)
    key = runtime.keys.create_key("schemathesis", Role.admin, department="测试").plaintext
    runtime.close()
    report = tmp_path / "schemathesis.json"
    with served(tmp_path / "data", workers=2) as server:
        run = subprocess.run(
            [str(SCHEMATHESIS), "run", f"{server.url}/openapi.json", "-H", f"X-API-Key: {key}",
             "--checks", ",".join(CHECKS), "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
             "--request-timeout", "60", "--generation-database", "none", "--no-color", "--report", "json", "--report-json-path", str(report)],
            capture_output=True, text=True, timeout=900, cwd=tmp_path,  # its cache folder stays out of the checkout
            env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(CHECKOUT)})
    summary = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    cases = summary.get("test_cases", {})
    print(f"\nschemathesis: {cases.get('generated')} requests over {summary.get('operations', {}).get('tested')} "
          f"operations, {cases.get('with_failures')} with failures, {cases.get('errored')} errored")
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert summary["operations"]["tested"] == summary["operations"]["total"] >= 21
    assert cases["generated"] > 500 and cases["with_failures"] == cases["errored"] == 0

