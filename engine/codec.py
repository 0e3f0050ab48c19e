"""JSON form of facts and decisions, for decision snapshots, digests and replay."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from pydantic import TypeAdapter

from jrp.engine.facts import SubjectFacts
from jrp.engine.types import Decision

_FACTS = TypeAdapter(SubjectFacts)
_DECISION = TypeAdapter(Decision)


def facts_to_json(facts: SubjectFacts) -> dict[str, Any]:
    return _FACTS.dump_python(facts, mode="json")


def facts_from_json(data: dict[str, Any]) -> SubjectFacts:
    return _FACTS.validate_python(data)


def decision_to_json(decision: Decision) -> dict[str, Any]:
    return _DECISION.dump_python(decision, mode="json")


def canonical(data: Any) -> bytes:
    """Stable bytes for hashing: sorted keys, no whitespace, UTF-8 (orjson: ~10x the stdlib on the log path)."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def digest(data: Any) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()
