"""Ruleset publications in the decision log (both stores): leaves among the decisions, verified like them, each
record logged once, and an edited or deleted publication caught by verification."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select, update

from jrp.access import ApiKey, Role
from jrp.adapters.log.publications import logged_approvals, publication_entry, publications_t
from jrp.rulesets.bundle import RulesetRef
from jrp.rulesets.publications import AdoptingDocument, Publication
from tests.api.conftest import EVENT_LEAVES, Api

LEAF = EVENT_LEAVES + 1  # the publication's: after the demo's events and the first decision

APPROVER = ApiKey("k-approver", "李某", Role.approver, department="南通市人民政府办公室")


@pytest.fixture
def published(fresh_api: Api) -> Api:
    """A decision, a publication of nantong-silent-check@2024.1 recorded by an approver, another decision."""
    runtime = fresh_api.runtime
    fresh_api.check()
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    file = runtime.library.get(RulesetRef("nantong-silent-check", "2024.1"))
    publication = Publication(version="2024.1", digest=file.digest, drafted_by="王某", approved_by="李某",
                              approved_on=date(2026, 12, 1),
                              adopted_by=AdoptingDocument(doc_no="通政办发〔2026〕88号", date=date(2026, 11, 30)))
    assert runtime.publications.append(publication_entry(file, publication, APPROVER, "console")) is not None
    assert runtime.publications.append(publication_entry(file, publication, APPROVER, "console")) is None  # once
    fresh_api.check()
    runtime.tree.integrate_all(runtime.audit_keys.signing)
    return fresh_api


def test_a_publication_is_a_verified_leaf_among_the_decisions(published: Api) -> None:
    runtime = published.runtime
    result = runtime.verify_log()
    assert result.ok and (result.count, result.publications, result.events) == (EVENT_LEAVES + 3, 1, EVENT_LEAVES)
    with runtime.engine.connect() as connection:
        assert connection.execute(select(publications_t.c.leaf_index)).scalar_one() == LEAF
    assert (RulesetRef("nantong-silent-check", "2024.1"),
            runtime.library.get(RulesetRef("nantong-silent-check", "2024.1")).digest) in logged_approvals(runtime.engine)


def test_an_edited_approval_is_caught(published: Api) -> None:
    runtime = published.runtime
    with runtime.engine.begin() as connection:
        entry = connection.execute(select(publications_t.c.entry)).scalar_one()
        connection.execute(update(publications_t).values(entry=entry.replace("李某", "张某")))
    result = runtime.verify_log()
    assert not result.ok and result.leaf_index == LEAF
    problems = "\n".join(result.problems)
    assert "publication pub" in problems and f"(leaf {LEAF}, seq 1): column(s) record_hash differ from the entry" in problems
    assert f"leaf {LEAF}: the stored leaf hash differs from the hash recomputed from the entries" in problems


def test_a_deleted_publication_is_caught(published: Api) -> None:
    runtime = published.runtime
    with runtime.engine.begin() as connection:
        connection.execute(delete(publications_t))
    result = runtime.verify_log()
    assert not result.ok and f"leaves {LEAF}–{LEAF} are missing" in result.problems[0]
