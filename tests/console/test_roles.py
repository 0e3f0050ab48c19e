"""Every page answers each role exactly as the API's permission table (jrp/access.py) says."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jrp.access import PERMISSIONS, Action, Role
from tests.api.conftest import DEBTOR, Api
from tests.console.conftest import Console

PAGES = [  # (path, the action it needs); {decision} is a decision the checker key made
    ("/console/decisions", Action.search_decisions),
    ("/console/decisions/{decision}", Action.read_decision),
    ("/console/decisions/{decision}/replay?rules=original", Action.replay),
    ("/console/audit/verify", Action.verify),
    ("/console/rulesets", Action.read_catalogue),
    ("/console/rulesets/cn-basic-list", Action.read_catalogue),
    ("/console/measures", Action.read_catalogue),
    ("/console/measures/gp-supplier-disqualified", Action.read_catalogue),
    ("/console/rulesets/diff", Action.diff_rulesets),
    ("/console/impact", Action.preview_impact),
    ("/console/stats", Action.read_stats),
    (f"/console/subjects/{DEBTOR}", Action.read_subject),
    ("/console/tracking", Action.read_stats),
]


@pytest.mark.parametrize("role", list(Role))
def test_pages_follow_the_permission_table(role: Role, api: Api, console_as: Callable[..., Console]) -> None:
    decision = api.check()["decision_id"]
    console = console_as(role.value)
    for path, action in PAGES:
        response = console.client.get(path.format(decision=decision))
        expected = 200 if role in PERMISSIONS[action] else 403
        assert response.status_code == expected, (role, path, response.text[:300])


def test_a_forbidden_page_says_why_in_the_chosen_language(console_as: Callable[..., Console]) -> None:
    console = console_as("maintainer")
    chinese = console.get("/console/audit/verify")
    assert chinese.status_code == 403 and "规则维护 角色的密钥不能执行“校验日志”" in chinese.text
    english = console.get("/console/audit/verify", lang="en")
    assert english.status_code == 403 and "a maintainer key may not verify the log" in english.text
    assert "Traceback" not in english.text


def test_checkers_read_only_their_own_decisions(api: Api, console_as: Callable[..., Console]) -> None:
    others = api.check(key="checker_any")["decision_id"]
    response = console_as("checker").get(f"/console/decisions/{others}")
    assert response.status_code == 403 and "只能查看本密钥作出的决定" in response.text
    assert console_as("auditor").get(f"/console/decisions/{others}").status_code == 200


def test_navigation_offers_only_what_the_role_may_open(console_as: Callable[..., Console]) -> None:
    maintainer = console_as("maintainer").get("/console/rulesets").text
    assert 'href="/console/rulesets/diff"' in maintainer and 'href="/console/impact"' in maintainer
    assert 'href="/console/audit/verify"' not in maintainer and 'href="/console/decisions"' not in maintainer
    auditor = console_as("auditor").get("/console/decisions").text
    assert 'href="/console/audit/verify"' in auditor and 'href="/console/impact"' not in auditor
