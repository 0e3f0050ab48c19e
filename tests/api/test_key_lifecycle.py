"""API keys: revoked at once in every worker, optional expiry, last use, and the CLI that manages them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jrp.access import Role
from jrp.adapters.access.api_keys import KeyStore, demo_key
from jrp.api.app import create_app
from jrp.cli.main import app as cli
from jrp.settings import Settings
from tests.api.conftest import Api, within_feed_bound
from tests.api.test_errors import CHECK
from tests.console.conftest import open_console


def test_a_revoked_key_is_refused_within_the_feed_bound_in_every_worker(fresh_api: Api) -> None:
    url = fresh_api.runtime.settings.resolved_database_url()
    plaintext = fresh_api.keys["checker_any"]
    second_worker = TestClient(create_app(Settings(database_url=url)))
    with second_worker:
        for client in (fresh_api.client, second_worker):  # both have authenticated the key already
            assert client.post("/v1/checks", json=CHECK, headers={"X-API-Key": plaintext}).status_code == 200
        operator = KeyStore(fresh_api.runtime.engine)  # `jrp keys revoke`, from a third process
        key_id = next(i.key.key_id for i in operator.list_keys() if i.key.name == "checker_any")
        revoked = operator.revoke(key_id)
        assert revoked.state(datetime.now(UTC)) == "revoked"
        assert operator.revoke(key_id).revoked_at == revoked.revoked_at  # revoking twice keeps the first date
        for client in (fresh_api.client, second_worker):  # both hold the key in memory: their feeds drop it
            response = within_feed_bound(
                fresh_api.runtime, lambda: client.post("/v1/checks", json=CHECK, headers={"X-API-Key": plaintext}),
                lambda response: response.status_code == 401)
            assert "revoked on" in response.json()["message"]
    with pytest.raises(KeyError, match="no key 'nope'"):
        operator.revoke("nope")


def test_a_revoked_keys_console_session_ends_at_once(fresh_api: Api) -> None:
    console = open_console(fresh_api, "auditor")
    assert console.get("/console/decisions").status_code == 200
    key_id = next(i.key.key_id for i in fresh_api.runtime.keys.list_keys() if i.key.name == "auditor")
    fresh_api.runtime.keys.revoke(key_id)
    assert console.get("/console/decisions").status_code == 303
    assert console.sign_in("auditor").status_code == 401


def test_expiry_and_last_use(fresh_api: Api) -> None:
    keys = fresh_api.runtime.keys
    now = datetime.now(UTC)
    expired = keys.create_key("old", Role.auditor, expires_at=now - timedelta(minutes=1)).plaintext
    current = keys.create_key("new", Role.auditor, expires_at=now + timedelta(days=1)).plaintext
    refused = fresh_api.client.get("/v1/audit/verify", headers={"X-API-Key": expired})
    assert refused.status_code == 401 and "expired on" in refused.json()["message"]
    assert fresh_api.client.get("/v1/audit/verify", headers={"X-API-Key": current}).status_code == 200
    keys.close()  # the last use is written from a background thread: wait for it
    used = {info.key.name: info for info in keys.list_keys()}
    assert used["new"].last_used_at is not None and now - timedelta(minutes=1) < used["new"].last_used_at
    assert used["old"].last_used_at is None and used["old"].state(datetime.now(UTC)) == "expired"


def test_keys_cli_creates_lists_and_revokes(tmp_path) -> None:
    data = ["--data-dir", str(tmp_path)]
    created = CliRunner().invoke(cli, [*data, "keys", "create", "审批系统", "--role", "checker",
                                       "--jurisdiction", "CN-JS-NT", "--expires", "2099-12-31"])
    assert created.exit_code == 0, created.output
    assert "expires 2099-12-31 16:00 UTC" in created.output  # the end of that day in China
    key_id = created.output.split()[1]
    listed = CliRunner().invoke(cli, [*data, "keys", "list"])
    assert key_id in listed.output and "active" in listed.output and "CN-JS-NT" in listed.output
    revoked = CliRunner().invoke(cli, [*data, "keys", "revoke", key_id])
    assert revoked.exit_code == 0 and "revoked at" in revoked.output
    assert "revoked" in CliRunner().invoke(cli, [*data, "keys", "list"]).output
    assert CliRunner().invoke(cli, [*data, "keys", "revoke", "nope"]).exit_code == 2
    bad_date = CliRunner().invoke(cli, [*data, "keys", "create", "x", "--role", "admin", "--expires", "soon"])
    assert bad_date.exit_code == 2


def test_the_demo_reuses_its_key(fresh_api: Api, tmp_path) -> None:
    keys = fresh_api.runtime.keys
    first, reused_first = demo_key(keys, tmp_path / "demo-key")
    second, reused_second = demo_key(keys, tmp_path / "demo-key")
    assert (first, reused_first, reused_second) == (second, False, True)
    (tmp_path / "demo-key").unlink()  # lost: a new key, and the old one revoked, never two admin demo keys
    third, _ = demo_key(keys, tmp_path / "demo-key")
    active = [i for i in keys.list_keys() if i.key.name == "demo" and i.state(datetime.now(UTC)) == "active"]
    assert third != first and [i.key.role for i in active] == [Role.admin]
    assert (tmp_path / "demo-key").stat().st_mode & 0o777 == 0o600


def test_jrp_demo_prints_the_same_key_at_every_run(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jrp.serving.run", lambda *args, **kwargs: None)
    runs = [CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "demo", "--subjects", "4"]) for _ in range(2)]
    assert all(run.exit_code == 0 for run in runs), runs[0].output
    printed = [next(word for word in run.output.split() if word.startswith("jrp_")) for run in runs]
    assert printed[0] == printed[1] and "the same as last time" in runs[1].output
