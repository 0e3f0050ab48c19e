"""Subject facts with their versions kept in memory, current through the change feed (``jrp.ports.FactsSource``).

A check needs the subject's facts version to find its cached evaluation. The store
computes it from the subject's ``facts_version`` and those of the organisations it is
related to (``FactsStore.version_and_related``); this class reads that once per subject
and keeps it until the change feed reports an event of the subject or of one of those
organisations (a relation event names both the person and the organisation, so a new
or ended relation is seen too). A cached check therefore costs no query, and a version is
never older than the feed's staleness bound (``jrp.adapters.facts.change_feed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from threading import Lock

from jrp.adapters.facts.change_feed import ChangeFeed, Changes
from jrp.adapters.facts.source import FactsStore
from jrp.engine.facts import SubjectFacts
from jrp.ports import UNKNOWN

MAX_SUBJECTS = 1_000_000  # versions kept per worker (~200 bytes each); beyond, all are forgotten and read again


class SubjectVersions:
    """``FactsStore`` reads, with ``facts_version`` answered from memory."""

    def __init__(self, store: FactsStore, feed: ChangeFeed, max_subjects: int = MAX_SUBJECTS):
        self.store = store
        self.feed = feed
        self.max_subjects = max_subjects
        self._versions: dict[str, str] = {}
        self._related: dict[str, frozenset[str]] = {}  # subject → organisations its version covers
        self._dependents: dict[str, set[str]] = {}  # organisation → subjects whose version covers it
        self._lock = Lock()
        feed.on_changes(self.forget)

    def load(self, subject_id: str) -> SubjectFacts | None:
        return self.load_many([subject_id]).get(subject_id)

    def load_many(self, subject_ids: Sequence[str]) -> dict[str, SubjectFacts]:
        """The subjects' facts from the store; their versions are held from then on (unknown ones too)."""
        generation = self.feed.running().generation
        loaded = self.store.load_many(subject_ids)
        self._hold({subject_id: (facts.version, frozenset(party.subject.subject_id for party in facts.related))
                    if (facts := loaded.get(subject_id)) is not None else (UNKNOWN, frozenset())
                    for subject_id in subject_ids}, generation)
        return loaded

    def facts_version(self, subject_id: str) -> str:
        """The subject's facts version as the store computes it, as of the feed's last poll or later."""
        version = self._versions.get(subject_id)
        if version is not None:
            return version
        generation = self.feed.running().generation
        version, related = self.store.version_and_related(subject_id)
        self._hold({subject_id: (version, related)}, generation)
        return version

    def version_and_facts(self, subject_id: str) -> tuple[str, SubjectFacts | None]:
        """The version from memory; a subject not held is read whole, its version held from then on.

        A version not held means the subject is checked for the first time by this worker,
        or changed since: its evaluation is not cached either, so its facts are needed and
        reading them gives the version too (one read instead of two). While the feed is not
        settled nothing is held, so the version alone is read, as ``facts_version`` does.
        """
        version = self._versions.get(subject_id)
        if version is not None or not self.feed.running().settled:
            return version or self.facts_version(subject_id), None
        facts = self.load(subject_id)
        return (UNKNOWN if facts is None else facts.version), facts

    def _hold(self, versions: dict[str, tuple[str, frozenset[str]]], generation: int) -> None:
        """Keep versions read while the feed was at ``generation``.

        A poll that reported changes during the read may have dropped these very subjects
        before they were stored: then they are used once but not kept (read again next time).
        Nor are they kept while the feed is not settled (``ChangeFeed.settled``).
        """
        with self._lock:
            if self.feed.generation != generation or not self.feed.settled:
                return
            if len(self._versions) + len(versions) > self.max_subjects:
                self._clear()
            for subject_id, (version, related) in versions.items():
                self._drop(subject_id)
                self._versions[subject_id] = version
                if related:
                    self._related[subject_id] = related
                for organisation in related:
                    self._dependents.setdefault(organisation, set()).add(subject_id)

    def held_versions(self, subject_ids: Sequence[str]) -> dict[str, str]:
        """The versions of those subjects held in memory (current within the feed's bound)."""
        versions = self._versions
        return {subject_id: version for subject_id in subject_ids if (version := versions.get(subject_id)) is not None}

    def forget(self, changes: Changes) -> None:
        """Drop the versions the changed subjects take part in (called by the feed)."""
        with self._lock:
            if changes.everything:
                self._clear()
                return
            for subject_id in changes.subjects:
                self._drop(subject_id)
                for dependent in self._dependents.pop(subject_id, ()):
                    self._drop(dependent)

    def _drop(self, subject_id: str) -> None:
        self._versions.pop(subject_id, None)
        for organisation in self._related.pop(subject_id, ()):
            dependents = self._dependents.get(organisation)
            if dependents is not None:
                dependents.discard(subject_id)
                if not dependents:
                    del self._dependents[organisation]

    def _clear(self) -> None:
        self._versions.clear()
        self._related.clear()
        self._dependents.clear()

    def __len__(self) -> int:
        return len(self._versions)
