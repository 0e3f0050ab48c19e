"""Record an example of every API request and response for the OpenAPI document (``api/openapi_examples.json``).

Runs the app in-process over a temporary SQLite store holding the demo's subjects, sends one
real request per operation and keeps the request and its answer, lists shortened to two items.
``tests/api/test_openapi.py`` checks that every example still validates against its schema.

    .venv/bin/python docs/make_api_examples.py
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from typing import Any

from fastapi.testclient import TestClient

from jrp.access import Role
from jrp.adapters.facts.demo import DEMO_SUBJECTS, generate
from jrp.adapters.facts.ingest import ingest
from jrp.api.app import create_app
from jrp.api.openapi import EXAMPLES
from jrp.demo_vocabulary import vocabulary_of
from jrp.rulesets.library import BUNDLED_RULESETS
from jrp.settings import Settings

DEBTOR = DEMO_SUBJECTS["debtor_supplier"].subject_id
CLEAN = DEMO_SUBJECTS["clean_supplier"].subject_id
PERSON = DEMO_SUBJECTS["legal_representative"].subject_id
CHECK = {"subject": {"id": DEBTOR}, "scenario": "government_procurement", "role": "supplier",
         "jurisdiction": "CN-JS-NT", "purpose": "南通市政府采购项目 NT-2025-017", "reference": "NT-2025-017"}
EVENT = {"type": "penalty_issued", "idempotency_key": "amr-（2025）太市监处罚〔2025〕88号",
         "subject": {"id": DEMO_SUBJECTS["a_level_taxpayer"].subject_id, "name": "太仓诚信精密制造有限公司"},
         "domain": "food_safety", "severity": "general", "procedure": "general", "amount": 20000,
         "occurred_on": "2025-06-18", "region": "CN-JS",
         "source": {"authority": "太仓市市场监督管理局", "doc_no": "太市监处罚〔2025〕88号"}}

LISTING = {"type": "list_entry_added", "idempotency_key": "court-（2025）苏06执99号", "subject": {"id": CLEAN},
           "list_id": "dishonest-judgment-debtors", "severity": "serious", "ground": "spc-2017-art1-item1",
           "occurred_on": "2025-06-20", "region": "CN-JS",
           "source": {"authority": "南通市中级人民法院", "doc_no": "（2025）苏06执99号"}}


def shortened(value: Any) -> Any:
    """Lists cut to two items, at every depth: an example shows the shape, not the whole store."""
    if isinstance(value, list):
        return [shortened(item) for item in value[:2]]
    if isinstance(value, dict):
        return {key: shortened(item) for key, item in value.items()}
    return value


def record() -> dict[str, Any]:
    operations: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="jrp-examples-") as folder:
        app = create_app(Settings(database_url=f"sqlite:///{folder}/jrp.db"))
        runtime = app.state.runtime
        runtime.migrate()
        ingest(runtime.engine, generate(7, 12, 3, vocabulary_of(runtime.library)), context=runtime.event_context)
        key = runtime.keys.create_key("example", Role.admin, department="南通市信用办").plaintext
        with TestClient(app, headers={"X-API-Key": key}) as client:

            def call(method: str, template: str, path: str | None = None, body: Any = None,
                     **params: str) -> dict[str, Any]:
                response = client.request(method, path or template, json=body, params=params or None)
                assert response.status_code < 300, (template, response.text)
                entry = operations.setdefault(f"{method} {template}", {"responses": {}})
                if body is not None:
                    entry["request"] = body
                entry["responses"][str(response.status_code)] = shortened(response.json())
                return response.json()

            decision = call("POST", "/v1/checks", body=CHECK)["decision_id"]
            options = {name: value for name, value in CHECK.items() if name != "subject"}
            batch = call("POST", "/v1/checks/batch", body={**options, "subjects": [{"id": DEBTOR}, {"id": CLEAN}]})
            report = client.get(f"/v1/checks/batch/{batch['batch_id']}/report").text
            call("GET", "/v1/reports/verify", code=re.search(r"data-verification-code>([A-Z2-7-]+)<", report).group(1))
            call("GET", "/v1/decisions", limit="2")
            call("GET", "/v1/decisions/{decision_id}", f"/v1/decisions/{decision}")
            call("POST", "/v1/decisions/{decision_id}/replay", f"/v1/decisions/{decision}/replay", {"rules": "current"})
            call("POST", "/v1/decisions/{decision_id}/feedback", f"/v1/decisions/{decision}/feedback",
                 {"action": "applied", "reason": "", "case_outcome": "投标被拒绝"})
            call("GET", "/v1/stats", period="month")
            runtime.tree.integrate_all(runtime.audit_keys.signing)  # what the sequencer does within a second
            call("GET", "/v1/decisions/{decision_id}/proof", f"/v1/decisions/{decision}/proof")
            call("GET", "/v1/audit/verify")
            call("GET", "/v1/audit/checkpoint")
            call("GET", "/v1/audit/consistency", old="1")
            call("GET", "/v1/audit/keys")
            call("GET", "/v1/audit/facts")
            call("POST", "/v1/events", body={"events": [EVENT]})
            call("GET", "/v1/subjects/{subject_id}", f"/v1/subjects/{PERSON}")
            call("GET", "/v1/subjects/{subject_id}/supervision", f"/v1/subjects/{DEBTOR}/supervision",
                 jurisdiction="CN-JS-NT")
            call("GET", "/v1/measures", list="dishonest-judgment-debtors", jurisdiction="CN-JS-NT")
            call("GET", "/v1/measures/{measure_id}", "/v1/measures/gp-supplier-disqualified")
            call("GET", "/v1/rulesets")
            call("GET", "/v1/rulesets/diff", **{"from": "cn-credit-repair@2023", "to": "cn-credit-repair@2026"})
            candidate = (BUNDLED_RULESETS / "CN" / "cn-credit-repair" / "2026.yaml").read_text(encoding="utf-8")
            call("POST", "/v1/rulesets/impact", body={"candidate_yaml": candidate, "as_of": "2026-06-01", "sample": 20})
            call("GET", "/v1/rulesets/{ruleset_id}", "/v1/rulesets/cn-credit-repair")
            subscription = {**CHECK, "subject": {"id": CLEAN}, "purpose": "合同 NT-2025-017 履约期跟踪",
                            "watch_until": "2027-12-31", "delivery": {"webhook_url": None}}
            made = call("POST", "/v1/subscriptions", body={"subscriptions": [subscription]})["items"][0]
            watched = f"/v1/subscriptions/{made['subscription_id']}"
            call("GET", "/v1/subscriptions", limit="2")
            call("GET", "/v1/subscriptions/{subscription_id}", watched)
            call("POST", "/v1/decisions/{decision_id}/watch", f"/v1/decisions/{decision}/watch",
                 {"watch_until": "2027-12-31", "delivery": {"webhook_url": None}})
            ingest(runtime.engine, [LISTING], context=runtime.event_context)
            runtime.tracker.run_once()  # what the tracker does within a second
            notification = call("GET", "/v1/subscriptions/{subscription_id}/notifications",
                                f"{watched}/notifications")["items"][0]["notification_id"]
            call("POST", "/v1/subscriptions/{subscription_id}/notifications/{notification_id}/redeliver",
                 f"{watched}/notifications/{notification}/redeliver")
            call("GET", "/v1/subscriptions/dead-letters")
            call("POST", "/v1/subscriptions/secret")
            call("DELETE", "/v1/subscriptions/{subscription_id}", watched)
            call("GET", "/healthz")
            call("GET", "/readyz")
            error = client.post("/v1/checks", json={**CHECK, "subject": {"id": DEBTOR[:-1] + "0"}}).json()
    return {"error": error, "operations": operations}


if __name__ == "__main__":
    recorded = record()
    if "--only" in sys.argv[1:]:  # add the operations named after --only, keep the others as recorded before
        kept = json.loads(EXAMPLES.read_text(encoding="utf-8"))
        prefixes = tuple(sys.argv[sys.argv.index("--only") + 1:])
        kept["operations"].update({name: entry for name, entry in recorded["operations"].items()
                                   if name.split(" ", 1)[1].startswith(prefixes)})
        recorded = kept
    EXAMPLES.write_text(json.dumps(recorded, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {EXAMPLES}")
