"""Callers are authenticated and bodies bounded before a byte of the body is read; smaller HTTP hygiene."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from fastapi.testclient import TestClient

from jrp.api.app import create_app
from jrp.settings import Settings
from tests.api.conftest import DEBTOR, Api
from tests.api.test_errors import CHECK

CHUNK = 64 * 1024


def _drive(app, path: str, headers: dict[str, str], chunks: int) -> tuple[int, dict, int]:
    """POST ``chunks`` chunks of 64 KiB to the ASGI app; the status, the JSON answer and how many chunks it read."""
    read = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": b" " * CHUNK, "more_body": read < chunks}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "server": ("test", 80),
             "client": ("test", 1), "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body), read


def test_no_key_is_401_before_the_body_is_read(api: Api) -> None:
    declared = {"content-type": "application/json", "content-length": str(3200 * CHUNK)}  # 200 MiB
    status, body, read = _drive(api.client.app, "/v1/checks", declared, 3200)
    assert (status, body["code"], read) == (401, "not_authenticated", 0)
    status, _, read = _drive(api.client.app, "/v1/events", {"x-api-key": "jrp_forged"}, 3200)  # chunked, no length
    assert (status, read) == (401, 0)


def test_an_oversized_body_is_413_from_its_length_or_as_soon_as_it_passes_the_limit(api: Api) -> None:
    key = {"x-api-key": api.keys["checker_any"], "content-type": "application/json"}
    status, body, read = _drive(api.client.app, "/v1/checks", {**key, "content-length": str(3200 * CHUNK)}, 3200)
    assert (status, body["code"], read) == (413, "body_too_large", 0)
    assert "262,144 bytes" in body["message"]
    status, body, read = _drive(api.client.app, "/v1/checks", key, 3200)  # chunked: counted while read
    assert (status, body["code"]) == (413, "body_too_large") and read == 262_144 // CHUNK + 1


def test_limits_are_per_route_and_configurable(api: Api) -> None:
    batch = {**CHECK, "subjects": [{"id": DEBTOR, "name": "苏州恒远机电设备有限公司" * 10}] * 2000}
    del batch["subject"]
    response = api.client.post("/v1/checks/batch", json=batch, headers=api.headers("checker_any"))
    assert response.status_code == 200  # ~1.5 MB: over the default limit, under the batch route's
    tight = TestClient(create_app(Settings(database_url=api.runtime.settings.resolved_database_url(),
                                           body_limits={"/v1/checks/batch": 1000})))
    refused = tight.post("/v1/checks/batch", json=batch, headers=api.headers("checker_any"))
    assert refused.status_code == 413 and "1,000 bytes" in refused.json()["message"]


def test_console_uploads_are_bounded_too(api: Api) -> None:
    client = TestClient(api.client.app)
    response = client.post("/console/sign-in", content=b"x" * 300_000,
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413 and "text/html" in response.headers["content-type"]


def test_a_wrong_method_is_405_with_allow(api: Api) -> None:
    response = api.client.delete("/v1/checks", headers=api.headers("admin"))
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert response.json()["code"] == "http_error"


def test_a_key_given_twice_is_refused(api: Api) -> None:
    body = json.dumps(CHECK)[:-1] + ', "purpose": "other"}'
    response = api.client.post("/v1/checks", content=body, headers={**api.headers("checker_any"),
                                                                     "content-type": "application/json"})
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error == {"field": "body", "message": "invalid JSON: the key 'purpose' is given twice in one object; "
                                                 "send it once"}
    nested = '{"events": [{"type": "x", "type": "y"}]}'
    assert api.client.post("/v1/events", content=nested, headers={**api.headers("ingester"),
                                                                   "content-type": "application/json"}).status_code == 422


def test_the_batch_report_forbids_scripts_and_sniffing(api: Api) -> None:
    options = {name: value for name, value in CHECK.items() if name != "subject"}
    batch = api.client.post("/v1/checks/batch", json={**options, "subjects": [{"id": DEBTOR}]},
                            headers=api.headers("checker_any")).json()
    report = api.client.get(f"/v1/checks/batch/{batch['batch_id']}/report", headers=api.headers("checker_any"))
    assert report.status_code == 200
    assert report.headers["x-content-type-options"] == "nosniff"
    assert report.headers["content-security-policy"].startswith("default-src 'none'")


def test_decision_times_carry_their_timezone(api: Api) -> None:
    api.check(key="checker_any")
    (summary,) = api.client.get("/v1/decisions?limit=1", headers=api.headers("auditor")).json()["items"]
    assert datetime.fromisoformat(summary["created_at"]).tzinfo is not None
    decision = api.client.get(f"/v1/decisions/{summary['decision_id']}", headers=api.headers("auditor")).json()
    assert datetime.fromisoformat(decision["created_at"]).tzinfo is not None
