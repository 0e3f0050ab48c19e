"""Events that cannot be right are refused before anything is stored, with the field and the rule, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jrp.adapters.facts.event_rules import EventContext, check_event, china_date
from jrp.adapters.facts.events import EventError, parse_event
from jrp.adapters.facts.ingest import ingest
from jrp.adapters.facts.orm import EventRow
from jrp.adapters.facts.source import FactsStore

from .factory import ORG, SOURCE, event, listing, penalty

TODAY = date(2025, 6, 30)
CONTEXT = EventContext(today=lambda: TODAY, list_ids=frozenset({"dishonest-judgment-debtors"}))


@pytest.mark.parametrize("item, field, words", [
    (penalty("future", on="2025-07-01"), "occurred_on", "after today (2025-06-30"),
    (penalty("future-start", start="2025-12-01"), "start", "after today"),
    (listing("ends-before", start="2025-03-01", end="2025-02-01"), "end", "before the record's start"),
    (penalty("no-doc", source={"authority": "苏州市生态环境局", "doc_no": "  "}), "source.doc_no", "行政处罚决定书文号"),
    (penalty("no-doc-field", source={"authority": "苏州市生态环境局"}), "source.doc_no", "document number"),
    (listing("unknown-list", list_id="bad-suppliers"), "list_id", "known lists: dishonest-judgment-debtors"),
    (penalty("epoch", on=0), "occurred_on", "write YYYY-MM-DD"),
    (penalty("digits", on="20250101"), "occurred_on", "write YYYY-MM-DD"),
    (penalty("nul-name") | {"subject": {"id": ORG, "name": "苏州\x00"}}, "subject.name", "NUL"),
    (penalty("nul-raw", raw={"备注": "a\x00b"}), "raw.备注", "NUL"),
    (penalty("nul-key", raw={"a\x00": "b"}), "raw.a\x00", "NUL"),
])
def test_impossible_events_are_refused_naming_field_and_rule(engine, item, field, words):
    report = ingest(engine, [item, penalty("fine")], context=CONTEXT)
    refused, stored = report.items
    assert (refused.status, refused.field) == ("rejected", field), refused
    assert words in refused.reason and refused.idempotency_key == item["idempotency_key"]
    assert stored.status == "accepted"
    assert [r.record_id for r in FactsStore(engine).load(ORG).records] == ["fine"]


def test_without_a_ruleset_library_lists_are_not_checked():
    check_event(parse_event(listing("any-list", list_id="bad-suppliers")), EventContext(today=lambda: TODAY))


def test_keys_that_are_not_text_are_reported_as_none_and_nothing_else_is_lost(engine):
    items = [penalty("ok-1"), penalty("x") | {"idempotency_key": {}}, penalty("y") | {"idempotency_key": 123},
             penalty("z") | {"idempotency_key": True}, penalty("ok-2")]
    report = ingest(engine, items, context=CONTEXT)
    assert [(i.status, i.idempotency_key, i.field) for i in report.items] == [
        ("accepted", "ok-1", ""), ("rejected", None, "idempotency_key"), ("rejected", None, "idempotency_key"),
        ("rejected", None, "idempotency_key"), ("accepted", "ok-2", "")]
    with engine.connect() as connection:
        assert sorted(connection.execute(EventRow.__table__.select().with_only_columns(
            EventRow.idempotency_key)).scalars()) == ["ok-1", "ok-2"]


@given(st.lists(st.sampled_from(["a", "苏", "\x00", " ", "〔", "\t"]), min_size=1, max_size=12).map("".join))
def test_any_text_with_a_nul_is_refused_and_any_without_passes(text):
    item = penalty("p", on="2025-01-10") | {"source": {**SOURCE, "authority": text}}
    try:
        parsed = parse_event(item)
    except EventError:
        return  # blank or too long: the schema refuses it first
    if "\x00" in text:
        with pytest.raises(EventError, match="NUL") as error:
            check_event(parsed, CONTEXT)
        assert error.value.field == "source.authority"
    else:
        assert check_event(parsed, CONTEXT) is parsed


def test_today_is_the_date_in_china():
    """An act dated July 1 in Beijing is not 'in the future' while it is still June 30 in UTC."""
    assert china_date(datetime(2025, 6, 30, 17, 0, tzinfo=UTC)) == date(2025, 7, 1)
    assert china_date(datetime(2025, 6, 30, 15, 59, tzinfo=UTC)) == date(2025, 6, 30)
    context = EventContext(today=lambda: china_date(datetime(2025, 6, 30, 17, 0, tzinfo=UTC)))
    check_event(parse_event(event("subject_registered", "r", ORG, "2025-07-01")), context)
