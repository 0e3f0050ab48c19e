"""Semantic diff of two versions of a ruleset: what a new edition changes, measure by measure.

Every change is located on both sides (file:line). A change that widens a penalty —
more scenarios or roles, a lower minimum severity, a new related-party extension, a
longer duration, a stronger effect, intensity or category, or a trigger that did not
reach it before (a new rule, or a rule pointed at it from another measure) — without
adding a citation to its basis or to the rules that reach it is an error: a heavier
penalty needs a legal basis of its own (过惩相当). A new trigger that is a list kept under an
article the measure's basis cites is founded by that article (:func:`_triggers_founded`).

Each change carries its old and new values as data (``was``, ``now``), so pages can say
it in their language; ``detail`` is the English sentence the CLI and the API print.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from jrp.rulesets.library import RulesetFile
from jrp.rulesets.loader import Level
from jrp.rulesets.schema import Citation, CreditList, Measure, Rule, Ruleset, When
from jrp.vocabulary.measures import Effect, MeasureKind
from jrp.vocabulary.periods import period_parts
from jrp.vocabulary.records import Severity

EFFECT_STRENGTH = {Effect.key_supervision: 1, Effect.heightened_review: 2, Effect.restrict: 3, Effect.prohibit: 4}
ANY_ROLE = "*"
"""In ``was``/``now`` of a roles change: the measure applies to any role."""


class Direction(StrEnum):
    added = "added"
    removed = "removed"
    widened = "widened"
    narrowed = "narrowed"
    changed = "changed"


class Aspect(StrEnum):
    """What a change is about: an attribute of a measure, or a ruleset-level entry."""

    effective_dates = "effective dates"
    measure = "measure"
    legal_basis = "legal basis"
    scenarios = "scenarios"
    roles = "roles"
    min_severity = "minimum severity"
    extension = "related-party extension"
    duration = "duration"
    intensity = "intensity"
    effect = "effect"
    category = "category"
    reach = "reach"
    triggers = "triggers"
    trigger_condition = "trigger condition"
    list = "list"
    rule = "rule"
    grading = "grading"
    supervision_class = "supervision class"
    publication_periods = "publication periods"
    cross_region = "cross-region mapping"


FieldChange = tuple[str, str, str]
"""One edited field of an entry: its dotted YAML path (``general.max``), the old and the new value ("" if absent)."""


@dataclass(frozen=True)
class Change:
    """One semantic change, with where it stands in the old and the new file."""

    measure_id: str
    aspect: Aspect
    direction: Direction
    detail: str
    before: str | None
    after: str | None
    level: Level = Level.warning
    was: tuple[str, ...] = ()  # the aspect's old values (scenario ids, roles, severity names, periods…)
    now: tuple[str, ...] = ()
    fields: tuple[FieldChange, ...] = ()  # of an edited entry or trigger: (dotted YAML path, old, new)

    def __str__(self) -> str:
        where = " → ".join(loc for loc in (self.before, self.after) if loc)
        return f"{where}: {self.level.value} {self.measure_id} {self.aspect} {self.direction.value}: {self.detail}"


def trigger_key(when: When) -> str:
    """What a rule reacts to, without its thresholds: ``list:<id>``, ``penalty:<domains>``, ``grade:<scheme>``…"""
    kind = when.trigger_kind
    condition = getattr(when, kind)
    if kind == "list":
        return f"list:{condition}"
    for name in ("scheme", "domains", "matters"):
        value = getattr(condition, name, None)
        if value:
            return f"{kind}:{','.join(value) if isinstance(value, tuple) else value}"
    return kind


def _condition(when: When) -> dict[str, str]:
    """A trigger's fields as the YAML states them: ``{min_severity: serious, count: 3, within: P12M}``."""
    condition = getattr(when, when.trigger_kind)
    if isinstance(condition, str):
        return {when.trigger_kind: condition}
    fields = {}
    for name in type(condition).model_fields:
        value = getattr(condition, name)
        if value not in ((), None):
            fields[name] = value.name if isinstance(value, Severity) else \
                ",".join(value) if isinstance(value, tuple) else str(value)
    return fields


@dataclass(frozen=True)
class Scope:
    """Everything about a measure that decides to whom, where and how hard it applies."""

    measure: Measure
    index: int
    rules: tuple[Rule, ...]
    roles: frozenset[str] | None  # None: any role; empty: no rule reaches the measure
    extends_to: frozenset[str]
    triggers: dict[str, When]  # trigger_key → the condition (the first rule's, if several share a key)


def _scopes(ruleset: Ruleset) -> dict[str, Scope]:
    lists = {item.id: item for item in ruleset.lists}
    scopes = {}
    for index, measure in enumerate(ruleset.measures):
        rules = tuple(r for r in ruleset.rules if measure.id in r.measures)
        reached = [_effective_roles(r, measure) for r in rules]
        roles = None if any(not r for r in reached) else frozenset(role for r in reached for role in r)
        extends = frozenset(
            role.value for r in rules if r.when.list in lists
            for role in (lists[r.when.list].extends_to if r.extends_to is None else r.extends_to)
        )
        triggers: dict[str, When] = {}
        for rule in rules:
            triggers.setdefault(trigger_key(rule.when), rule.when)
        scopes[measure.id] = Scope(measure, index, rules, roles, extends, triggers)
    return scopes


def _effective_roles(rule: Rule, measure: Measure) -> frozenset[str]:
    """The roles a rule reaches with a measure: its own within those the measure's basis reaches (empty: any)."""
    own, reached = frozenset(r.value for r in rule.roles), frozenset(r.value for r in measure.roles)
    return own & reached if own and reached else own or reached


def _reach(measure: Measure) -> dict[str, str]:
    """The limits a measure's reach declares, as text (``matter: same_as_record``, ``project_types: construction``)."""
    return {name: ",".join(value) if isinstance(value, tuple) else str(value)
            for name, value in measure.reach.model_dump().items() if value not in (None, False, ())}


def _days(duration: str | None) -> float:
    if duration is None:
        return float("inf")
    years, months, days = period_parts(duration)
    return years * 365.25 + months * 30.44 + days


def _citation_keys(citations: tuple[Citation, ...]) -> set[tuple]:
    return {(c.instrument, c.article, c.paragraph, c.item, c.section) for c in citations}


def _rule_citations(rules: tuple[Rule, ...]) -> set[tuple]:
    """(rule id, citation) of every rule given: a rule may bring the basis of its own trigger."""
    return {(rule.id, *key) for rule in rules for key in _citation_keys(rule.basis)}


def _label(citation: tuple) -> str:
    return f"{citation[0]} " + Citation(instrument=citation[0], article=citation[1], paragraph=citation[2],
                                        item=citation[3], section=citation[4]).label()


def diff(old: RulesetFile, new: RulesetFile) -> list[Change]:
    """Every semantic change from ``old`` to ``new`` (two versions of one ruleset)."""
    before, after = _scopes(old.ruleset), _scopes(new.ruleset)
    old_rule_citations = _rule_citations(old.ruleset.rules)  # a rule pointed elsewhere brings no new basis
    lists = {item.id: item for item in new.ruleset.lists}
    changes: list[Change] = []

    def loc(file: RulesetFile, scope: Scope | None, field: str | None = None) -> str | None:
        if scope is None:
            return None
        path = ("measures", scope.index) + ((field,) if field else ())
        return f"{file.path}:{file.lines.line_of(path)}"

    header_old, header_new = old.ruleset.ruleset, new.ruleset.ruleset
    if (header_old.effective_from, header_old.effective_to) != (header_new.effective_from, header_new.effective_to):
        was = (str(header_old.effective_from), str(header_old.effective_to or ""))
        now = (str(header_new.effective_from), str(header_new.effective_to or ""))
        changes.append(Change(
            "(ruleset)", Aspect.effective_dates, Direction.changed,
            f"{was[0]}–{was[1] or 'open'} → {now[0]}–{now[1] or 'open'}",
            f"{old.path}:{old.lines.line_of(('ruleset', 'effective_from'))}",
            f"{new.path}:{new.lines.line_of(('ruleset', 'effective_from'))}", was=was, now=now))
    changes.extend(_section_changes(old, new))
    for measure_id in sorted(before.keys() - after.keys()):
        name = before[measure_id].measure.name
        changes.append(Change(measure_id, Aspect.measure, Direction.removed, name.zh,
                              loc(old, before[measure_id]), None, was=(name.zh, name.en)))
    for measure_id in sorted(after.keys() - before.keys()):
        name = after[measure_id].measure.name
        changes.append(Change(measure_id, Aspect.measure, Direction.added, name.zh,
                              None, loc(new, after[measure_id]), now=(name.zh, name.en)))
    for measure_id in sorted(before.keys() & after.keys()):
        a, b = before[measure_id], after[measure_id]
        added_basis = _citation_keys(b.measure.basis) - _citation_keys(a.measure.basis)
        removed_basis = _citation_keys(a.measure.basis) - _citation_keys(b.measure.basis)
        if added_basis or removed_basis:
            now = tuple(_label(c) for c in sorted(added_basis, key=str))
            was = tuple(_label(c) for c in sorted(removed_basis, key=str))
            detail = "; ".join([*(f"+ {c}" for c in now), *(f"- {c}" for c in was)])
            changes.append(Change(measure_id, Aspect.legal_basis, Direction.changed, detail,
                                  loc(old, a, "basis"), loc(new, b, "basis"), was=was, now=now))
        founded = bool(added_basis or _rule_citations(b.rules) - old_rule_citations)
        triggers_founded = _triggers_founded(a, b, lists)
        penalty = b.measure.kind is MeasureKind.penalty
        for found in _compare(a, b):
            unbased = (penalty and found.direction is Direction.widened and not founded
                       and not (found.aspect is Aspect.triggers and triggers_founded))
            detail = found.detail + (" without a new legal basis: cite the article that allows the wider penalty"
                                     if unbased else "")
            changes.append(Change(measure_id, found.aspect, found.direction, detail, loc(old, a, found.field),
                                  loc(new, b, found.field), Level.error if unbased else Level.warning, found.was,
                                  found.now, found.fields))
    return changes


def _triggers_founded(was: Scope, now: Scope, lists: dict[str, CreditList]) -> bool:
    """Whether every new trigger is a list kept under an article the measure's own basis cites.

    Such a list is the decision that article foresees: the exit restriction of 民事诉讼法 art. 266
    moved from the debtors' list to the court's exit-restriction decisions, which art. 266 is
    also the basis of. A list of another ruleset, or of another article, needs a new citation.
    """
    articles = {(c.instrument, c.article) for c in now.measure.basis if isinstance(c.article, int)}
    gained = [now.triggers[key] for key in now.triggers.keys() - was.triggers.keys()]
    return bool(gained) and all(
        when.list in lists and bool(articles & {(c.instrument, c.article) for c in lists[when.list].basis})
        for when in gained)


def _sections(ruleset: Ruleset) -> dict[tuple[Aspect, str], tuple[tuple, object]]:
    """Ruleset-level entries other than measures, keyed by (section, id), with their YAML path."""
    entries: dict[tuple[Aspect, str], tuple[tuple, object]] = {}
    for i, item in enumerate(ruleset.lists):
        entries[(Aspect.list, item.id)] = (("lists", i), item)
    for i, rule in enumerate(ruleset.rules):
        entries[(Aspect.rule, rule.id)] = (("rules", i), rule)
    for i, scheme in enumerate(ruleset.grading):
        entries[(Aspect.grading, scheme.scheme)] = (("grading", i), scheme)
    for name, supervision_class in ruleset.supervision_classes.items():
        entries[(Aspect.supervision_class, name)] = (("supervision_classes", name), supervision_class)
    if ruleset.publication_periods is not None:
        entries[(Aspect.publication_periods, "")] = (("publication_periods",), ruleset.publication_periods)
    for i, mapping in enumerate(ruleset.cross_region):
        entries[(Aspect.cross_region, f"{mapping.region}:{mapping.list_type}")] = (("cross_region", i), mapping)
    return entries


def _section_changes(old: RulesetFile, new: RulesetFile) -> Iterator[Change]:
    """Lists, rules, grading schemes, supervision classes, publication periods and cross-region mappings.

    What a changed rule does to the measures it reaches is judged per measure (triggers, roles…);
    here a rule is reported as an entry that was added, removed or edited.
    """
    before, after = _sections(old.ruleset), _sections(new.ruleset)
    for key in sorted(before.keys() | after.keys()):
        section, name = key
        was, now = before.get(key), after.get(key)
        if was is not None and now is not None and was[1] == now[1]:
            continue
        where_old = f"{old.path}:{old.lines.line_of(was[0])}" if was else None
        where_new = f"{new.path}:{new.lines.line_of(now[0])}" if now else None
        direction = Direction.added if was is None else Direction.removed if now is None else Direction.changed
        if was and now:
            fields = _field_changes(_flatten(was[1].model_dump(mode="json")),  # type: ignore[attr-defined]
                                    _flatten(now[1].model_dump(mode="json")))  # type: ignore[attr-defined]
            yield Change(name or "(ruleset)", section, direction, _described(fields), where_old, where_new,
                         fields=fields)
            continue
        values = _entry_values((was or now)[1])  # type: ignore[index]
        yield Change(name or "(ruleset)", section, direction, " ".join(values) or section.value, where_old, where_new,
                     was=values if was else (), now=values if now else ())


def _entry_values(entry: object) -> tuple[str, ...]:
    """What an added or removed entry is: a list's or scheme's names (zh, en), a rule's trigger and measures."""
    if isinstance(entry, Rule):
        return (trigger_key(entry.when), "→", *entry.measures)
    name = getattr(entry, "name", None)
    return (name.zh, name.en) if name is not None and hasattr(name, "zh") else ()


def _flatten(value: object, prefix: str = "") -> dict[str, str]:
    """Dotted leaves of a dumped model; citation lists shown as 'instrument article'."""
    if isinstance(value, dict):
        leaves: dict[str, str] = {}
        for key, item in value.items():
            leaves.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return leaves
    if isinstance(value, list) and value and all(isinstance(v, dict) and "instrument" in v for v in value):
        return {prefix: ", ".join(f"{v['instrument']} {v.get('article') or v.get('section')}" for v in value)}
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):  # a list's grounds, say
        leaves = {}
        for position, item in enumerate(value):  # by the entry's id where it has one, so a new entry is new
            leaves.update(_flatten(item, f"{prefix}.{item.get('id') or item.get('scheme') or position}"))
        return leaves
    if isinstance(value, list):
        return {prefix: ",".join(map(str, value))}
    return {prefix: "" if value is None else str(value)}


def _field_changes(old: dict[str, str], new: dict[str, str]) -> tuple[FieldChange, ...]:
    """The fields whose value differs, an absent field counting as empty (a ground added brings no empty fields)."""
    return tuple((k, old.get(k, ""), new.get(k, "")) for k in sorted(old.keys() | new.keys())
                 if old.get(k, "") != new.get(k, ""))


def _described(fields: tuple[FieldChange, ...]) -> str:
    return "; ".join(f"{path}: {old or None} → {new or None}" for path, old, new in fields)


class Compared(NamedTuple):
    """One scope difference of a measure, before it is located and judged."""

    aspect: Aspect
    field: str | None  # the measure's YAML field, to locate it (None: the measure itself)
    direction: Direction
    detail: str
    was: tuple[str, ...]
    now: tuple[str, ...]
    fields: tuple[FieldChange, ...] = ()


def _compare(a: Scope, b: Scope) -> Iterator[Compared]:
    """(aspect, YAML field, direction, detail, was, now) for each scope difference of one measure."""
    old, new = a.measure, b.measure
    was_scenarios, now_scenarios = tuple(s.value for s in old.scenarios), tuple(s.value for s in new.scenarios)
    gained, lost = set(now_scenarios) - set(was_scenarios), set(was_scenarios) - set(now_scenarios)
    if gained:
        yield Compared(Aspect.scenarios, "scenarios", Direction.widened, f"now also in {sorted(gained)}",
               was_scenarios, now_scenarios)
    if lost:
        yield Compared(Aspect.scenarios, "scenarios", Direction.narrowed, f"no longer in {sorted(lost)}",
               was_scenarios, now_scenarios)
    if a.roles != b.roles and a.rules and b.rules:  # a measure left without rules is reported by its triggers
        gained_roles = b.roles is None or (a.roles is not None and bool(b.roles - a.roles))
        yield Compared(Aspect.roles, None, Direction.widened if gained_roles else Direction.narrowed,
               f"{_roles(a.roles)} → {_roles(b.roles)}", _role_values(a.roles), _role_values(b.roles))
    if new.min_severity != old.min_severity:
        yield Compared(Aspect.min_severity, "min_severity",
               Direction.widened if new.min_severity < old.min_severity else Direction.narrowed,
               f"{old.min_severity.name} → {new.min_severity.name}", (old.min_severity.name,), (new.min_severity.name,))
    was_extension, now_extension = tuple(sorted(a.extends_to)), tuple(sorted(b.extends_to))
    if b.extends_to - a.extends_to:
        yield Compared(Aspect.extension, None, Direction.widened, f"now reaches {sorted(b.extends_to - a.extends_to)}",
               was_extension, now_extension)
    if a.extends_to - b.extends_to:
        yield Compared(Aspect.extension, None, Direction.narrowed, f"no longer reaches {sorted(a.extends_to - b.extends_to)}",
               was_extension, now_extension)
    if _days(new.duration) != _days(old.duration):
        yield Compared(Aspect.duration, "duration",
               Direction.widened if _days(new.duration) > _days(old.duration) else Direction.narrowed,
               f"{old.duration or 'as long as the record'} → {new.duration or 'as long as the record'}",
               tuple(filter(None, (old.duration,))), tuple(filter(None, (new.duration,))))
    if new.intensity != old.intensity:
        yield Compared(Aspect.intensity, "intensity", Direction.widened if new.intensity > old.intensity else Direction.narrowed,
               f"{old.intensity} → {new.intensity}", (str(old.intensity),), (str(new.intensity),))
    if new.effect != old.effect:
        stronger = EFFECT_STRENGTH.get(new.effect, 0) > EFFECT_STRENGTH.get(old.effect, 0)
        yield Compared(Aspect.effect, "effect", Direction.widened if stronger else Direction.narrowed,
               f"{old.effect.value} → {new.effect.value}", (old.effect.value,), (new.effect.value,))
    if new.category != old.category:
        yield Compared(Aspect.category, "category", Direction.widened if new.category < old.category else Direction.narrowed,
               f"{old.category} → {new.category}", (str(old.category),), (str(new.category),))
    was_reach, now_reach = _reach(old), _reach(new)
    dropped = sorted(k for k in was_reach if now_reach.get(k) != was_reach[k] and not _narrower(k, was_reach, now_reach))
    added = sorted(k for k in now_reach if k not in was_reach or _narrower(k, was_reach, now_reach))
    fields = _field_changes(was_reach, now_reach)
    if dropped:
        yield Compared(Aspect.reach, "reach", Direction.widened, f"no longer limited by {dropped} (精准惩戒)",
                       tuple(f"{k}: {v}" for k, v in was_reach.items()), tuple(f"{k}: {v}" for k, v in now_reach.items()),
                       fields)
    elif added:
        yield Compared(Aspect.reach, "reach", Direction.narrowed, f"now limited by {added}",
                       tuple(f"{k}: {v}" for k, v in was_reach.items()), tuple(f"{k}: {v}" for k, v in now_reach.items()),
                       fields)
    yield from _compare_triggers(a, b)


def _narrower(key: str, was: dict[str, str], now: dict[str, str]) -> bool:
    """A project-type limit that keeps fewer types is narrower; any other changed limit is a different one."""
    if key != "project_types" or key not in was or key not in now:
        return False
    return set(now[key].split(",")) < set(was[key].split(","))


def _compare_triggers(a: Scope, b: Scope) -> Iterator[Compared]:
    """New triggers widen the measure (more facts reach it), lost ones narrow it; a changed threshold is reported."""
    was, now = tuple(sorted(a.triggers)), tuple(sorted(b.triggers))
    gained, lost = sorted(b.triggers.keys() - a.triggers.keys()), sorted(a.triggers.keys() - b.triggers.keys())
    if gained:
        yield Compared(Aspect.triggers, None, Direction.widened, f"now also triggered by {gained}", was, now)
    if lost:
        detail = f"no longer triggered by {lost}" + ("" if b.triggers else ": no rule reaches the measure any more")
        yield Compared(Aspect.triggers, None, Direction.narrowed, detail, was, now)
    for key in sorted(a.triggers.keys() & b.triggers.keys()):
        if a.triggers[key] != b.triggers[key]:
            fields = _field_changes(_condition(a.triggers[key]), _condition(b.triggers[key]))
            direction = Direction.widened if _unqualified(a.triggers[key], b.triggers[key]) else Direction.changed
            yield Compared(Aspect.trigger_condition, None, direction, f"{key}: {_described(fields)}", (key,),
                           (key,), fields)


def _unqualified(was: When, now: When) -> bool:
    """A penalty trigger that no longer asks for penalty types (实施条例 art. 19) reaches every penalty."""
    return bool(was.penalty and was.penalty.qualified and now.penalty and not now.penalty.qualified)


def _roles(roles: frozenset[str] | None) -> str:
    return "any role" if roles is None else ", ".join(sorted(roles)) or "no rule"


def _role_values(roles: frozenset[str] | None) -> tuple[str, ...]:
    return (ANY_ROLE,) if roles is None else tuple(sorted(roles))
