"""A typed client generated from ``/openapi.json`` by a real generator (openapi-python-client) works first time and
reads naturally: ``checks_create``, ``checks_batch`` — not FastAPI's ``check_v1_checks_post`` — and a 422 is parsed
into the typed error model naming the field."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import CLEAN, DEBTOR, Api

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "jrp_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated")


def _generate(api: Api, where: Path) -> ModuleType:
    if not (where / PACKAGE).exists():
        spec, config = where / "openapi.json", where / "config.json"
        spec.write_text(json.dumps(api.client.get("/openapi.json").json()), encoding="utf-8")
        config.write_text(json.dumps({"post_hooks": []}), encoding="utf-8")  # no formatter is installed
        done = subprocess.run([str(GENERATOR), "generate", "--path", str(spec), "--output-path", str(where / PACKAGE),
                               "--meta", "none", "--config", str(config)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_every_operation_has_a_stable_readable_id(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    ids = [operation["operationId"] for item in spec["paths"].values() for operation in item.values()]
    assert len(ids) == len(set(ids))
    assert all(part.isidentifier() and part.islower() for name in ids for part in name.split(".")), ids
    assert all(name.count(".") == 1 for name in ids), ids
    assert {"checks.create", "checks.batch", "events.create", "decisions.replay", "subscriptions.create"} <= set(ids)


def test_a_generated_client_makes_a_check_and_a_batch_and_parses_a_422(api: Api, generated: Path) -> None:
    package = _generate(api, generated)
    client = package.Client(base_url="http://testserver")
    client.set_httpx_client(TestClient(api.client.app, headers=api.headers("checker")))
    models = _module("models")
    case = {"scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT",
            "purpose": "南通市政府采购项目 NT-2025-031"}

    answer = _module("api.checks.checks_create").sync(
        client=client, body=models.CheckRequestV1.from_dict({"subject": {"id": DEBTOR}, **case}))
    assert isinstance(answer, models.CheckResponseV1) and answer.outcome == "deny"
    assert answer.measures[0].measure_id == "gp-supplier-disqualified"

    batch = _module("api.checks.checks_batch").sync(
        client=client, body=models.BatchRequestV1.from_dict({"subjects": [{"id": DEBTOR}, {"id": CLEAN}], **case}))
    assert isinstance(batch, models.BatchResponseV1)
    assert [result.outcome for result in batch.results] == ["deny", "allow"]

    refused = _module("api.checks.checks_create").sync_detailed(
        client=client, body=models.CheckRequestV1.from_dict({"subject": {"id": DEBTOR}, **case, "role": "bidder"}))
    assert refused.status_code == 422 and isinstance(refused.parsed, models.ErrorV1)
    assert [error.field for error in refused.parsed.errors] == ["role"]


def test_a_generated_client_subscribes_and_reads_the_subscription_back(api: Api, generated: Path) -> None:
    package = _generate(api, generated)
    client = package.Client(base_url="http://testserver")
    client.set_httpx_client(TestClient(api.client.app, headers=api.headers("checker")))
    models = _module("models")
    body = models.SubscriptionsRequestV1.from_dict({"subscriptions": [{
        "subject": {"id": DEBTOR}, "scenario": "government_procurement", "role": "supplier",
        "jurisdiction": "CN-JS-NT", "purpose": "合同 NT-2025-031 履约期跟踪", "watch_until": "2027-12-31"}]})
    created = _module("api.subscriptions.subscriptions_create").sync(client=client, body=body)
    assert isinstance(created, models.SubscriptionsCreatedV1) and created.created == 1
    assert created.items[0].outcome == "deny"
    one = _module("api.subscriptions.subscriptions_get").sync(created.items[0].subscription_id, client=client)
    assert isinstance(one, models.SubscriptionV1) and one.decision_id == created.items[0].decision_id
