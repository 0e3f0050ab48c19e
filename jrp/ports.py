"""The interfaces the application layer needs from storage, implemented in ``jrp.adapters``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from jrp.engine.facts import SubjectFacts
from jrp.rulesets.bundle import Bundle

UNKNOWN = "unknown"
"""The facts version of a subject the store has never seen (a stored subject's versions are numbers)."""


class FactsSource(Protocol):
    """Reads subject facts; ``facts_version`` must be cheap (memory, or one indexed query); ``UNKNOWN``: a stranger."""

    def load(self, subject_id: str) -> SubjectFacts | None: ...

    def load_many(self, subject_ids: Sequence[str]) -> dict[str, SubjectFacts]: ...

    def facts_version(self, subject_id: str) -> str: ...

    def version_and_facts(self, subject_id: str) -> tuple[str, SubjectFacts | None]:
        """``facts_version``, with the facts too where finding the version meant reading them (else None)."""
        ...

    def held_versions(self, subject_ids: Sequence[str]) -> dict[str, str]:
        """The versions of those subjects known without reading the store (a batch loads only the others)."""
        ...


class ChangeStream(Protocol):
    """What a worker has seen of the store's changes (consistency tokens name an event ``seq``)."""

    def catch_up(self, seq: int) -> bool:
        """Make every later read reflect event ``seq`` and all committed before it; False if there is no such event."""
        ...


ANSWER_DIGEST = "answer_digest"
"""A field of an appended entry, not stored with it: the digest of the answer as returned, signed in its receipt."""


class DecisionLog(Protocol):
    """Append-only log of decisions (查询使用登记), the leaves of a Merkle tree; appends return signed receipts
    (binding the answer where an entry carries its ``ANSWER_DIGEST``)."""

    def append(self, entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]: ...

    async def append_async(self, entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]: ...

    def get(self, decision_id: str) -> dict[str, Any] | None: ...


class BundleSource(Protocol):
    """Bundles of rules by content, as stored when they first served a decision."""

    def load(self, bundle_hash: str) -> Bundle | None: ...


class SubjectPages(Protocol):
    """Every stored subject, page by page in id order, and the facts of a page (bulk work, exports)."""

    def iter_subject_ids(self, page_size: int) -> Iterator[list[str]]: ...

    def load_many(self, subject_ids: Sequence[str]) -> dict[str, SubjectFacts]: ...
