"""JSON form of facts and decisions, for decision snapshots, digests and replay.

The JSON forms are produced by orjson straight from the dataclasses (enums as values,
dates as ISO text, tuples as lists): ~10x pydantic's ``dump_python(mode="json")``, which
they equal (``tests/engine/test_codec.py`` checks it on random facts and decisions).
Reading back validates through pydantic.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import TypeAdapter

from jrp.engine.facts import SubjectFacts
from jrp.engine.types import Decision

_FACTS = TypeAdapter(SubjectFacts)


def facts_to_json(facts: SubjectFacts) -> dict[str, Any]:
    return orjson.loads(orjson.dumps(facts))


def facts_from_json(data: dict[str, Any]) -> SubjectFacts:
    return _FACTS.validate_python(data)


def decision_to_json(decision: Decision) -> dict[str, Any]:
    return orjson.loads(orjson.dumps(decision))


def canonical(data: Any) -> bytes:
    """Stable bytes for hashing: sorted keys, no whitespace, UTF-8 (orjson: ~10x the stdlib on the log path)."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def digest(data: Any) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """A value's canonical JSON and its SHA-256, serialised once (and stored once in the log)."""

    data: bytes
    digest: str

    @classmethod
    def of(cls, value: Any) -> Snapshot:
        data = canonical(value)
        return cls(data, hashlib.sha256(data).hexdigest())
