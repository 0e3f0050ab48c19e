"""Published ruleset versions are immutable: their content as it served decisions, against today's files.

A version that has served a decision is stored with that decision's bundle
(``jrp.adapters.log.bundle_store``). Two uses here, both comparing the *parsed* form with
today's schema (so a field the schema gained since, with its default, is no change):

- ``notes_on``: what a replay with the original rules should say about today's files of
  the versions it used — changed, removed, or (for decisions older than stored bundles)
  that the files were used and whether they still hash to the logged bundle;
- ``changed_published_versions``: the validation error for a version file whose content
  differs from what served decisions — publish a new version instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from jrp.rulesets.bundle import Bundle, RulesetRef
from jrp.rulesets.library import Library
from jrp.rulesets.loader import Problem
from jrp.rulesets.schema import Instrument, Ruleset


class RulesChange(StrEnum):
    changed = "changed"  # the file of a version differs from the stored content that served the decision
    removed = "removed"  # the file of a version is gone; the stored content was replayed
    instrument_changed = "instrument_changed"
    not_stored = "not_stored"  # an old decision: no stored bundle, today's files were used
    files_differ = "files_differ"  # ... and they no longer hash to the logged bundle


@dataclass(frozen=True)
class RulesNote:
    change: RulesChange
    subject: str = ""  # id@version, or an instrument id
    detail: str = ""

    def __str__(self) -> str:
        return {
            RulesChange.changed: f"rules changed: today's file of {self.subject} differs from the content that served "
                                 f"the decision ({self.detail}); the stored content was replayed",
            RulesChange.removed: f"rules removed: {self.subject} is no longer in the rulesets folder; "
                                 "the stored content was replayed",
            RulesChange.instrument_changed: f"rules changed: instrument {self.subject} differs from the one cited "
                                            "when the decision was made; the stored one was replayed",
            RulesChange.not_stored: "rules not stored: the decision predates rules by content; today's files of "
                                    f"{self.subject} were replayed",
            RulesChange.files_differ: f"rules changed: today's files hash to {self.detail[:12]}…, not to the logged "
                                      f"bundle {self.subject[:12]}…; the replay used different rules",
        }[self.change]


def _normal(model: type[Ruleset] | type[Instrument], document: dict[str, Any]) -> dict[str, Any]:
    return model.model_validate(document).model_dump(mode="json")


def _changed_fields(stored: dict[str, Any], current: dict[str, Any]) -> str:
    fields = sorted(k for k in stored.keys() | current.keys() if stored.get(k) != current.get(k))
    return "differs in " + ", ".join(fields)


def notes_on(library: Library, stored: Bundle | None, refs: Sequence[RulesetRef], logged_hash: str = "",
             rebuilt_hash: str = "") -> list[RulesNote]:
    """How today's files of ``refs`` relate to the rules a decision was made with."""
    if stored is None:
        names = ", ".join(f"{r.id}@{r.version}" for r in refs)
        notes = [RulesNote(RulesChange.not_stored, names)]
        if rebuilt_hash != logged_hash:
            notes.append(RulesNote(RulesChange.files_differ, logged_hash, rebuilt_hash))
        return notes
    notes = []
    for ruleset in stored.rulesets:
        ref = RulesetRef(ruleset.ruleset.id, ruleset.ruleset.version)
        try:
            current = library.get(ref).ruleset.model_dump(mode="json")
        except KeyError:
            notes.append(RulesNote(RulesChange.removed, f"{ref.id}@{ref.version}"))
            continue
        kept = ruleset.model_dump(mode="json")
        if kept != current:
            notes.append(RulesNote(RulesChange.changed, f"{ref.id}@{ref.version}", _changed_fields(kept, current)))
    for instrument_id, instrument in sorted(stored.instruments.items()):
        current_instrument = library.instruments.get(instrument_id)
        if current_instrument is None or current_instrument.model_dump(mode="json") != instrument.model_dump(mode="json"):
            notes.append(RulesNote(RulesChange.instrument_changed, instrument_id))
    return notes


@dataclass(frozen=True)
class Published:
    """One ruleset version's content as it served decisions (from a stored bundle)."""

    ref: RulesetRef
    document: dict[str, Any]
    bundle_hash: str
    first_used_at: datetime


def changed_published_versions(library: Library, published: Iterable[Published]) -> list[Problem]:
    """An error for each version file whose content differs from the content that served decisions."""
    problems, seen = [], set()
    for version in published:
        if version.ref in seen:
            continue
        try:
            file = library.get(version.ref)
        except KeyError:
            continue  # a removed file changes nothing that was decided; replays use the stored content
        current = file.ruleset.model_dump(mode="json")
        served = _normal(Ruleset, version.document)
        if served != current:
            seen.add(version.ref)
            problems.append(Problem(
                "published-version-changed", file.path, 1,
                f"{version.ref.id}@{version.ref.version} has served decisions since "
                f"{version.first_used_at:%Y-%m-%d} (bundle {version.bundle_hash[:12]}…) and its content now "
                f"{_changed_fields(served, current)}; a published version is immutable: restore it and publish the "
                "change as a new version with a later effective_from"))
    return problems
