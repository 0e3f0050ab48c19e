"""Several ``jrp serve`` processes on one PostgreSQL store are one service (issue 15.4).

Two real servers (one worker each, on their own ports) share the store, the data folder
(signing and personal-data keys) and a console secret, as the README's "Several hosts"
asks: the same check gets the same answer from each; checks answered by both end in one
log that verifies, each with its inclusion proof; a key revoked through one is refused by
the other within a deadline; a console session started on one is valid on the other; a
third server with other rules is reported by /readyz and ``jrp hosts``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from jrp.access import Role
from jrp.rulesets.library import BUNDLED_RULESETS
from tests.api.conftest import CLEAN, DEBTOR
from tests.api.test_serving import CHECK, Store, Stream, assert_every_answer_is_in_the_tree, prepared
from tests.live_server import JRP, Server, start
from tests.pg import pg_schema

SECRET = "one console secret for every host of the service, long and random in production"
DEADLINE = 30.0  # seconds a key change may take to reach every host (a cache refreshed by a change feed)


class Service:
    """The store and the servers sharing it."""

    def __init__(self, store: Store, admin: str):
        self.store, self.admin = store, admin
        self.servers: list[Server] = []

    def start(self, count: int, output: Path | None = None, **env: str) -> list[Server]:
        """``count`` more servers, started side by side, with the console secret of the configuration file."""
        environment = {"JRP_CONFIG": str(self.config), "JRP_CHECKPOINT_INTERVAL": "0.2", **env}
        with ThreadPoolExecutor(count) as pool:
            started = list(pool.map(lambda _: start(database_url=self.store.url, data_dir=self.store.folder,
                                                    workers=1, env=environment, ready="/readyz", output=output),
                                    range(count)))
        self.servers.extend(started)
        return started

    @property
    def config(self) -> Path:
        """The service's TOML file: the console secret (a file, not the environment: both must reach the workers)."""
        path = self.store.folder / "jrp.toml"
        if not path.exists():
            path.write_text(f'console_secret = "{SECRET}"\n', encoding="utf-8")
        return path

    def jrp(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(JRP), "--database-url", self.store.url, "--data-dir", str(self.store.folder), *args],
                              capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with pg_schema("jrp_hosts") as url:
        store = prepared(url, tmp_path_factory.mktemp("hosts"))
        runtime = store.runtime()
        admin = runtime.keys.create_key("hosts admin", Role.admin, department="ops").plaintext
        runtime.close()
        service = Service(store, admin)
        try:
            service.start(2)
            yield service
        finally:
            for server in service.servers:
                server.stop()


def _check(server: Server, key: str, subject: str, reference: str = "") -> httpx.Response:
    return httpx.post(f"{server.url}/v1/checks", headers={"X-API-Key": key}, timeout=30,
                      json={**CHECK, "subject": {"id": subject}, **({"reference": reference} if reference else {})})


def _until(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, f"not within {deadline:.0f} s: {what}"
        time.sleep(0.2)


def test_every_host_gives_the_same_answer_and_knows_the_others(service: Service) -> None:
    a, b = service.servers[:2]
    for subject in (DEBTOR, CLEAN):
        answers = [_check(server, service.store.key, subject).json() for server in (a, b)]
        same = [(x["outcome"], [m["measure_id"] for m in x["measures"]], x["bundle"]["hash"]) for x in answers]
        assert same[0] == same[1], same
        assert answers[0]["decision_id"] != answers[1]["decision_id"]  # two decisions, both logged
    assert [m["measure_id"] for m in _check(a, service.store.key, DEBTOR).json()["measures"]], "the debtor has measures"
    for server in (a, b):
        ready = httpx.get(f"{server.url}/readyz").json()
        assert ready["status"] == "ready" and ready["checks"]["hosts"] == "agrees with 1 other live process", ready
    listed = service.jrp("hosts")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert {a.url, b.url} <= set(re.findall(r"http://127\.0\.0\.1:\d+", listed.stdout))


def test_checks_answered_by_every_host_end_in_one_log_that_verifies(service: Service) -> None:
    stream = Stream(service.store, service.servers[:2])
    threads = stream.run(clients=6)  # each client alternates between the hosts
    try:
        time.sleep(3)
    finally:
        stream.stop(threads)
    assert stream.failures == [] and len(stream.answered) > 50
    assert_every_answer_is_in_the_tree(service.store, stream.answered)  # proofs, and the whole log verifies
    runtime = service.store.runtime()
    try:
        with runtime.engine.connect() as connection:
            rows, seqs, leaves, ids = connection.exec_driver_sql(
                "SELECT count(*), count(DISTINCT seq), count(DISTINCT leaf_index), count(DISTINCT decision_id) "
                "FROM decisions").one()
    finally:
        runtime.close()
    assert rows == seqs == leaves == ids >= len(stream.answered)  # no sequence number or leaf given twice
    verified = service.jrp("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_key_revoked_through_one_host_is_refused_by_the_others(service: Service) -> None:
    a, b = service.servers[:2]
    created = service.jrp("keys", "create", "short-lived", "--role", "checker")
    assert created.returncode == 0, created.stderr
    key_id, key = re.search(r"^key (\S+) \(", created.stdout, re.M).group(1), created.stdout.split()[-1]
    _until(lambda: all(_check(server, key, CLEAN).status_code == 200 for server in (a, b)), "new key honoured")
    revoked = service.jrp("keys", "revoke", key_id)
    assert revoked.returncode == 0, revoked.stdout + revoked.stderr
    _until(lambda: all(_check(server, key, CLEAN).status_code == 401 for server in (a, b)), "revoked key refused")


def test_a_console_session_from_one_host_is_valid_on_another(service: Service) -> None:
    a, b = service.servers[:2]
    with httpx.Client(base_url=a.url) as on_a, httpx.Client(base_url=b.url) as on_b:
        form = on_a.get("/console/sign-in")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        signed_in = on_a.post("/console/sign-in", data={"csrf": token, "api_key": service.admin, "next": ""})
        assert signed_in.status_code == 303, signed_in.text
        cookie = {"Cookie": f"jrp_console={signed_in.cookies['jrp_console']}"}
        page = on_b.get("/console/rulesets", headers=cookie)
        assert page.status_code == 200 and "nantong-silent-check" in page.text
        # a form rendered by one host is accepted by another: sign out on b with a's page's token …
        token = re.search(r'name="csrf" value="([^"]+)"', on_a.get("/console/rulesets", headers=cookie).text).group(1)
        out = on_b.post("/console/sign-out", data={"csrf": token}, headers=cookie)
        assert out.status_code == 303 and "signed_out=1" in out.headers["location"]
        # … and the session ends on every host
        assert on_a.get("/console/rulesets", headers=cookie).status_code == 303


def _rules_edited(folder: Path) -> Path:
    """A copy of the bundled rulesets with one title of Nantong's live version changed (another bundle hash)."""
    copy = folder / "rulesets"
    shutil.copytree(BUNDLED_RULESETS, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = copy / "CN-JS-NT" / "nantong-silent-check" / "2024.2.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("en: Nantong silent credit check in government procurement}",
                                 "en: Nantong silent credit check in government procurement (edited)}", 1),
                    encoding="utf-8")
    return copy


def test_a_host_serving_other_rules_or_without_the_console_secret_is_reported(service: Service,
                                                                             tmp_path: Path) -> None:
    a = service.servers[0]
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    [other] = service.start(1, output=tmp_path / "stdout", JRP_RULESETS_DIR=str(_rules_edited(tmp_path)),
                            JRP_CONFIG=str(empty))
    try:
        hosts = httpx.get(f"{a.url}/readyz").json()["checks"]["hosts"]
        assert hosts.startswith("DISAGREES with 1 of 2 other live processes: ")
        assert f"{other.url} (pid" in hosts and "answers CN-JS-NT with other rules today" in hosts
        assert "CN-JS-SZ" not in hosts  # only the jurisdiction whose bundle differs
        assert "signs console sessions with another secret" in hosts
        assert any('"event":"console_secret_generated"' in line for line in other.lines())  # told at its start
        assert httpx.get(f"{other.url}/readyz").json()["checks"]["hosts"].startswith("DISAGREES with 2 of 2 ")
        listed = service.jrp("hosts")
        assert listed.returncode == 1 and "differs from A: it answers CN-JS-NT with other rules today" in listed.stdout
    finally:
        service.servers.remove(other)
        other.stop()
    # a stopped host leaves the table at once
    assert httpx.get(f"{a.url}/readyz").json()["checks"]["hosts"] == "agrees with 1 other live process"
