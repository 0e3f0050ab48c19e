"""Natural persons' data in the log: pseudonyms and sealed originals in the store, the same masking in every
view, replay with the originals, and crypto-erasure that leaves the tree and its proofs intact."""

from __future__ import annotations

import html
from datetime import date

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select
from typer.testing import CliRunner

from jrp.adapters.facts.demo import make_resident_id, make_uscc
from jrp.adapters.facts.erasure import erase_persons
from jrp.adapters.facts.identity import mask_resident_id
from jrp.adapters.facts.orm import EventRow
from jrp.adapters.log.crypto.personal_data import PersonalDataKey, decrypt, encrypt
from jrp.adapters.log.entries import decisions_t
from jrp.adapters.log.fact_snapshots import snapshots_t
from jrp.cli.main import app as cli
from tests.api.conftest import PERSON, Api
from tests.console.conftest import open_console

NAME = "王建国"


def _person_check(api: Api) -> str:
    return api.check(key="checker_any", subject={"id": PERSON}, scenario="consumption", role=None, jurisdiction="CN",
                     purpose="高消费限制核查")["decision_id"]


def _get(api: Api, decision_id: str, key: str) -> dict:
    response = api.client.get(f"/v1/decisions/{decision_id}", headers=api.headers(key))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_store_keeps_pseudonyms_and_sealed_originals_only(fresh_api: Api) -> None:
    decision_id = _person_check(fresh_api)
    with fresh_api.runtime.engine.connect() as connection:
        row = connection.execute(select(decisions_t).where(decisions_t.c.decision_id == decision_id)).mappings().one()
        snapshots = connection.execute(select(snapshots_t.c.facts)).scalars().all()
    stored = row["entry"] + "".join(snapshots)
    assert PERSON not in stored and NAME not in stored and "1978-03-15" not in stored
    assert row["subject_id"].startswith("pd:id:") and '"personal_data":{"ciphertext":' in row["entry"]


def test_every_view_masks_a_natural_person_alike_by_role(fresh_api: Api) -> None:
    decision_id = _person_check(fresh_api)
    auditor, maintainer = _get(fresh_api, decision_id, "auditor"), _get(fresh_api, decision_id, "maintainer")
    assert auditor["request"]["subject"]["id"] == PERSON and auditor["personal_data_state"] == "shown"
    assert maintainer["request"]["subject"]["id"] == mask_resident_id(PERSON)
    assert maintainer["personal_data_state"] == "masked" and PERSON not in str(maintainer) and NAME not in str(maintainer)
    page = html.unescape(open_console(fresh_api, "maintainer").client.get(f"/console/decisions/{decision_id}").text)
    assert PERSON not in page and NAME not in page and mask_resident_id(PERSON) in page
    found = fresh_api.client.get("/v1/decisions", params={"subject": PERSON}, headers=fresh_api.headers("auditor"))
    assert [row["subject_id"] for row in found.json()["items"]] == [PERSON]


def test_replay_uses_the_originals_and_erasure_keeps_the_tree(fresh_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    decision_id = _person_check(fresh_api)
    replay = fresh_api.client.post(f"/v1/decisions/{decision_id}/replay", json={"rules": "original"},
                                   headers=fresh_api.headers("auditor"))
    assert replay.status_code == 200 and replay.json()["identical"], replay.text
    runtime = fresh_api.runtime
    monkeypatch.setenv("DATABASE_URL", runtime.settings.resolved_database_url())
    monkeypatch.setenv("JRP_DATA_DIR", str(runtime.settings.data_dir))
    erased = CliRunner().invoke(cli, ["audit", "erase-personal-data", "--today", "2200-01-01"])
    assert erased.exit_code == 0 and "erased the personal-data keys of 1 month(s)" in erased.output, erased.output
    after = _get(fresh_api, decision_id, "auditor")
    assert after["personal_data_state"] == "erased" and after["request"]["subject"]["id"].startswith("pd:id:")
    assert after["result"]["measures"] and all(set(m) >= {"measure_id", "until", "triggered_by"}
                                               for m in after["result"]["measures"])  # as far as the entry says
    page = open_console(fresh_api, "auditor").client.get(f"/console/decisions/{decision_id}")
    assert page.status_code == 200 and after["result"]["measures"][0]["measure_id"] in page.text
    gone = fresh_api.client.post(f"/v1/decisions/{decision_id}/replay", json={"rules": "original"},
                                 headers=fresh_api.headers("auditor"))
    assert gone.status_code == 410 and "erased after the retention period" in gone.json()["message"]
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    assert runtime.verify_log().ok
    assert fresh_api.client.get(f"/v1/decisions/{decision_id}/proof", headers=fresh_api.headers("auditor")).status_code == 200


def test_sealed_originals_open_only_for_their_own_decision_and_key() -> None:
    key = PersonalDataKey.generate()
    data_key = key.unwrap(key.wrap(b"k" * 32, "2025-06"), "2025-06")
    sealed = encrypt({"pd:id:x": PERSON}, data_key, "2025-06", "decision-a")
    assert decrypt(sealed, data_key, "decision-a") == {"pd:id:x": PERSON}
    with pytest.raises(InvalidTag):  # the originals of one decision cannot be passed off as another's
        decrypt(sealed, data_key, "decision-b")
    with pytest.raises(InvalidTag):
        key.unwrap(key.wrap(b"k" * 32, "2025-06"), "2025-07")
    other = PersonalDataKey.generate().pseudonymiser()
    assert key.pseudonymiser().token("id", PERSON) == key.pseudonymiser().token("id", PERSON) != other.token("id", PERSON)


def test_a_decision_on_a_persons_facts_still_replays_after_the_facts_store_erased_them(fresh_api: Api) -> None:
    """A person's facts go by reference to the events too: erasure overwrites their events with their pseudonymised
    form, and the decision's sealed originals read them back to the same facts (the same digest), so it replays
    and verifies before and after; only once the log's own data key is erased is it read without facts."""
    person = make_resident_id("320500", date(1960, 5, 1), 77)
    company = make_uscc("320500", "PRMN0001")
    base = {"occurred_on": "2015-06-01", "source": {"authority": "苏州市市场监督管理局", "doc_no": ""}}
    events = [
        {**base, "type": "subject_registered", "idempotency_key": "erasable-person",
         "subject": {"id": person, "name": "李四", "type": "natural_person"}},
        {**base, "type": "relation_set", "idempotency_key": "erasable-role", "subject": {"id": person, "name": "李四"},
         "organisation": {"id": company, "name": "苏州某某有限公司"}, "role": "legal_representative"},
        {**base, "type": "relation_ended", "idempotency_key": "erasable-role-end", "subject": {"id": person},
         "organisation": {"id": company}, "role": "legal_representative", "occurred_on": "2016-06-01"},
        {**base, "type": "penalty_issued", "idempotency_key": "erasable-penalty", "subject": {"id": company},
         "domain": "market", "severity": "general", "amount": 5000,
         "source": {"authority": "苏州市市场监督管理局", "doc_no": "苏市监罚〔2015〕12号"}},
    ]
    sent = fresh_api.client.post("/v1/events", json={"events": events}, headers=fresh_api.headers("ingester"))
    assert sent.json()["accepted"] == len(events), sent.text
    decision = fresh_api.check(key="checker_any", subject={"id": person}, scenario="consumption", role=None,
                               jurisdiction="CN", purpose="高消费限制核查")["decision_id"]
    runtime = fresh_api.runtime
    before = runtime.log.get(decision)
    assert "facts_ref" in before and before["facts"]["subject"]["birth_date"] == "1960-05-01"
    with runtime.engine.connect() as connection:
        assert before["facts_digest"] not in set(connection.execute(select(snapshots_t.c.digest)).scalars())

    def replays() -> bool:
        replay = fresh_api.client.post(f"/v1/decisions/{decision}/replay", json={"rules": "original"},
                                       headers=fresh_api.headers("auditor"))
        assert replay.status_code == 200, replay.text
        return replay.json()["identical"]

    assert replays()
    erased = erase_persons(runtime.engine, runtime.audit_keys.personal.pseudonymiser(), date(2200, 1, 1))
    assert erased.persons == 1 and erased.events == 3, erased
    assert person not in str(runtime.engine.connect().execute(select(EventRow.payload)).scalars().all())
    assert runtime.log.get(decision)["facts"] == before["facts"] and replays()
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    assert runtime.verify_log().ok
    runtime.log.data_keys.erase_before("2200-01")
    gone = runtime.log.find(decision)
    assert gone is not None and gone.erased and "facts" not in gone.entry
    assert gone.entry["result"]["outcome"] == before["result"]["outcome"]  # what the compact entry says
    assert [m["measure_id"] for m in gone.entry["result"]["measures"]] == \
        [m["measure_id"] for m in before["result"]["measures"]]
    assert _get(fresh_api, decision, "auditor")["personal_data_state"] == "erased"
    page = open_console(fresh_api, "auditor").client.get(f"/console/decisions/{decision}")
    assert page.status_code == 200 and decision in page.text
    assert runtime.verify_log().ok
