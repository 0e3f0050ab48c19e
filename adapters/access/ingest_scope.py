"""Who may write which facts: an ingest key's scope applied to events (谁认定谁修复).

信用修复管理办法 (国家发展改革委令第36号) art. 13 has repair applied for to the authority that
decided the record; the same holds here for every change of a record's state: a removal,
revocation, repair, rectification, commitment outcome or objection is accepted only from a
key allowed for the record's issuing authority or its list. A new record, and every other
event, is accepted only where the key's scope covers its ``source.authority`` (or its list)
and its region. A key without a scope (``ApiKey.ingest_scope`` None: admin keys, the terminal
operator) may write for any authority; an ingester key created before scopes existed may still send new
records (attributed to it), but no change of an existing record's state: that needs a scoped key.

The checks are pure: the caller reads the records that status events name
(``jrp.adapters.facts.ingest``), once before writing anything — so a batch with one event out
of scope is refused whole, answered 403 — and again under the subjects' write lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jrp.access import ApiKey, Role


@dataclass(frozen=True)
class ScopeRefusal:
    """Why the key may not send an event: ``field`` of the event, ``reason`` naming the record and the scope."""

    field: str
    reason: str


def refusal(key: ApiKey, event: Any, record: Mapping[str, Any] | None) -> ScopeRefusal | None:
    """Why ``key`` may not send ``event``, or None.

    ``record`` is the record a status event acts on (a ``records`` row or the row an earlier
    event of the batch creates); None for other events, or when the record does not exist yet
    (the event is then refused as naming no record).
    """
    scope = key.ingest_scope
    if scope is None:
        if key.role is Role.ingester and record is not None:
            return ScopeRefusal("record_id", (
                f"key {key.key_id} has no scope (it was created before ingest keys had one): it may send new records, "
                f"but only a key allowed for {record['authority']} may change the state of record "
                f"{record['record_id']} (谁认定谁修复, 信用修复管理办法 art. 13); create one with "
                f"jrp keys create NAME --role ingester --authority {record['authority']}"))
        return None
    list_id = getattr(event, "list_id", None)
    if record is not None:
        if not scope.covers(record["authority"], record["list_id"]):
            listed = f" on list {record['list_id']}" if record["list_id"] else ""
            return ScopeRefusal("record_id", (
                f"record {record['record_id']} was decided by {record['authority']}{listed}; "
                f"key {key.key_id} writes for {scope.describe()}: only a key of that authority or list may change its state (谁认定谁修复, "
                "信用修复管理办法 art. 13)"))
        list_id = record["list_id"]
    if not scope.covers(event.source.authority, list_id):
        return ScopeRefusal("source.authority", (
            f"key {key.key_id} may not write for {event.source.authority!r}: it writes for {scope.describe()}"))
    region = getattr(event, "region", None)
    if hasattr(event, "region") and not scope.covers_region(region):
        return ScopeRefusal("region", f"key {key.key_id} may not write records of region {region or '(none)'}: "
                                      f"it writes for {scope.describe()}")
    return None
