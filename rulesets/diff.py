"""Semantic diff of two versions of a ruleset: what a new edition changes, measure by measure.

Every change is located on both sides (file:line). A change that widens a penalty —
more scenarios or roles, a lower minimum severity, a new related-party extension, a
longer duration, a stronger effect or intensity — without adding a citation to its
basis is an error: a heavier penalty needs a legal basis of its own (过惩相当).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from jrp.rulesets.library import RulesetFile
from jrp.rulesets.loader import Level
from jrp.rulesets.schema import Citation, Measure, Ruleset
from jrp.vocabulary.measures import Effect, MeasureKind
from jrp.vocabulary.periods import period_parts

EFFECT_STRENGTH = {Effect.key_supervision: 1, Effect.heightened_review: 2, Effect.restrict: 3, Effect.prohibit: 4}


class Direction(StrEnum):
    added = "added"
    removed = "removed"
    widened = "widened"
    narrowed = "narrowed"
    changed = "changed"


@dataclass(frozen=True)
class Change:
    """One semantic change, with where it stands in the old and the new file."""

    measure_id: str
    aspect: str
    direction: Direction
    detail: str
    before: str | None
    after: str | None
    level: Level = Level.warning

    def __str__(self) -> str:
        where = " → ".join(loc for loc in (self.before, self.after) if loc)
        return f"{where}: {self.level.value} {self.measure_id} {self.aspect} {self.direction.value}: {self.detail}"


@dataclass(frozen=True)
class Scope:
    """Everything about a measure that decides to whom, where and how hard it applies."""

    measure: Measure
    index: int
    roles: frozenset[str] | None  # None: any role
    extends_to: frozenset[str]
    triggers: frozenset[str]


def _scopes(ruleset: Ruleset) -> dict[str, Scope]:
    lists = {item.id: item for item in ruleset.lists}
    scopes = {}
    for index, measure in enumerate(ruleset.measures):
        rules = [r for r in ruleset.rules if measure.id in r.measures]
        any_role = any(not r.roles for r in rules)
        roles = None if any_role or not rules else frozenset(role.value for r in rules for role in r.roles)
        extends = frozenset(
            role.value for r in rules if r.when.list in lists
            for role in (lists[r.when.list].extends_to if r.extends_to is None else r.extends_to)
        )
        triggers = frozenset(f"{r.when.trigger_kind}:{r.when.list or ''}" for r in rules)
        scopes[measure.id] = Scope(measure, index, roles, extends, triggers)
    return scopes


def _days(duration: str | None) -> float:
    if duration is None:
        return float("inf")
    years, months, days = period_parts(duration)
    return years * 365.25 + months * 30.44 + days


def _citations(measure: Measure) -> set[tuple]:
    return {(c.instrument, c.article, c.paragraph, c.item, c.section) for c in measure.basis}


def _label(citation: tuple) -> str:
    return Citation(instrument=citation[0], article=citation[1], paragraph=citation[2], item=citation[3],
                    section=citation[4]).label()


def diff(old: RulesetFile, new: RulesetFile) -> list[Change]:
    """Every semantic change from ``old`` to ``new`` (two versions of one ruleset)."""
    before, after = _scopes(old.ruleset), _scopes(new.ruleset)
    changes: list[Change] = []

    def loc(file: RulesetFile, scope: Scope | None, field: str | None = None) -> str | None:
        if scope is None:
            return None
        path = ("measures", scope.index) + ((field,) if field else ())
        return f"{file.path}:{file.lines.line_of(path)}"

    header_old, header_new = old.ruleset.ruleset, new.ruleset.ruleset
    if (header_old.effective_from, header_old.effective_to) != (header_new.effective_from, header_new.effective_to):
        changes.append(Change(
            "(ruleset)", "effective dates", Direction.changed,
            f"{header_old.effective_from}–{header_old.effective_to or 'open'} → "
            f"{header_new.effective_from}–{header_new.effective_to or 'open'}",
            f"{old.path}:{old.lines.line_of(('ruleset', 'effective_from'))}",
            f"{new.path}:{new.lines.line_of(('ruleset', 'effective_from'))}"))
    changes.extend(_section_changes(old, new))
    for measure_id in sorted(before.keys() - after.keys()):
        changes.append(Change(measure_id, "measure", Direction.removed, before[measure_id].measure.name.zh,
                              loc(old, before[measure_id]), None))
    for measure_id in sorted(after.keys() - before.keys()):
        changes.append(Change(measure_id, "measure", Direction.added, after[measure_id].measure.name.zh,
                              None, loc(new, after[measure_id])))
    for measure_id in sorted(before.keys() & after.keys()):
        a, b = before[measure_id], after[measure_id]
        found = list(_compare(a, b))
        added_basis = _citations(b.measure) - _citations(a.measure)
        removed_basis = _citations(a.measure) - _citations(b.measure)
        if added_basis or removed_basis:
            detail = "; ".join([*(f"+ {c[0]} {_label(c)}" for c in sorted(added_basis, key=str)),
                                *(f"- {c[0]} {_label(c)}" for c in sorted(removed_basis, key=str))])
            changes.append(Change(measure_id, "legal basis", Direction.changed, detail,
                                  loc(old, a, "basis"), loc(new, b, "basis")))
        penalty = b.measure.kind is MeasureKind.penalty
        for aspect, field, direction, detail in found:
            unbased = penalty and direction is Direction.widened and not added_basis
            if unbased:
                detail += " without a new legal basis: cite the article that allows the wider penalty"
            changes.append(Change(measure_id, aspect, direction, detail, loc(old, a, field), loc(new, b, field),
                                  Level.error if unbased else Level.warning))
    return changes


def _sections(ruleset: Ruleset) -> dict[tuple[str, str], tuple[tuple, object]]:
    """Ruleset-level entries other than measures, keyed by (section, id), with their YAML path."""
    entries: dict[tuple[str, str], tuple[tuple, object]] = {}
    for i, item in enumerate(ruleset.lists):
        entries[("list", item.id)] = (("lists", i), item)
    for i, scheme in enumerate(ruleset.grading):
        entries[("grading", scheme.scheme)] = (("grading", i), scheme)
    for name, supervision_class in ruleset.supervision_classes.items():
        entries[("supervision class", name)] = (("supervision_classes", name), supervision_class)
    if ruleset.publication_periods is not None:
        entries[("publication periods", "")] = (("publication_periods",), ruleset.publication_periods)
    for i, mapping in enumerate(ruleset.cross_region):
        entries[("cross-region mapping", f"{mapping.region}:{mapping.list_type}")] = (("cross_region", i), mapping)
    return entries


def _section_changes(old: RulesetFile, new: RulesetFile) -> Iterator[Change]:
    """Lists, grading schemes, supervision classes, publication periods and cross-region mappings."""
    before, after = _sections(old.ruleset), _sections(new.ruleset)
    for key in sorted(before.keys() | after.keys()):
        section, name = key
        was, now = before.get(key), after.get(key)
        if was is not None and now is not None and was[1] == now[1]:
            continue
        where_old = f"{old.path}:{old.lines.line_of(was[0])}" if was else None
        where_new = f"{new.path}:{new.lines.line_of(now[0])}" if now else None
        direction = Direction.added if was is None else Direction.removed if now is None else Direction.changed
        detail = _field_changes(was[1], now[1]) if was and now else section
        yield Change(name or "(ruleset)", section, direction, detail, where_old, where_new)


def _flatten(value: object, prefix: str = "") -> dict[str, str]:
    """Dotted leaves of a dumped model; citation lists shown as 'instrument article'."""
    if isinstance(value, dict):
        leaves: dict[str, str] = {}
        for key, item in value.items():
            leaves.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return leaves
    if isinstance(value, list) and value and all(isinstance(v, dict) and "instrument" in v for v in value):
        return {prefix: ", ".join(f"{v['instrument']} {v.get('article') or v.get('section')}" for v in value)}
    return {prefix: str(value)}


def _field_changes(was: object, now: object) -> str:
    old = _flatten(was.model_dump(mode="json"))  # type: ignore[attr-defined]
    new = _flatten(now.model_dump(mode="json"))  # type: ignore[attr-defined]
    return "; ".join(f"{k}: {old.get(k)} → {new.get(k)}" for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k))


def _compare(a: Scope, b: Scope) -> Iterator[tuple[str, str | None, Direction, str]]:
    """(aspect, YAML field, direction, detail) for each scope difference of one measure."""
    old, new = a.measure, b.measure
    gained = {s.value for s in new.scenarios} - {s.value for s in old.scenarios}
    lost = {s.value for s in old.scenarios} - {s.value for s in new.scenarios}
    if gained:
        yield "scenarios", "scenarios", Direction.widened, f"now also in {sorted(gained)}"
    if lost:
        yield "scenarios", "scenarios", Direction.narrowed, f"no longer in {sorted(lost)}"
    if a.roles != b.roles:
        gained_roles = b.roles is None or (a.roles is not None and bool(b.roles - a.roles))
        yield "roles", None, Direction.widened if gained_roles else Direction.narrowed, \
            f"{_roles(a.roles)} → {_roles(b.roles)}"
    if new.min_severity < old.min_severity:
        yield "minimum severity", "min_severity", Direction.widened, f"{old.min_severity.name} → {new.min_severity.name}"
    elif new.min_severity > old.min_severity:
        yield "minimum severity", "min_severity", Direction.narrowed, f"{old.min_severity.name} → {new.min_severity.name}"
    if b.extends_to - a.extends_to:
        yield "related-party extension", None, Direction.widened, f"now reaches {sorted(b.extends_to - a.extends_to)}"
    if a.extends_to - b.extends_to:
        yield "related-party extension", None, Direction.narrowed, f"no longer reaches {sorted(a.extends_to - b.extends_to)}"
    if _days(new.duration) != _days(old.duration):
        direction = Direction.widened if _days(new.duration) > _days(old.duration) else Direction.narrowed
        yield "duration", "duration", direction, f"{old.duration or 'as long as the record'} → {new.duration or 'as long as the record'}"
    if new.intensity != old.intensity:
        direction = Direction.widened if new.intensity > old.intensity else Direction.narrowed
        yield "intensity", "intensity", direction, f"{old.intensity} → {new.intensity}"
    if new.effect != old.effect:
        stronger = EFFECT_STRENGTH.get(new.effect, 0) > EFFECT_STRENGTH.get(old.effect, 0)
        yield "effect", "effect", Direction.widened if stronger else Direction.narrowed, f"{old.effect.value} → {new.effect.value}"
    if new.category != old.category:
        direction = Direction.widened if new.category < old.category else Direction.narrowed
        yield "category", "category", direction, f"{old.category} → {new.category}"
    if b.triggers != a.triggers:
        yield "triggers", None, Direction.changed, f"{sorted(a.triggers)} → {sorted(b.triggers)}"


def _roles(roles: frozenset[str] | None) -> str:
    return "any role" if roles is None else ", ".join(sorted(roles)) or "no rule"
