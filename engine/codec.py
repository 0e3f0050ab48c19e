"""JSON form of facts and decisions, for decision snapshots, digests and replay.

The JSON forms are produced by orjson straight from the dataclasses (enums as values,
dates as ISO text, tuples as lists): ~10x pydantic's ``dump_python(mode="json")``, which
they equal (``tests/engine/test_codec.py`` checks it on random facts and decisions).
Reading back validates through pydantic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import TypeAdapter

from jrp.engine.facts import NOTHING_SAID, Application, SubjectFacts
from jrp.engine.types import Decision

_FACTS = TypeAdapter(SubjectFacts)
_APPLICATION = TypeAdapter(Application)


def facts_to_json(facts: SubjectFacts) -> dict[str, Any]:
    return orjson.loads(orjson.dumps(facts))


def facts_from_json(data: dict[str, Any]) -> SubjectFacts:
    return _FACTS.validate_python(data)


def application_to_json(application: Application) -> dict[str, Any] | None:
    """What a check applied for, as logged; None when it said nothing (older entries have no such field)."""
    return None if application == NOTHING_SAID else orjson.loads(orjson.dumps(application))


def application_from_json(data: dict[str, Any] | None) -> Application:
    return NOTHING_SAID if data is None else _APPLICATION.validate_python(data)


def decision_to_json(decision: Decision) -> dict[str, Any]:
    return orjson.loads(orjson.dumps(decision))


def canonical(data: Any) -> bytes:
    """Stable bytes for hashing: sorted keys, no whitespace, UTF-8 (orjson: ~10x the stdlib on the log path)."""
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def digest(data: Any) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """A value's SHA-256 over its canonical JSON, and a way to get that JSON (stored once in the log).

    ``make`` need not keep the bytes: a long-lived snapshot can hand them over once and
    make them again from the value if ever asked twice (``jrp.evaluation``).
    """

    digest: str
    make: Callable[[], bytes]

    @property
    def data(self) -> bytes:
        return self.make()

    @classmethod
    def of(cls, value: Any) -> Snapshot:
        data = canonical(value)
        return cls(hashlib.sha256(data).hexdigest(), lambda: data)
