"""A decision's receipt is stored compact (what its row does not hold already) and every reader gets it back in
full, exactly as the check returned it; rows written before, with their receipts in full, read and verify as
before (issue 24)."""

from __future__ import annotations

import re

import orjson
from sqlalchemy import select, update

from jrp.adapters.log.crypto.signing import verify_answer, verify_receipt
from jrp.adapters.log.entries import decisions_t
from tests.api.conftest import CLEAN, DEBTOR, Api

BATCH = {"scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT",
         "purpose": "南通市政府采购项目 NT-2025-017", "reference": "NT-2025-017"}


def _answers(api: Api) -> tuple[list[dict], str]:
    """A check and a batch of two as their callers got them, and the batch report's verification code."""
    single = api.check(subject={"id": CLEAN})
    batch = api.client.post("/v1/checks/batch", headers=api.headers("checker"), json={
        **BATCH, "subjects": [{"id": DEBTOR}, {"id": CLEAN}]}).json()
    page = api.client.get(f"/v1/checks/batch/{batch['batch_id']}/report", headers=api.headers("checker"))
    assert page.status_code == 200
    api.runtime.tree.integrate_all(api.runtime.audit_keys.signing)
    code = re.search(r"data-verification-code>([A-Z2-7-]+)<", page.text).group(1)
    return [single, *batch["results"]], code


def _stored(api: Api) -> dict[str, str]:
    with api.runtime.engine.connect() as connection:
        return dict(connection.execute(select(decisions_t.c.decision_id, decisions_t.c.receipt)).all())


def _read_back_and_verified(api: Api, answers: list[dict], code: str) -> None:
    """Every reader gives each answer's receipt as returned; the log and the report verify."""
    public = api.runtime.audit_keys.signing.public
    for answer in answers:
        served = api.client.get(f"/v1/decisions/{answer['decision_id']}", headers=api.headers("auditor"))
        assert served.status_code == 200 and served.json()["receipt"] == answer["receipt"]
        assert api.runtime.log.find(answer["decision_id"]).receipt == answer["receipt"]
        verify_receipt(answer["receipt"], public)
        verify_answer(answer, answer["receipt"])
    assert api.runtime.verify_log().ok
    found = api.client.get("/v1/reports/verify", params={"code": code}).json()
    assert found["genuine"] is True and found["problem"] is None


def test_a_receipt_is_stored_compact_and_read_back_in_full(fresh_api: Api) -> None:
    answers, code = _answers(fresh_api)
    stored = _stored(fresh_api)
    for answer in answers:
        compact, full = stored[answer["decision_id"]], orjson.dumps(answer["receipt"]).decode()
        assert compact.startswith("[") and len(compact) < len(full) * 0.6, (compact, full)
        for repeated in (answer["decision_id"], answer["receipt"]["entry_hash"], answer["receipt"]["time"]):
            assert repeated not in compact  # the row holds them already
    _read_back_and_verified(fresh_api, answers, code)


def test_rows_written_with_full_receipts_read_and_verify_as_before(fresh_api: Api) -> None:
    answers, code = _answers(fresh_api)
    with fresh_api.runtime.engine.begin() as connection:  # as the service stored them before: the receipt in full
        for answer in answers:
            connection.execute(update(decisions_t).where(decisions_t.c.decision_id == answer["decision_id"])
                               .values(receipt=orjson.dumps(answer["receipt"]).decode()))
    assert all(text.startswith("{") for text in _stored(fresh_api).values())
    _read_back_and_verified(fresh_api, answers, code)

