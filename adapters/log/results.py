"""A decision's result stored compact (``jrp.compact_results``), rebuilt in full from its facts and its stored bundle.

The rendered result of a check (measures with their legal texts, repair options, proportionality
traces, the records that triggered them) was most of an entry, and all of it follows from what the
entry already names: the facts (by reference to the verified events, or a snapshot), the bundle of
rules (stored by content, ``jrp.adapters.log.bundle_store``) and the request. So an entry keeps

    "result": {"outcome": …, "measures": [[measure id, until, [record ids that triggered it]], …],
               "incentives": [the same], "supervision": class},
    "result_digest": <SHA-256 of the full result's canonical JSON>

(``jrp.compact_results``, made by ``jrp.service.log_entry``), and its bundle without the list of its
rulesets, which the stored bundle holds. A reader evaluates the bundle on the facts for the request again:
the result that gives is the one the entry keeps only if it hashes to ``result_digest`` (and so has the same
compact form), i.e. exactly the result the check returned, which the receipt's answer digest also covers. The compact part says what was
decided without the rules: for a decision whose facts can no longer be read (its persons' data erased).

Entries written before keep their full result, read as stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

import orjson
from cachetools import LRUCache

from jrp.adapters.log.bundle_store import BundleStore
from jrp.compact_results import DIGEST
from jrp.engine.codec import application_from_json, canonical, decision_to_json, facts_from_json
from jrp.engine.compile import compile_bundle
from jrp.engine.evaluate import Engine
from jrp.engine.facts import CheckContext
from jrp.engine.types import Decision
from jrp.rulesets.bundle import Bundle

class ResultMismatch(Exception):
    """A compact entry's result cannot be rebuilt: its bundle is not stored, or (``ResultDiffers``) its facts and
    bundle no longer give the result it keeps the digest of."""


class ResultDiffers(ResultMismatch):
    """The entry's verified facts and stored bundle, evaluated by today's engine, give another result than the one
    the entry keeps the digest of: the engine changed since (or the log was edited; ``jrp audit verify`` says which
    parts still hold)."""


class Results:
    """Rebuilds compact entries' results: their bundles loaded and compiled once each."""

    def __init__(self, bundles: BundleStore, by_digest: bool = True):
        """``by_digest``: serve a result once rebuilt to every entry keeping its digest (reads); verification
        evaluates each distinct check instead, to prove that its own facts and rules give it."""
        self.bundles = bundles
        self.by_digest = by_digest
        self._engines: LRUCache[str, tuple[Bundle, Engine]] = LRUCache(maxsize=16)
        # full results by their digest, canonical JSON: a digest names one result, evaluated once (a report's batch
        # of checks with the same answer, a page read again)
        self._full: LRUCache[str, bytes] = LRUCache(maxsize=2_000)

    def bundle(self, bundle_hash: str) -> tuple[Bundle, Engine] | None:
        """The stored bundle and its compiled engine; None if it is not stored."""
        known = self._engines.get(bundle_hash)
        if known is None:
            bundle = self.bundles.load(bundle_hash)
            if bundle is None:
                return None
            known = self._engines[bundle_hash] = (bundle, Engine(compile_bundle(bundle)))
        return known

    def decision(self, entry: Mapping[str, Any], facts: Mapping[str, Any]) -> Decision:
        """The decision the entry's bundle gives on ``facts`` (originals in place) for its request."""
        stored = self.bundle(entry["bundle"]["hash"])
        if stored is None:
            raise ResultMismatch(f"decision {entry['decision_id']}: its bundle {entry['bundle']['hash'][:12]}… is "
                                 "not stored, so its result cannot be rebuilt; verify the log")
        request = entry["request"]
        context = CheckContext(request["scenario"], date.fromisoformat(request["as_of"]), request.get("role"),
                               request["jurisdiction"], application_from_json(request.get("application")))
        return stored[1].check(facts_from_json(dict(facts)), context, with_explanation=request.get("explain", False))

    def rebuilt(self, entry: Mapping[str, Any], facts: Mapping[str, Any]) -> dict[str, Any]:
        """The full result of a compact entry, from ``facts`` (originals in place); ``ResultMismatch`` unless it
        hashes to the entry's ``result_digest``."""
        known = self._full.get(entry[DIGEST]) if self.by_digest else None
        if known is not None:
            return orjson.loads(known)  # a copy: readers may change what they are given
        result = decision_to_json(self.decision(entry, facts))
        data = canonical(result)
        if hashlib.sha256(data).hexdigest() != entry[DIGEST]:
            raise ResultDiffers(f"decision {entry['decision_id']}: its facts and stored rules no longer give the "
                                 "result it keeps the digest of (the facts, the rules or the engine changed); "
                                 "verify the log")
        if self.by_digest:
            self._full[entry[DIGEST]] = data
        return result

    def rulesets(self, bundle_hash: str) -> list[dict[str, str]] | None:
        """The rulesets of a stored bundle as an entry lists them; None if it is not stored."""
        stored = self.bundle(bundle_hash)
        return None if stored is None else [{"id": r.id, "version": r.version} for r in stored[0].refs]
