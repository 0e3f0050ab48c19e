"""The answer of a check is the ``CheckResponseV1`` of its result, whether serialised through pydantic or joined
from the template cached with the evaluation (``jrp.api.presenters.check_json``)."""

from __future__ import annotations

from dataclasses import replace

import orjson
import pytest

from jrp.api.presenters import check_json, check_response
from jrp.service import CheckRequest, SubjectRef
from tests.api.conftest import DEBTOR, PERSON, Api


@pytest.mark.parametrize("subject, explain", [(DEBTOR, False), (DEBTOR, True), (PERSON, False)])
@pytest.mark.parametrize("key_name", ["checker_any", "auditor"])  # resident IDs masked, shown
def test_the_joined_answer_is_the_models(api: Api, subject: str, explain: bool, key_name: str) -> None:
    key = api.runtime.keys.authenticate(api.keys[key_name])
    request = CheckRequest(SubjectRef(subject), "government_procurement", "test", "supplier", "CN-JS-NT",
                           explain=explain)
    result = api.runtime.service.check(request, key.caller())
    assert result.receipt is not None
    for checked in (result, replace(result, receipt=None)):
        expected = check_response(checked, key).model_dump(mode="json", exclude_unset=True)
        assert orjson.loads(check_json(checked, key)) == expected
    again = api.runtime.service.check(request, key.caller())  # the cached template, another id and time
    assert again.evaluation is result.evaluation and again.decision_id != result.decision_id
    assert orjson.loads(check_json(again, key)) == check_response(again, key).model_dump(mode="json",
                                                                                          exclude_unset=True)
