"""A bundle: the chain of ruleset versions one check is evaluated with, and its content hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from jrp.rulesets.schema import CreditList, Instrument, Measure, Ruleset


class RulesetRef(NamedTuple):
    """A ruleset version, as stored in decisions: ``(id, version)``."""

    id: str
    version: str


class Unresolved(NamedTuple):
    """A reference at ``location`` of ``ref`` (None: of the bundle as a whole) that the bundle cannot resolve."""

    ref: RulesetRef | None
    location: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        return f"{self.ref.id}@{self.ref.version} {self.message}" if self.ref else self.message


@dataclass(frozen=True)
class Bundle:
    """Ruleset versions from the national level down to one jurisdiction.

    ``hash`` covers the parsed content of every ruleset and of every instrument they
    cite, so it changes whenever anything that could change a decision changes, and
    not when a YAML file is merely reformatted.
    """

    jurisdiction: str
    rulesets: tuple[Ruleset, ...]
    instruments: Mapping[str, Instrument]
    hash: str

    @classmethod
    def build(cls, jurisdiction: str, rulesets: tuple[Ruleset, ...], instruments: Mapping[str, Instrument]) -> Bundle:
        return cls(jurisdiction, rulesets, instruments, hashlib.sha256(_content(jurisdiction, rulesets, instruments)).hexdigest())

    def content(self) -> bytes:
        """The bytes the hash covers: the parsed form of every ruleset and cited instrument, as canonical JSON.

        The decision log stores them when the bundle first serves a decision
        (``jrp.adapters.log.bundle_store``), so that a replay evaluates exactly these rules.
        """
        return _content(self.jurisdiction, self.rulesets, self.instruments)

    @classmethod
    def from_content(cls, data: bytes) -> Bundle:
        """A bundle from stored ``content()``, parsed with today's schema; its hash is that of the stored bytes.

        Fields the schema gained since take their defaults; the hash stays the one the
        decisions name, so a stored bundle is identified by what was stored.
        """
        content = json.loads(data)
        rulesets = tuple(Ruleset.model_validate(document) for document in content["rulesets"])
        instruments = {i["id"]: Instrument.model_validate(i) for i in content["instruments"]}
        return cls(content["jurisdiction"], rulesets, instruments, hashlib.sha256(data).hexdigest())

    @cached_property
    def refs(self) -> tuple[RulesetRef, ...]:
        return tuple(RulesetRef(r.ruleset.id, r.ruleset.version) for r in self.rulesets)

    @cached_property
    def measures(self) -> dict[str, tuple[Ruleset, Measure]]:
        """Every measure by id with the ruleset defining it; a lower level's override wins."""
        found: dict[str, tuple[Ruleset, Measure]] = {}
        for ruleset in self.rulesets:
            for measure in ruleset.measures:
                found[measure.id] = (ruleset, measure)
        return found

    @cached_property
    def lists(self) -> dict[str, CreditList]:
        return {item.id: item for ruleset in self.rulesets for item in ruleset.lists}

    def unresolved(self) -> list[Unresolved]:
        """Every reference this bundle cannot resolve: a rule's list or measure, a mapping's list, an instrument.

        A ruleset may read lists and measures of a higher level; on a date where that level's
        version does not define them, the chain is broken and no check can be answered.
        """
        problems = []
        for ruleset in self.rulesets:
            ref = RulesetRef(ruleset.ruleset.id, ruleset.ruleset.version)
            for i, rule in enumerate(ruleset.rules):
                if rule.when.list and rule.when.list not in self.lists:
                    problems.append(Unresolved(ref, ("rules", i, "when", "list"),
                                               f"rule {rule.id} refers to list {rule.when.list!r}, "
                                               "which no ruleset of the chain defines on this date"))
                problems.extend(Unresolved(ref, ("rules", i, "measures", j),
                                           f"rule {rule.id} refers to measure {m!r}, which no ruleset of "
                                           "the chain defines on this date")
                                for j, m in enumerate(rule.measures) if m not in self.measures)
            problems.extend(Unresolved(ref, ("cross_region", i, "maps_to"),
                                       f"maps {m.region} {m.list_type} to list {m.maps_to!r}, which no "
                                       "ruleset of the chain defines on this date")
                            for i, m in enumerate(ruleset.cross_region) if m.maps_to not in self.lists)
        problems.extend(Unresolved(None, (), f"citation of unregistered instrument {i!r}")
                        for i in sorted(_cited_instruments(self.rulesets) - self.instruments.keys()))
        return problems


def _content(jurisdiction: str, rulesets: tuple[Ruleset, ...], instruments: Mapping[str, Instrument]) -> bytes:
    cited = sorted(_cited_instruments(rulesets) & instruments.keys())
    content = {
        "jurisdiction": jurisdiction,
        # defaults left out: a new optional field of the format does not change existing bundles' hashes
        "rulesets": [r.model_dump(mode="json", exclude_defaults=True) for r in rulesets],
        "instruments": [instruments[i].model_dump(mode="json", exclude_defaults=True) for i in cited],
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False).encode()


def _cited_instruments(rulesets: tuple[Ruleset, ...]) -> set[str]:
    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "instrument" in node and isinstance(node["instrument"], str):
                found.add(node["instrument"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    found: set[str] = set()
    for ruleset in rulesets:
        walk(ruleset.model_dump(mode="json"))
        found.update(ruleset.ruleset.sources)
    return found
