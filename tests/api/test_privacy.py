"""Natural persons' data in the facts store and the logs, on both databases: erasure past retention leaves no
identifier, name or birth date of the erased persons in any file of the data folder (SQLite), any row
(PostgreSQL) or the access log, while `jrp audit verify` still passes and a search by the erased ID finds
nothing; the access log masks IDs in paths; a checker sees a person's stored name masked; files are 0600."""

from __future__ import annotations

import json
import stat
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from jrp.adapters.facts.audit import audit_facts
from jrp.adapters.facts.demo import make_resident_id, make_uscc
from jrp.adapters.facts.identity import mask_resident_id
from jrp.api.app import create_app
from jrp.cli.main import app as cli
from jrp.settings import Settings
from tests.api.conftest import PERSON, Api, _url, running_api

ERASED = make_resident_id("320500", date(1985, 6, 12), 12)  # a person whose facts all ended long ago
NAME, BORN = "欧阳秀英", "1985-06-12"
COMPANY = make_uscc("320600", "PRAW0001")
OLD = {"occurred_on": "2019-03-01", "source": {"authority": "南通市市场监督管理局", "doc_no": "通市监罚〔2019〕3号"}}
EVENTS = [
    {"type": "subject_registered", "idempotency_key": "p-1", "subject": {"id": ERASED, "name": NAME,
                                                                       "type": "natural_person"}, **OLD},
    {"type": "relation_set", "idempotency_key": "p-2", "subject": {"id": ERASED, "name": NAME},
     "organisation": {"id": COMPANY, "name": "南通隐私测试有限公司"}, "role": "legal_representative", **OLD},
    {"type": "relation_ended", "idempotency_key": "p-3", "subject": {"id": ERASED},
     "organisation": {"id": COMPANY}, "role": "legal_representative", **OLD, "occurred_on": "2020-01-01"},
    {"type": "penalty_issued", "idempotency_key": "p-4", "subject": {"id": ERASED, "name": NAME}, "domain": "market",
     "severity": "general", "end": "2020-03-01", **OLD,
     "raw": {"当事人": NAME, "证件号码": ERASED, "出生日期": BORN, "金额": "2000"}},
    {"type": "penalty_issued", "idempotency_key": "p-5", "subject": {"id": COMPANY}, "domain": "market",
     "severity": "general", "end": "2020-03-01", "persons": [ERASED], **OLD},
]


@pytest.fixture
def logged_api(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """A store of its own whose access log is on, written to ``logs/access.log`` beside the data (the access log
    goes to standard output: the app is made while that is the log file)."""
    urls = _url(backend, tmp_path)
    (tmp_path / "logs").mkdir()
    with open(tmp_path / "logs" / "access.log", "w", encoding="utf-8") as log:
        with monkeypatch.context() as patch:
            patch.setattr(sys, "stdout", log)
            context = running_api(next(urls), tmp_path, access_log=True)
            api = context.__enter__()
        try:
            yield api
        finally:
            context.__exit__(None, None, None)
            urls.close()


def _access_log(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "logs" / "access.log").read_text(encoding="utf-8").splitlines()]


def _needles() -> list[bytes]:
    words = [ERASED, NAME, BORN, BORN.replace("-", "")]
    return [form for word in words for form in {word.encode(), json.dumps(word)[1:-1].encode()}]


def _found_in_files(folder: Path) -> list[str]:
    found = []
    for path in [p for p in folder.rglob("*") if p.is_file()]:
        content = path.read_bytes()
        found += [f"{path.name}: {needle!r}" for needle in _needles() if needle in content]
    return found


def _found_in_rows(api: Api) -> list[str]:
    engine = api.runtime.engine
    found = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for (row,) in connection.execute(text(f'SELECT CAST(t AS TEXT) FROM "{table}" t')):
                found += [f"{table}: {needle!r}" for needle in _needles() if needle.decode() in row]
    return found


def _found(api: Api, backend: str, folder: Path) -> list[str]:
    """Where an identifier, name or birth date of the erased person still is: the files of the data folder and
    its logs (and, on PostgreSQL, whose files are the server's, every row of every table)."""
    return _found_in_files(folder) + (_found_in_rows(api) if backend == "postgresql" else [])


def test_erasure_past_retention_leaves_no_trace_and_the_log_still_verifies(
        logged_api: Api, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    api = logged_api
    ingested = api.client.post("/v1/events", json={"events": EVENTS}, headers=api.headers("ingester")).json()
    assert ingested["accepted"] == len(EVENTS), ingested
    assert api.client.get(f"/v1/subjects/{ERASED}", headers=api.headers("auditor")).status_code == 200
    api.check(key="checker_any", subject={"id": ERASED}, scenario="consumption", role=None, jurisdiction="CN",
              purpose="高消费核查")
    search = {"subject": ERASED}
    assert api.client.get("/v1/decisions", params=search, headers=api.headers("auditor")).json()["items"]

    assert _found(api, backend, tmp_path)  # the search below does find them while they are there

    runtime = api.runtime
    monkeypatch.setenv("DATABASE_URL", runtime.settings.resolved_database_url())
    monkeypatch.setenv("JRP_DATA_DIR", str(runtime.settings.data_dir))
    erased = CliRunner().invoke(cli, ["audit", "erase-personal-data", "--today", "2200-01-01"])
    assert erased.exit_code == 0, erased.output
    assert "erased the facts of 1 natural person(s)" in erased.output, erased.output

    runtime.tree.integrate_all(runtime.audit_keys.signing)
    assert runtime.verify_log().ok
    assert audit_facts(runtime.engine).ok  # the pseudonymised history replays to the overwritten projection
    token = runtime.audit_keys.personal.pseudonymiser().token("id", ERASED)
    forged = {**EVENTS[3], "idempotency_key": "p-6", "subject": {"id": token}}
    item = api.client.post("/v1/events", json={"events": [forged]}, headers=api.headers("ingester")).json()["items"][0]
    assert (item["status"], item["field"]) == ("rejected", "subject.id")  # no sender writes to an erased person
    assert api.client.get("/v1/decisions", params=search, headers=api.headers("auditor")).json()["items"] == []
    assert api.client.get(f"/v1/subjects/{ERASED}", headers=api.headers("auditor")).status_code == 404
    assert f"/v1/subjects/{mask_resident_id(ERASED)}" in {line["path"] for line in _access_log(tmp_path)}
    assert _found(api, backend, tmp_path) == []
    kept = api.client.get(f"/v1/subjects/{PERSON}", headers=api.headers("auditor"))
    assert kept.status_code == 200  # still under a restriction in force: the law still needs the data


def test_the_access_log_masks_resident_ids_in_paths(logged_api: Api, tmp_path: Path) -> None:
    for path in (f"/v1/subjects/{PERSON}", f"/v1/subjects/{PERSON.lower()}/supervision"):
        assert logged_api.client.get(path, headers=logged_api.headers("auditor")).status_code == 200
    lines = _access_log(tmp_path)
    assert [line["path"] for line in lines] == [f"/v1/subjects/{mask_resident_id(PERSON)}",
                                                f"/v1/subjects/{mask_resident_id(PERSON)}/supervision"]
    assert PERSON not in json.dumps(lines) and PERSON.lower() not in json.dumps(lines)


def test_a_checker_sees_a_persons_stored_name_masked_an_admin_in_full(api: Api) -> None:
    person = {"subject": {"id": PERSON}, "scenario": "consumption", "role": None, "jurisdiction": "CN"}
    assert api.check(key="checker_any", **person)["subject"]["name"] == "王**"
    assert api.check(key="admin", **person)["subject"]["name"] == "王建国"


def test_the_data_file_and_keys_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    with running_api(f"sqlite:///{tmp_path / 'data' / 'jrp.db'}", tmp_path / "data") as api:
        api.check()
        modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in (tmp_path / "data").rglob("*")
                 if p.is_file() and not p.name.endswith(".pub")}  # the public key is public
    assert modes.keys() >= {"jrp.db", "jrp.db-wal", "signing.pem", "personal-data.key"}
    assert modes == dict.fromkeys(modes, "0o600")


def test_an_existing_world_readable_data_file_is_narrowed(tmp_path: Path) -> None:
    database = tmp_path / "jrp.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    create_app(Settings(database_url=f"sqlite:///{database}", data_dir=tmp_path)).state.runtime.migrate()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
