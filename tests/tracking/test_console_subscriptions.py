"""The console's subscriptions page over plain HTTP: a subscription made from the form (CSRF-checked, refused
field by field as the API refuses it: a bad id, a webhook target jrp may not call, a scenario outside the key's
scopes), notified like any other, and deleted; another key cannot delete it."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from jrp.demo_vocabulary import vocabulary_of
from tests.console.conftest import CSRF, Console
from tests.tracking.conftest import CLEAN, Tracked
from tests.tracking.events import listing


def _console(tracked: Tracked, key: str) -> Console:
    console = Console(tracked, TestClient(tracked.client.app, follow_redirects=False))  # type: ignore[arg-type]
    assert console.sign_in(key).status_code == 303
    return console


def _form(tracked: Tracked, **fields: str) -> dict[str, str]:
    return {"subject": CLEAN, "scenario": "government_procurement", "role": "supplier", "jurisdiction": "CN-JS-NT",
            "purpose": "合同 NT-2026-21 履约期跟踪", "reference": "NT-2026-21", "watch_until": "2028-12-31",
            "webhook_url": tracked.receiver.url, **fields}


def test_a_subscription_made_and_deleted_in_the_console(tracked: Tracked) -> None:
    console = _console(tracked, "checker")
    page = console.get("/console/subscriptions", lang="en")
    assert page.status_code == 200 and "New subscription" in page.text
    assert "新建订阅" in console.get("/console/subscriptions", lang="zh").text
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]

    def post(path: str, **data: str) -> httpx.Response:
        return console.client.post(path, data={"csrf": token, **data})

    assert console.client.post("/console/subscriptions", data=_form(tracked)).status_code == 403  # no CSRF token
    refused = post("/console/subscriptions", **_form(tracked, webhook_url="http://10.20.30.40/hook"))
    assert refused.status_code == 422 and "接收地址（Webhook URL）" in refused.text and "10.20.30.40" in refused.text
    assert 'value="NT-2026-21"' in refused.text  # the form as typed
    bad_id = post("/console/subscriptions", **_form(tracked, subject="91320600MA1ABCDEF0"))
    assert bad_id.status_code == 422 and "主体代码" in bad_id.text
    scoped = post("/console/subscriptions", **_form(tracked, scenario="consumption", role=""))
    assert scoped.status_code == 403 and "consumption" in scoped.text
    assert tracked.client.get("/v1/subscriptions", headers=tracked.headers()).json()["items"] == []

    made = post("/console/subscriptions", **_form(tracked))
    assert made.status_code == 200 and "已订阅" in made.text, made.text
    secret = re.search(r"<code>(whsec_[^<]+)</code>", made.text)
    assert secret  # shown once
    tracked.receiver.secret = secret.group(1)
    [sub] = tracked.client.get("/v1/subscriptions", headers=tracked.headers()).json()["items"]
    assert sub["watch"]["reference"] == "NT-2026-21" and sub["watch_until"] == "2028-12-31"
    assert f'data-subscription="{sub["subscription_id"]}"' in made.text
    assert "<code>whsec_" not in post("/console/subscriptions", **_form(tracked, reference="NT-2026-22")).text

    tracked.track()
    tracked.send(listing(vocabulary_of(tracked.runtime.library), CLEAN, "console-made", tracked.clock.day))
    assert tracked.track() == 2
    tracked.dispatch()
    assert len(tracked.receiver.wait_for(2)) == 2 and not tracked.receiver.refused

    other = _console(tracked, "checker_any")
    other_token = CSRF.search(other.get("/console/subscriptions").text).group(1)  # type: ignore[union-attr]
    stolen = other.client.post("/console/subscriptions/delete",
                               data={"csrf": other_token, "subscription_id": sub["subscription_id"]})
    assert stolen.status_code == 404
    gone = post("/console/subscriptions/delete", subscription_id=sub["subscription_id"])
    assert gone.status_code == 200 and f'data-subscription="{sub["subscription_id"]}"' not in gone.text
    assert tracked.client.get(f"/v1/subscriptions/{sub['subscription_id']}", headers=tracked.headers()).status_code == 404
