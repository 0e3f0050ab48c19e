"""The tampering matrix for facts: what an insider with write access to the database could do to the events
and their projection, each case caught by ``jrp audit verify`` (the log) or ``jrp audit facts`` (events against
their entries, the projection rebuilt from them) with a message naming what and where. SQLite and PostgreSQL.

The store holds the demo subjects' events (leaves of the log, ``tests.api.conftest``) and a check of the
listed debtor that used them; the tree is integrated and a checkpoint signed before each tampering.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import Connection, delete, insert, select, update

from jrp.adapters.facts.audit import audit_facts
from jrp.adapters.facts.events import event_payload, parse_event, payload_digest
from jrp.adapters.facts.orm import EventRow, RecordRow, SubjectRow
from jrp.adapters.log.crypto.merkle import leaf_hash
from jrp.adapters.log.crypto.personal_data import PersonalDataKey
from jrp.adapters.log.crypto.signing import SigningKey
from jrp.adapters.log.event_leaves import EventSealer, sealer_for
from jrp.engine.codec import canonical
from tests.api.conftest import DEBTOR, PERSON, Api
from tests.logs import rebuild_tree

events_t, records_t, subjects_t = EventRow.__table__, RecordRow.__table__, SubjectRow.__table__
LISTING = "demo-fixed-debtor-listing"
CONSUMPTION = "demo-fixed-debtor-consumption"


def _found(api: Api) -> str:
    """Every problem both audits report (verification of the log, then the facts audit), one a line."""
    runtime = api.runtime
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    verification = runtime.verify_log()
    facts = audit_facts(runtime.engine)
    assert not (verification.ok and facts.ok), "tampering not detected"
    return "\n".join([*verification.problems, *(str(d) for d in facts.differences)])


def _tamper(api: Api, work: Callable[[Connection], Any]) -> None:
    with api.runtime.engine.begin() as connection:
        work(connection)


def _event(connection: Connection, key: str) -> Any:
    return connection.execute(select(events_t).where(events_t.c.idempotency_key == key)).mappings().one()


@pytest.fixture
def checked(fresh_api: Api) -> Api:
    assert fresh_api.check()["outcome"] == "deny"
    runtime = fresh_api.runtime
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    assert runtime.verify_log().ok and audit_facts(runtime.engine).ok
    return fresh_api


def _forged_removal(connection: Connection) -> None:
    """A removal of the debtor's listing as the service would store it, sealed with the insider's own keys."""
    head = connection.execute(select(subjects_t.c.event_head).where(subjects_t.c.subject_id == DEBTOR)).scalar_one()
    event = parse_event({"type": "list_entry_removed", "idempotency_key": "forged-removal", "subject": {"id": DEBTOR},
                         "occurred_on": "2025-06-01", "record_id": LISTING,
                         "source": {"authority": "某区文化和旅游局", "doc_no": ""}})
    payload, now = event_payload(event), datetime.now(UTC)
    sealer = EventSealer(PersonalDataKey.generate().pseudonymiser(), SigningKey.generate())
    [sealed] = sealer.seal([sealer.entry(payload, "k-insider", now, head)])
    connection.execute(insert(events_t).values(
        idempotency_key="forged-removal", digest=payload_digest(payload), event_type=event.type, subject_id=DEBTOR,
        payload=payload, occurred_on=event.occurred_on, recorded_at=now, source=payload["source"], key_id="k-insider",
        entry=sealed.entry, leaf_hash=sealed.leaf, receipt=sealed.receipt))
    connection.execute(update(records_t).where(records_t.c.record_id == LISTING)
                       .values(status="removed", status_date=event.occurred_on))
    connection.execute(update(subjects_t).where(subjects_t.c.subject_id == DEBTOR)
                       .values(facts_version=subjects_t.c.facts_version + 1, event_head=sealed.head))


def test_an_inserted_event_with_its_projection_is_caught_by_its_receipt(checked: Api) -> None:
    _tamper(checked, _forged_removal)
    found = _found(checked)
    assert "event forged-removal (leaf" in found and "not with the trusted key" in found
    assert "(forged-removal) receipt: stored 'does not verify" in found


def test_an_event_inserted_without_an_entry_is_named(checked: Api) -> None:
    def insert_bare(connection: Connection) -> None:
        _forged_removal(connection)
        connection.execute(update(events_t).where(events_t.c.idempotency_key == "forged-removal")
                           .values(entry=None, leaf_hash=None, receipt=None))

    _tamper(checked, insert_bare)
    assert "(forged-removal) entry: stored '(none)'" in _found(checked)


def _edit_payload(key: str, **fields: Any) -> Callable[[Connection], None]:
    def work(connection: Connection) -> None:
        row = _event(connection, key)
        connection.execute(update(events_t).where(events_t.c.idempotency_key == key)
                           .values(payload={**row["payload"], **fields}))
        if "occurred_on" in fields:
            connection.execute(update(events_t).where(events_t.c.idempotency_key == key)
                               .values(occurred_on=date.fromisoformat(fields["occurred_on"])))
    return work


def test_an_edited_event_and_its_projection_are_named(checked: Api) -> None:
    def edit(connection: Connection) -> None:
        _edit_payload(LISTING, severity=1, end="2025-04-01")(connection)
        connection.execute(update(records_t).where(records_t.c.record_id == LISTING).values(severity=1, end=date(2025, 4, 1)))

    _tamper(checked, edit)
    found = _found(checked)
    assert f"({LISTING}) payload: stored {{'end': '2025-04-01', 'severity': 1}}, history gives {{'end': None, " \
           "'severity': 3}" in found


def test_a_back_dated_event_is_named(checked: Api) -> None:
    _tamper(checked, _edit_payload(LISTING, occurred_on="2011-03-10"))
    found = _found(checked)
    assert f"({LISTING}) payload: stored {{'occurred_on': '2011-03-10'}}, history gives {{'occurred_on': '2025-03-10'}}" \
        in found


def test_a_deleted_event_is_named_by_the_gap_it_leaves(checked: Api) -> None:
    def remove(connection: Connection) -> None:
        connection.execute(delete(events_t).where(events_t.c.idempotency_key == LISTING))
        connection.execute(delete(records_t).where(records_t.c.record_id == LISTING))

    _tamper(checked, remove)
    found = _found(checked)
    assert f"are missing: entries deleted (the next one present is leaf 6, event {CONSUMPTION})" in found
    assert f"({CONSUMPTION}) prev:" in found  # the facts audit names the event whose predecessor is gone


def test_reordered_events_are_named(checked: Api) -> None:
    def swap(connection: Connection) -> None:
        first, second = _event(connection, LISTING), _event(connection, CONSUMPTION)
        for key, value in ((LISTING, -1), (CONSUMPTION, first["leaf_index"]), (LISTING, second["leaf_index"])):
            connection.execute(update(events_t).where(events_t.c.idempotency_key == key).values(leaf_index=value))
        for key, value in ((LISTING, -1), (CONSUMPTION, first["seq"]), (LISTING, second["seq"])):
            connection.execute(update(events_t).where(events_t.c.idempotency_key == key).values(seq=value))

    _tamper(checked, swap)
    found = _found(checked)
    assert "the stored leaf hash differs from the hash recomputed from the entries" in found
    assert f"({LISTING}) prev:" in found and f"({CONSUMPTION}) prev:" in found


def test_an_edited_projection_alone_is_named(checked: Api) -> None:
    _tamper(checked, lambda c: c.execute(update(records_t).where(records_t.c.record_id == LISTING)
                                         .values(status="removed")))
    assert f"records {LISTING} status: stored 'removed', history gives 'active'" in _found(checked)


def test_events_and_projection_edited_with_every_unkeyed_hash_recomputed_are_caught(checked: Api) -> None:
    """The insider rewrites the listing's payload and entry, the later events' links, the leaves, the tree and
    the head, and the projection: only what needs a key — the receipts and the signed checkpoint — tells."""
    def rewrite(connection: Connection) -> None:
        rows = connection.execute(select(events_t).where(events_t.c.subject_id == DEBTOR)
                                  .order_by(events_t.c.seq)).mappings().all()
        head = ""
        for row in rows:
            entry = orjson.loads(row["entry"])
            payload = dict(row["payload"])
            if row["idempotency_key"] == LISTING:
                payload["occurred_on"] = entry["event"]["occurred_on"] = "2011-03-10"
            entry["prev"] = head
            text = canonical(entry)
            head = leaf_hash(text).hex()
            connection.execute(update(events_t).where(events_t.c.seq == row["seq"]).values(
                payload=payload, occurred_on=date.fromisoformat(payload["occurred_on"]), entry=text.decode(), leaf_hash=bytes.fromhex(head)))
        connection.execute(update(records_t).where(records_t.c.record_id == LISTING).values(start=date(2011, 3, 10)))
        connection.execute(update(subjects_t).where(subjects_t.c.subject_id == DEBTOR).values(event_head=head))
        rebuild_tree(connection)

    _tamper(checked, rewrite)
    found = _found(checked)
    assert f"event {LISTING} (leaf" in found and "its receipt is for another decision or entry" in found
    assert "another root at size" in found  # the signed checkpoint
    assert f"({LISTING}) receipt: stored 'for another event or entry'" in found


def test_events_whose_personal_data_was_overwritten_by_its_pseudonyms_still_verify(checked: Api) -> None:
    """Erasure overwrites a person's plaintext in ``events`` with the pseudonyms their entries hold: the entries,
    leaves, receipts and links are untouched, so the log verifies and no event differs from its entry."""
    runtime = checked.runtime
    sealer = sealer_for(runtime.engine)
    with runtime.engine.begin() as connection:
        rows = connection.execute(select(events_t.c.seq, events_t.c.payload)
                                  .where(events_t.c.subject_id == PERSON)).all()
        assert rows
        for seq, payload in rows:
            erased = sealer.protected(payload)
            assert PERSON not in orjson.dumps(erased).decode()
            connection.execute(update(events_t).where(events_t.c.seq == seq).values(payload=erased))
    assert runtime.verify_log().ok
    assert [d for d in audit_facts(runtime.engine).differences if d.table == "events" and d.column != "replay"] == []
