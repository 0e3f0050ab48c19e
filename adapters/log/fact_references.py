"""Decisions that name their facts by reference to the verifiable event log (issue 24) instead of a snapshot.

Every accepted event is a leaf of the log, chained per subject (``jrp.adapters.log.event_leaves``),
and a subject's facts version is its chain's head plus its related organisations' heads
(``jrp.adapters.facts.source.version_string``). So a decision need not store the facts it saw:
its entry keeps ``facts_ref``

    {"version": <the facts version>, "subject_head": <leaf hash of the subject's last event>,
     "related_heads": [<leaf hash of each related organisation's last event>, …]}

beside ``facts_digest`` (the SHA-256 of the pseudonymised facts, as a snapshot's), all under the
entry's hash and its receipt. A reader rebuilds the facts by replaying each chain up to its head
(``FactsStore.facts_at_heads``), pseudonymises them as a snapshot was, and checks both the version
and the digest: an event edited, removed or slipped into a chain is caught, and the facts served
(to a replay, an auditor, a console page) are exactly those the decision saw.

A subject with no chain of its own (unknown to the store, or an organisation only named by a
relation) has nothing to refer to: its entry stores a snapshot as before
(``jrp.adapters.log.fact_snapshots``), as do entries written before references. So do facts that
hold a natural person's data (a person's, or records naming persons): erasure
(``jrp.adapters.facts.erasure``) overwrites such events with pseudonyms the events' parser no
longer reads, while the log's own data key, and so the decision's replay, may outlive them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson
from cachetools import LRUCache
from sqlalchemy import Engine

from jrp.adapters.facts.events import EventError
from jrp.adapters.facts.source import FactsStore, version_string
from jrp.adapters.log.crypto import personal_data
from jrp.adapters.log.crypto.personal_data import Pseudonymiser
from jrp.engine.codec import canonical, facts_to_json
from jrp.ports import UNKNOWN

FIELD = "facts_ref"


class FactReferences:
    """Makes the reference of a check's facts, and rebuilds the facts a reference names."""

    def __init__(self, engine: Engine, pseudonyms: Pseudonymiser):
        self.facts = FactsStore(engine)
        self._pseudonyms = pseudonyms
        # (subject id, version) → reference: a version names one set of heads, read once
        self._references: LRUCache[tuple[str, str], dict[str, Any] | None] = LRUCache(maxsize=100_000)

    def reference(self, subject_id: str, version: str) -> dict[str, Any] | None:
        """The reference of the facts of ``subject_id`` at ``version``; None when there is no chain to refer
        to, or the store has moved past that version already (the entry then keeps a snapshot)."""
        if version == UNKNOWN:
            return None
        key = (subject_id, version)
        if key in self._references:
            return self._references[key]
        heads = self.facts.event_heads(subject_id)
        if heads is None or version_string(heads[0], heads[1].items()) != version:
            return None  # the store has moved on: not cached (its version is another key)
        own, related = heads
        reference = {"version": version, "subject_head": own,
                     "related_heads": sorted(head for head in related.values() if head)} if own else None
        self._references[key] = reference
        return reference

    def rebuild(self, entry: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str]:
        """The facts (pseudonymised, as a snapshot holds them) an entry names by reference, or why not."""
        named = entry[FIELD]
        try:
            facts = self.facts.facts_at_heads(named["subject_head"], named["related_heads"])
        except EventError as error:  # a stored event edited into one the parser refuses
            return None, f"an event its facts refer to no longer reads as an event ({error})"
        if facts is None:
            return None, f"the event {named['subject_head'][:12]}… its facts refer to is missing"
        if facts.version != named["version"]:
            return None, (f"the events up to the heads it names give facts version {facts.version}, "
                          f"not {named['version']}")
        data = self.protected(canonical(facts_to_json(facts)))
        if hashlib.sha256(data).hexdigest() != entry["facts_digest"]:
            return None, "the facts rebuilt from the events it names do not match its facts digest: events were edited"
        return orjson.loads(data), ""

    def protected(self, data: bytes, originals: dict[str, str] | None = None) -> bytes:
        """Canonical facts JSON with natural persons' data pseudonymised (their originals added to
        ``originals``): the bytes a facts digest is taken of."""
        if not personal_data.may_hold_personal_data(data):  # an organisation's facts usually do not
            return data
        return canonical(self._pseudonyms.protect(orjson.loads(data), {} if originals is None else originals))
