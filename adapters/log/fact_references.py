"""Decisions that name their facts by reference to the verifiable event log (issue 24) instead of a snapshot.

Every accepted event is a leaf of the log, chained per subject (``jrp.adapters.log.event_leaves``),
and a subject's facts version is its chain's head plus its related organisations' heads
(``jrp.adapters.facts.source.version_string``). So a decision need not store the facts it saw:
its entry keeps ``facts_ref``

    {"subject_head": <leaf hash of the subject's last event>,
     "related_heads": [<leaf hash of each related organisation's last event>, …]}  (left out when none)

beside ``facts_digest`` (the SHA-256 of the pseudonymised facts, as a snapshot's), all under the
entry's hash and its receipt. A reader rebuilds the facts by replaying each chain up to its head
(``FactsStore.facts_at_heads``), pseudonymises them as a snapshot was, and checks the digest, which
covers the facts version too (entries written before it was left out also name the ``version``, and
are checked against it): an event edited, removed or slipped into a chain is caught, and the facts
served (to a replay, an auditor, a console page) are exactly those the decision saw.

Facts holding a natural person's data (a person's, or records naming persons) go by reference
too. Erasure (``jrp.adapters.facts.erasure``) overwrites such events with
``pseudonymised_event`` of themselves, which keeps no birth date and no original; the decision's
own originals, sealed in its ``personal_data`` under the log's data key of its month, give them
back: an erased event is read as the event whose pseudonymised form it is exactly (anything else
holding pseudonyms is refused), so the facts rebuild to the same digest before and after the
facts store's erasure. Once the log's data key is erased too, nothing gives the originals back:
such facts are no longer rebuilt (the decision is read without facts and cannot be replayed).

A subject with no chain of its own (unknown to the store, or an organisation only named by a
relation) has nothing to refer to: its entry stores a snapshot as before
(``jrp.adapters.log.fact_snapshots``), as do entries written before references.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import orjson
from cachetools import LRUCache
from sqlalchemy import Engine

from jrp.adapters.facts.erasure import EMBEDDED, pseudonymised_event
from jrp.adapters.facts.events import EventError
from jrp.adapters.facts.source import NO_EVENTS_VERSION, FactsStore, version_string
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
        to, or the store has moved past that version already (the entry then keeps a snapshot).

        A subject without related organisations needs no read: its version is its own head. One with them is
        read once per version, since its version keeps only a digest of their heads."""
        if version in (UNKNOWN, NO_EVENTS_VERSION):
            return None
        if "-" not in version:  # no related organisation: the version is the subject's own head (``version_string``)
            return {"subject_head": version}
        key = (subject_id, version)
        if key in self._references:
            return self._references[key]
        heads = self.facts.event_heads(subject_id)
        if heads is None or version_string(heads[0], heads[1].items()) != version:
            return None  # the store has moved on: not cached (its version is another key)
        own, related = heads
        heads = sorted(head for head in related.values() if head)
        reference = None if not own else {"subject_head": own, "related_heads": heads} if heads else \
            {"subject_head": own}
        self._references[key] = reference
        return reference

    def rebuild(self, entry: Mapping[str, Any],
                originals: Mapping[str, str] | None) -> tuple[dict[str, Any] | None, str]:
        """The facts (pseudonymised, as a snapshot holds them) an entry names by reference, or why not; with
        ``originals`` (the entry's unsealed personal data) its persons' erased events are read as they were.

        ``(None, "")``: events the facts come from were erased and ``originals`` cannot give them back (the
        entry's own data key is erased too): the facts can no longer be rebuilt, nor found wrong.
        """
        named = entry[FIELD]
        restore = Restorer(originals or {}, self._pseudonyms)
        try:
            facts = self.facts.facts_at_heads(named["subject_head"], named.get("related_heads", ()), restore)
        except EventError as error:  # a stored event edited into one the parser refuses
            return None, f"an event its facts refer to no longer reads as an event ({error})"
        if facts is None:
            return None, f"the event {named['subject_head'][:12]}… its facts refer to is missing"
        if "version" in named and facts.version != named["version"]:
            return None, (f"the events up to the heads it names give facts version {facts.version}, "
                          f"not {named['version']}")
        data = self.protected(canonical(facts_to_json(facts)))
        if hashlib.sha256(data).hexdigest() != entry["facts_digest"]:
            if restore.unresolved:
                return None, ""
            return None, "the facts rebuilt from the events it names do not match its facts digest: events were edited"
        return orjson.loads(data), ""

    def protected(self, data: bytes, originals: dict[str, str] | None = None) -> bytes:
        """Canonical facts JSON with natural persons' data pseudonymised (their originals added to
        ``originals``): the bytes a facts digest is taken of."""
        if not personal_data.may_hold_personal_data(data):  # an organisation's facts usually do not
            return data
        return canonical(self._pseudonyms.protect(orjson.loads(data), {} if originals is None else originals))


class Restorer:
    """Erased events read back as they were, from a decision's originals (``FactsStore.facts_at_heads``).

    Every pseudonym erasure writes (a resident ID, a name, whole or inside longer text) is replaced by its
    original where ``originals`` has it; a payload holding any pseudonym must be exactly
    ``pseudonymised_event`` of what it is read as, the form erasure writes and the event's leaf hashes
    (``jrp.adapters.log.event_leaves``): an event edited or made up with pseudonyms is refused.
    """

    def __init__(self, originals: Mapping[str, str], pseudonyms: Pseudonymiser):
        self.originals = originals
        self.pseudonyms = pseudonyms
        self.unresolved = False  # a pseudonym met that ``originals`` cannot give back

    def __call__(self, stored: Any) -> Any:
        found = [False]
        restored = self._walk(stored, found)
        if found[0] and not isinstance(stored, str) and pseudonymised_event(restored, self.pseudonyms) != stored:
            raise EventError("", "it holds pseudonyms but is not what erasure writes (the pseudonymised form of "
                                 "an event): it was edited")
        return restored

    def _walk(self, value: Any, found: list[bool]) -> Any:
        if isinstance(value, str):
            return EMBEDDED.sub(lambda match: self._original(match, found), value) if "pd:" in value else value
        if isinstance(value, list):
            return [self._walk(item, found) for item in value]
        if isinstance(value, dict):
            return {name: self._walk(item, found) for name, item in value.items()}
        return value

    def _original(self, match: re.Match[str], found: list[bool]) -> str:
        token = match.group(1)
        if token is None:  # a resident-ID-shaped run: erasure leaves none, and the form check refuses it
            return match.group()
        found[0] = True
        original = self.originals.get(token)
        if original is None:
            # a source row's text (``pd:raw:``) is never among a decision's originals, nor part of any facts
            self.unresolved = self.unresolved or not token.startswith("pd:raw:")
            return token
        return original
