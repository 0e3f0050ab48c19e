"""Operations over HTTP: request ids, JSON access logs, readiness, and what /metrics counts."""

from __future__ import annotations

import json
import logging
import re

import pytest
from fastapi.testclient import TestClient

from jrp.api.app import create_app
from jrp.logs import REQUEST_ID, JsonFormatter
from jrp.settings import Settings
from tests.api.conftest import DEBTOR, Api


def _value(metrics: str, name: str, **labels: str) -> float:
    """One sample of the exposition (0 when absent); labels are matched in any order."""
    for line in metrics.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.rsplit(" ", 1)[0]))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_every_answer_carries_a_request_id_and_a_callers_well_formed_one_is_kept(api: Api) -> None:
    made = api.client.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert api.client.get("/healthz").headers["x-request-id"] != made
    assert api.client.get("/healthz", headers={"X-Request-ID": "bid-17:abc.DEF_1"}).headers["x-request-id"] == "bid-17:abc.DEF_1"
    for bad in ("has space", "x" * 65, "<script>"):
        kept = api.client.get("/healthz", headers={"X-Request-ID": bad}).headers["x-request-id"]
        assert kept != bad and re.fullmatch(r"[0-9a-f]{32}", kept)
    denied = api.client.post("/v1/checks", json={}, headers={"X-Request-ID": "req-401"})
    assert denied.status_code == 401 and denied.headers["x-request-id"] == "req-401"


def test_the_access_log_is_one_json_object_per_request(tmp_path, capfd: pytest.CaptureFixture[str]) -> None:
    app = create_app(Settings(data_dir=tmp_path, access_log=True))
    with TestClient(app) as client:
        capfd.readouterr()
        response = client.get(f"/v1/decisions/{DEBTOR}", headers={"X-Request-ID": "r-1"})
        [line] = [json.loads(text) for text in capfd.readouterr().out.splitlines()]
    assert response.status_code == 401
    assert line["request_id"] == "r-1" == response.headers["x-request-id"]
    assert (line["event"], line["method"], line["path"], line["status"]) == ("request", "GET", f"/v1/decisions/{DEBTOR}",
                                                                           401)
    assert line["route"] == "/v1/decisions/{decision_id}" and line["duration_ms"] > 0
    assert {"ts", "level", "logger", "pid", "client"} <= line.keys()


def test_an_error_log_line_carries_the_request_id(caplog: pytest.LogCaptureFixture) -> None:
    token = REQUEST_ID.set("r-2")
    try:
        with caplog.at_level(logging.ERROR, logger="jrp.api"):
            logging.getLogger("jrp.api").error("boom")
        line = json.loads(JsonFormatter().format(caplog.records[-1]))  # as a handler formats: while answering
    finally:
        REQUEST_ID.reset(token)
    assert (line["request_id"], line["message"], line["level"]) == ("r-2", "boom", "error")


def test_metrics_count_requests_by_route_template_checks_and_log_appends(api: Api) -> None:
    before = api.client.get("/metrics").text
    for _ in range(3):
        api.check()
    api.client.get("/v1/decisions/nonexistent", headers=api.headers("auditor"))
    after = api.client.get("/metrics").text
    route = {"route": "/v1/checks", "method": "POST"}

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("jrp_http_requests_total", **route, status="200") == 3
    assert grew("jrp_http_request_duration_seconds_count", **route) == 3
    assert grew("jrp_checks_total", scenario="government_procurement", outcome="deny") == 3
    assert grew("jrp_decision_log_appended_entries_total") == 3
    assert grew("jrp_decision_log_append_duration_seconds_count") >= 1  # appends of one tick are written together
    assert grew("jrp_http_requests_total", route="/v1/decisions/{decision_id}", method="GET", status="404") == 1
    assert "nonexistent" not in after  # raw paths never become labels


def test_an_unhandled_error_is_counted_and_answered_500(fresh_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    before = _value(fresh_api.client.get("/metrics").text, "jrp_errors_total", kind="unhandled")
    monkeypatch.setattr(fresh_api.runtime.service, "check_async", broken)
    client = TestClient(fresh_api.client.app, raise_server_exceptions=False)
    response = client.post("/v1/checks", headers=fresh_api.headers("checker"), json={
        "subject": {"id": DEBTOR}, "scenario": "government_procurement", "purpose": "x"})
    assert response.status_code == 500 and response.json()["code"] == "internal_error"
    after = fresh_api.client.get("/metrics").text
    assert _value(after, "jrp_errors_total", kind="unhandled") - before == 1
    assert _value(after, "jrp_http_requests_total", route="/v1/checks", method="POST", status="500") >= 1


def test_ready_when_the_database_answers_and_the_rulesets_are_loaded(api: Api) -> None:
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready" and ready.json()["checks"]["database"] == "ok"
    assert "ruleset versions loaded" in ready.json()["checks"]["rulesets"]


def test_not_ready_without_a_database(tmp_path) -> None:
    app = create_app(Settings(database_url="postgresql+psycopg://jrp@127.0.0.1:1/jrp", data_dir=tmp_path))
    with TestClient(app) as client:
        answer = client.get("/readyz")
        assert client.get("/healthz").status_code == 200  # alive all the same
    assert answer.status_code == 503 and answer.json()["status"] == "not ready"
    assert answer.json()["checks"]["database"].startswith("unreachable: ")
