"""Verification of the whole decision log: every entry, the tree recomputed, every checkpoint and receipt.

The walk recomputes the Merkle tree from the stored entries, leaf by leaf, and checks:

- each entry hashes to its stored leaf, and every stored tree node to its children
  (an edited or re-ordered entry, an edited node);
- leaf indexes run 0, 1, 2… (a deleted decision);
- indexed columns equal the entry's fields; the facts snapshot and the stored bundle each
  re-hash to the digest the entry names; facts named by reference to the events
  (``jrp.adapters.log.fact_references``) rebuild from the events up to the heads it names to
  its facts version and digest; a compact result (``jrp.adapters.log.results``) is rebuilt from
  them and the stored bundle to the digest of the full result it keeps;
- each entry carries a receipt signed by a trusted key for exactly its decision id and
  entry hash (a row the service did not write); entries carried over from the old hash
  chain keep their chain links instead;
- ruleset publications (``jrp.adapters.publication_log``) are leaves among the decisions:
  each is checked against its columns and its receipt like a decision;
- events (``jrp.adapters.log.event_leaves``) are leaves too: each against its columns, its
  receipt, and its link to the previous event of its subject (one deleted, inserted or moved);
- every stored checkpoint is signed by a trusted key (a forged or replayed signature) and
  the recomputed root at its size equals its root (entries and tree rewritten and every
  hash recomputed); the log still holds every entry a checkpoint covers (truncation);
- against a **witness** checkpoint (one the auditor kept): it is signed by its key, the
  log holds at least as many entries, its root is the recomputed root at its size, and
  the log's own newest checkpoint is not older (rollback, an old checkpoint served). A
  witness of another deployment (another origin) is said to be one, and nothing else is
  compared with it.

Trusted keys come from outside the database (the service's own key, or only the key an
auditor pinned): ``log_keys`` is only a publication, an insider could add a key there. A
checkpoint or receipt signed by another key is reported as a key change, naming both.

A recomputed root that differs from a checkpoint's names the leaves that may have been
rewritten: from the largest size whose root matched a checkpoint signed no later than the
differing one (a checkpoint signed after a rewrite vouches for the rewritten tree) to the
last size of the run of differing checkpoints.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, func, select

from jrp.adapters.log import event_leaves, fact_references, fact_snapshots, results
from jrp.adapters.log.bundle_store import BundleStore
from jrp.adapters.log.crypto import merkle, personal_data
from jrp.adapters.log.crypto.signing import (Checkpoint, SignatureError, full_receipt, receipt_statement,
                                             verify_receipt)
from jrp.adapters.log.entries import PAGE, columns_of, decisions_t
from jrp.adapters.log.legacy_chain import GENESIS, broken_link
from jrp.adapters.log.publications import columns_of as publication_columns
from jrp.adapters.log.publications import publications_t
from jrp.adapters.log.tree import LogTree
from jrp.adapters.store.dbapi import naive_utc
from jrp.engine.codec import canonical

MAX_PROBLEMS = 50
Originals = Callable[[Mapping[str, Any]], "dict[str, str] | None"]


@dataclass(frozen=True)
class Verification:
    """``ok``, or the problems found (the first with where it is); ``count`` leaves verified before it."""

    ok: bool
    count: int
    head: str
    tree_size: int
    pending: int
    checkpoint: Checkpoint | None
    seq: int | None = None
    decision_id: str | None = None
    leaf_index: int | None = None
    reason: str = ""
    problems: list[str] = field(default_factory=list)
    publications: int = 0  # of ``count``: ruleset publications
    events: int = 0  # of ``count``: events; the rest decisions


@dataclass
class _Walk:
    problems: list[str] = field(default_factory=list)
    first: tuple[int | None, str | None, int | None, str] | None = None
    count: int = 0
    publications: int = 0
    events: int = 0

    def add(self, reason: str, seq: int | None = None, decision_id: str | None = None,
            leaf_index: int | None = None, what: str = "decision") -> None:
        if self.first is None:
            self.first = (seq, decision_id, leaf_index, reason)
        if len(self.problems) < MAX_PROBLEMS:
            where = f"{what} {decision_id} (leaf {leaf_index}, seq {seq}): " if decision_id else ""
            self.problems.append(where + reason)


def foreign_witness(witness: Checkpoint, origin: str) -> str:
    """Why ``witness`` is not a checkpoint of the log named ``origin`` ("" if it is one)."""
    if witness.origin == origin:
        return ""
    return (f"the witness checkpoint is of another log (origin {witness.origin!r}), not of this one (origin "
            f"{origin!r}): it was kept from another deployment; verify against a checkpoint of this log")


def key_change(key_id: str, trusted: Mapping[str, Ed25519PublicKey]) -> str:
    """The message for something signed by ``key_id``, which is not among the ``trusted`` keys."""
    pinned = ", ".join(sorted(trusted)) or "none"
    return (f"signed with key {key_id}, not with the trusted key {pinned}: a key change (old {pinned} → new "
            f"{key_id}); the log was re-signed with another key, the service's key was replaced, or it was forged")


def verify_log(engine: Engine, tree: LogTree, trusted: Mapping[str, Ed25519PublicKey],
               witness: Checkpoint | None = None, originals: Originals | None = None) -> Verification:
    """Walk the whole log; see the module's docstring for what is checked. ``originals`` unseals an entry's
    personal data (``DecisionLogStore.originals``): the facts of a natural person erased from the facts store
    are checked through them, and not at all once they are erased from the log too."""
    walk = _Walk()
    checkpoints = tree.checkpoints()  # read before the head: a checkpoint never covers more than the head
    head = tree.head()  # the walk stops there: entries the sequencer adds meanwhile are for the next run
    foreign = foreign_witness(witness, tree.origin) if witness is not None else ""
    if foreign:
        walk.add(foreign)
        return Verification(False, 0, head.root.hex(), head.tree_size, 0, None, *walk.first, problems=walk.problems)
    targets = _targets(checkpoints, trusted, witness, walk)
    roots = _Roots(targets, walk)
    frontier = merkle.Frontier.empty()
    checker = _RowChecker(engine, trusted, head.legacy_size, originals or (lambda _entry: None))
    for page, snapshots in _pages(engine, head.tree_size):
        page_start = frontier.size
        made: dict[merkle.Node, bytes] = {}
        gap = False
        for row in page:
            if row["leaf_index"] != frontier.size:
                walk.add(f"leaves {frontier.size}–{row['leaf_index'] - 1} are missing: entries deleted "
                         f"(the next one present is leaf {row['leaf_index']}, {_named(row)})")
                gap = True
                break
            leaf = merkle.leaf_hash(row["entry"].encode())
            if row.get("kind") == event_leaves.KIND:
                problem = checker.check_event(row, leaf)
                if problem:
                    walk.add(problem, row["seq"], row["idempotency_key"], row["leaf_index"], "event")
                walk.events += walk.first is None
            elif "publication_id" in row:
                problem = checker.check_publication(row, leaf)
                if problem:
                    walk.add(problem, row["seq"], row["publication_id"], row["leaf_index"], "publication")
                walk.publications += walk.first is None
            else:
                problem = checker.check(row, leaf, snapshots)
                if problem:
                    walk.add(problem, row["seq"], row["decision_id"], row["leaf_index"])
            made.update(frontier.add(leaf))
            if walk.first is None:
                walk.count = frontier.size
            roots.compare(frontier)
        _compare_nodes(tree, made, page_start, walk)
        if gap:
            break
    roots.close()
    if checker.legacy_head != head.legacy_head and frontier.size >= head.legacy_size:
        walk.add(f"the old hash chain ends in {checker.legacy_head[:12]}…, not in the head recorded when it was "
                 f"carried into the tree ({head.legacy_head[:12]}…)")
    _compare_head(frontier, head.tree_size, head.root, walk)
    for size, (_root, label, _time) in sorted(targets.items()):
        if size > frontier.size:
            walk.add(f"{label} covers {size} entries but the log holds only {frontier.size}: the newest "
                     f"{size - frontier.size} were deleted (truncation or rollback)")
    valid = [c for c in checkpoints if _trusted(c, trusted)]
    latest = valid[-1] if valid else None
    if witness is not None and (latest is None or latest.tree_size < witness.tree_size):
        walk.add(f"the log's newest signed checkpoint ({latest.tree_size if latest else 'none'}) is older than the "
                 f"witness checkpoint of size {witness.tree_size}: the log was rolled back or serves an old checkpoint")
    with engine.connect() as connection:
        pending = connection.execute(select(func.count()).select_from(decisions_t)
                                     .where(decisions_t.c.leaf_index.is_(None))).scalar_one()
    first = walk.first or (None, None, None, "")
    return Verification(walk.first is None, walk.count, frontier.root().hex(), frontier.size, pending, latest,
                        *first, problems=walk.problems, publications=walk.publications, events=walk.events)


def _trusted(checkpoint: Checkpoint, trusted: Mapping[str, Ed25519PublicKey]) -> bool:
    key = trusted.get(checkpoint.key_id)
    if key is None:
        return False
    try:
        checkpoint.verify(key)
    except SignatureError:
        return False
    return True


Target = tuple[bytes, str, str]  # the root a checkpoint names, how to call it, when it was signed


def _targets(checkpoints: list[Checkpoint], trusted: Mapping[str, Ed25519PublicKey], witness: Checkpoint | None,
             walk: _Walk) -> dict[int, Target]:
    """The roots the recomputed tree must have at given sizes: the valid checkpoints' and the witness's."""
    targets: dict[int, Target] = {}
    untrusted: dict[str, list[int]] = {}
    for checkpoint in checkpoints:
        key = trusted.get(checkpoint.key_id)
        label = f"checkpoint at size {checkpoint.tree_size} (signed {checkpoint.time})"
        if key is None:
            untrusted.setdefault(checkpoint.key_id, []).append(checkpoint.tree_size)
            continue
        try:
            checkpoint.verify(key)
        except SignatureError as error:
            walk.add(f"{error}: a forged checkpoint or a signature replayed from another one")
            continue
        targets[checkpoint.tree_size] = (checkpoint.root, label, checkpoint.time)
    for key_id, sizes in untrusted.items():
        walk.add(f"{len(sizes)} checkpoint(s) at sizes {sizes[0]}–{sizes[-1]} are {key_change(key_id, trusted)}")
    if witness is not None:
        key = trusted.get(witness.key_id)
        label = f"the witness checkpoint at size {witness.tree_size} (signed {witness.time})"
        try:
            if key is None:
                raise SignatureError(f"{label} names key {witness.key_id}, not the pinned key "
                                     f"{', '.join(sorted(trusted)) or '(none given)'}")
            witness.verify(key)
        except SignatureError as error:
            walk.add(f"{error}: the witness checkpoint itself does not verify")
        else:
            targets[witness.tree_size] = (witness.root, label, witness.time)
    return targets


class _Roots:
    """The recomputed roots against the targets' as the walk reaches their sizes; a run of differing roots is
    reported once, naming the leaves that may have been rewritten (see the module's docstring)."""

    def __init__(self, targets: Mapping[int, Target], walk: _Walk):
        self.targets = targets
        self.walk = walk
        self.matched: list[tuple[int, str]] = []  # (size, signed at) of the roots that matched
        self.run: list[tuple[int, str, int]] = []  # (size, label, first leaf that may differ) of differing roots

    def compare(self, frontier: merkle.Frontier) -> None:
        target = self.targets.get(frontier.size)
        if target is None:
            return
        root, label, signed_at = target
        if frontier.root() == root:
            self.close()
            self.matched.append((frontier.size, signed_at))
            return
        since = max((size for size, at in self.matched if at <= signed_at), default=0)
        self.run.append((frontier.size, label, since))

    def close(self) -> None:
        """Report the run of differing roots, if any."""
        if not self.run:
            return
        size, label, _ = self.run[-1]
        first = min(since for _size, _label, since in self.run)
        others = [str(s) for s, _label, _since in self.run[:-1]]
        also = f" (and at sizes {', '.join(others)} than the checkpoints there)" if others else ""
        self.walk.add(f"the entries give another root at size {size} than {label}{also}: decisions among leaves "
                      f"{first}–{size - 1} were rewritten (entry and tree hashes recomputed)")
        self.run = []


def _compare_nodes(tree: LogTree, made: dict[merkle.Node, bytes], page_start: int, walk: _Walk) -> None:
    """The stored nodes completed by this page's leaves must be the recomputed ones."""
    by_level: dict[int, list[int]] = {}
    for level, idx in made:
        by_level.setdefault(level, []).append(idx)
    for level, indexes in sorted(by_level.items()):
        stored = tree.nodes_between(level, min(indexes), max(indexes) + 1)
        for idx in sorted(indexes):
            value = stored.get(idx)
            if value == made[(level, idx)]:
                continue
            first, last = idx << level, ((idx + 1) << level) - 1
            what = f"leaf {first}" if level == 0 else f"tree node (level {level}, leaves {first}–{last})"
            state = "is missing" if value is None else "differs from the hash recomputed from the entries"
            walk.add(f"{what} {state}: the stored tree was edited" if level else
                     f"{what}: the stored leaf hash {state}: the entry was edited or moved")


def _compare_head(frontier: merkle.Frontier, size: int, root: bytes, walk: _Walk) -> None:
    if size != frontier.size:
        walk.add(f"log_head says {size} leaves, the log holds {frontier.size}")
    elif root != frontier.root():
        walk.add(f"log_head's root at size {size} is not the root of the entries")


class _RowChecker:
    """Per-row checks: columns, facts snapshot, stored bundle, receipt or old chain link."""

    def __init__(self, engine: Engine, trusted: Mapping[str, Ed25519PublicKey], legacy_size: int,
                 originals: Originals):
        self.engine = engine
        self.originals = originals
        self.trusted = trusted
        self.legacy_size = legacy_size
        self.legacy_head = GENESIS
        self.bundles = BundleStore(engine)
        self._bundle_state: dict[str, str] = {}
        self._groups: set[tuple[bytes, bytes]] = set()
        self.chains = event_leaves.ChainChecker()
        self.references = fact_references.FactReferences(engine, event_leaves.sealer_for(engine).pseudonyms)
        # (reference, digest) → (facts, problem): one rebuild per facts
        self._rebuilt: LRUCache[tuple[str, str], tuple[dict[str, Any] | None, str]] = LRUCache(maxsize=10_000)
        self.results = results.Results(self.bundles, by_digest=False)
        self._results: LRUCache[tuple[str, ...], str] = LRUCache(maxsize=100_000)  # one evaluation per distinct check

    def _referenced_facts(self, entry: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str]:
        """The facts an entry names by reference, or why they do not rebuild from the events to its digest."""
        key = (canonical(entry[fact_references.FIELD]).decode(), str(entry.get("facts_digest")))
        if key not in self._rebuilt:
            self._rebuilt[key] = self.references.rebuild(entry, self.originals(entry))
        return self._rebuilt[key]

    def check(self, row: dict[str, Any], leaf: bytes, snapshots: Mapping[str, str]) -> str:
        entry = row["parsed"]
        problem = _columns_problem(row, columns_of, "decision log") or fact_snapshots.broken(entry, snapshots)
        facts = None
        if not problem:
            if fact_references.FIELD in entry:
                facts, problem = self._referenced_facts(entry)
            elif fact_snapshots.named([entry]):
                facts = json.loads(snapshots[entry["facts_digest"]])
        if problem:
            return problem
        if row["leaf_index"] < self.legacy_size:
            return self._legacy(row)
        # the receipt before the result: an entry that is not the one written is never evaluated
        return self._bundle(entry) or self._receipt(row, entry["decision_id"], leaf, entry["created_at"]) \
            or self._result(entry, facts)

    def _result(self, entry: dict[str, Any], facts: dict[str, Any] | None) -> str:
        """Why a compact entry's facts and stored bundle do not rebuild the result it keeps the digest of, or ""
        (``jrp.adapters.log.results``); not checked once its persons' data is erased (nothing to evaluate)."""
        if results.DIGEST not in entry:
            return ""
        originals = self.originals(entry) if "personal_data" in entry else None
        if facts is None or ("personal_data" in entry and originals is None):
            return ""
        request = {name: value for name, value in entry["request"].items() if name != "subject"}
        key = (str(entry.get("facts_digest")), entry["bundle"]["hash"], canonical(request).decode(),
               str(entry[results.DIGEST]))
        if key not in self._results:
            revealed = facts if originals is None else personal_data.view(facts, originals, True)
            try:
                self.results.rebuilt(entry, revealed)
                self._results[key] = ""
            except results.ResultMismatch as error:
                self._results[key] = str(error).split(": ", 1)[1]
        return self._results[key]

    def check_publication(self, row: dict[str, Any], leaf: bytes) -> str:
        """A publication's entry against its columns, and its receipt (``jrp.adapters.publication_log``)."""
        return (_columns_problem(row, publication_columns, "publication")
                or self._receipt(row, row["parsed"]["publication_id"], leaf, row["parsed"]["created_at"]))

    def check_event(self, row: dict[str, Any], leaf: bytes) -> str:
        """An event's entry against its columns and its subject's chain, and its receipt."""
        problem = self.chains.check(row, leaf)
        return problem or self._receipt(row, row["parsed"]["event_id"], leaf, row["parsed"]["received_at"])

    def _legacy(self, row: dict[str, Any]) -> str:
        reason = broken_link(row["seq"], row["leaf_index"] + 1, row["prev_hash"] or "", self.legacy_head,
                             row["hash"] or "", row["entry"])
        self.legacy_head = row["hash"] or ""
        return f"old hash chain: {reason}" if reason else ""

    def _bundle(self, entry: dict[str, Any]) -> str:
        bundle_hash = (entry.get("bundle") or {}).get("hash")
        if not isinstance(bundle_hash, str):
            return "the entry names no bundle of rules"
        if bundle_hash not in self._bundle_state:
            content = self.bundles.contents([bundle_hash]).get(bundle_hash)
            self._bundle_state[bundle_hash] = (
                f"its bundle {bundle_hash[:12]}… is not stored" if content is None else
                f"its stored bundle {bundle_hash[:12]}… does not hash to its content: the stored rules were changed"
                if hashlib.sha256(content.encode()).hexdigest() != bundle_hash else "")
        return self._bundle_state[bundle_hash]

    def _receipt(self, row: dict[str, Any], entry_id: str, leaf: bytes, time: str) -> str:
        """Why the row's receipt is not one a trusted key signed for its entry, or "" (a compact receipt takes
        its decision id, entry hash and time from the row, ``jrp.adapters.log.crypto.signing.full_receipt``)."""
        if not row["receipt"]:
            return "no receipt: a row the service did not write (forged)"
        try:
            receipt = full_receipt(row["receipt"], entry_id, leaf.hex(), time)
        except SignatureError as error:
            return f"{error}: a row the service did not write (forged or edited)"
        if receipt.get("decision_id") != entry_id or receipt.get("entry_hash") != leaf.hex():
            return "its receipt is for another decision or entry: a row the service did not write (forged or edited)"
        key = self.trusted.get(receipt.get("key_id", ""))
        if key is None:
            return f"its receipt is {key_change(str(receipt.get('key_id')), self.trusted)}"
        try:
            _key_id, note, signature = receipt_statement(receipt)
            if (note, signature) not in self._groups:  # the checks written together share one signature
                verify_receipt(receipt, key)
                self._groups.add((note, signature))
        except SignatureError as error:
            return f"{error}: a row the service did not write (forged)"
        return ""


def _columns_problem(row: dict[str, Any], columns_of: Callable[[dict[str, Any]], dict[str, Any]], kind: str) -> str:
    """Why the row's entry is not a ``kind`` entry, or which indexed columns differ from it ("" if none)."""
    entry = row["parsed"]
    try:
        if isinstance(entry, ValueError):
            raise entry
        columns = columns_of(entry)
    except (ValueError, KeyError, TypeError) as error:  # a pydantic ValidationError is a ValueError
        return f"the entry is not a {kind} entry ({' '.join(str(error).split())})"
    columns["created_at"] = naive_utc(columns["created_at"])
    stored = {name: naive_utc(row[name]) if name == "created_at" else row[name] for name in columns}
    edited = sorted(name for name in columns if stored[name] != columns[name])
    return f"column(s) {', '.join(edited)} differ from the entry" if edited else ""


def _pages(engine: Engine, size: int) -> Iterator[tuple[list[dict[str, Any]], dict[str, str]]]:
    """Rows with leaf indexes below ``size`` in leaf order, ``PAGE`` leaf indexes at a time: decisions,
    publications and events (each with its entry parsed, or the parse error), and the texts of the facts
    snapshots the page's decisions name."""
    for first in range(0, size, PAGE):
        last = min(first + PAGE, size)
        with engine.connect() as connection:
            rows = [dict(row) for table in (decisions_t, publications_t) for row in connection.execute(
                select(table).where(table.c.leaf_index >= first, table.c.leaf_index < last)).mappings()]
            for row in rows:
                row["parsed"] = _parsed(row["entry"])
            snapshots = fact_snapshots.load(connection, fact_snapshots.named(
                row["parsed"] for row in rows if "decision_id" in row and isinstance(row["parsed"], dict)))
            rows += event_leaves.rows_between(connection, first, last)
        yield sorted(rows, key=lambda row: row["leaf_index"]), snapshots


def _named(row: dict[str, Any]) -> str:
    if row.get("kind") == event_leaves.KIND:
        return f"event {row['idempotency_key']}"
    return f"publication {row['publication_id']}" if "publication_id" in row else f"decision {row['decision_id']}"


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        return error
