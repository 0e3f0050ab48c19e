"""Compile a bundle into flat single-fact rules: an ordered table of small named passes.

The compiled form is what every evaluator (durable_rules, the indexed fast path and
the reference oracle) runs, so they can be compared on equal terms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from jrp.engine.types import Citation, CompiledRule, Trigger
from jrp.rulesets.bundle import Bundle, RulesetRef
from jrp.rulesets.schema import (
    Citation as CitationSpec,
)
from jrp.rulesets.schema import (
    CreditList,
    CrossRegionMapping,
    GradingScheme,
    Instrument,
    InstrumentStatus,
    Measure,
    PublicationPeriods,
    RepairRoute,
    Rule,
    Ruleset,
    SupervisionClass,
)
from jrp.vocabulary.measures import ListKind, MeasureKind

PENALTIES = "*penalties"
"""The key of the repair route of published penalties among the lists' routes."""


class CompileError(ValueError):
    """The bundle refers to something it does not define; ``jrp rulesets validate`` explains more."""


@dataclass(frozen=True, slots=True)
class BasisScope:
    """For which records a citation of a measure's basis is shown: entries of ``lists`` on ``grounds`` (empty: any)."""

    lists: frozenset[str] = frozenset()
    grounds: frozenset[str] = frozenset()

    def shown_for(self, lists: frozenset[str], grounds: frozenset[str] | None) -> bool:
        """Whether the citation founds a measure triggered by entries of ``lists`` on ``grounds`` (None: a ground
        not stated, so every ground's article is shown)."""
        return (not self.lists or bool(self.lists & lists)) and (
            not self.grounds or grounds is None or bool(self.grounds & grounds))


@dataclass(frozen=True)
class MeasureEntry:
    """A measure with the ruleset that defines it and its basis resolved to titles."""

    measure: Measure
    ruleset_id: str
    ruleset_version: str
    jurisdiction: str
    basis: tuple[Citation, ...]
    basis_instruments: tuple[Instrument, ...]
    basis_scopes: tuple[BasisScope, ...] = ()
    _on: dict[tuple, tuple[tuple[Citation, ...], tuple[str, ...]]] = field(default_factory=dict, compare=False)

    def basis_on(self, day: date, lists: frozenset[str] = frozenset(),
                 grounds: frozenset[str] | None = None) -> tuple[tuple[Citation, ...], tuple[str, ...]]:
        """The basis of a measure triggered by entries of ``lists`` on ``grounds`` as it stands on ``day``, and a
        warning per instrument not in force then (memoised).

        Only the citations of this case are shown: an article founding another ground or list (bidding-law art. 54
        beside a record listed under art. 53) is left out; if the scopes would leave nothing, all are shown.
        """
        key = (day, lists, grounds)
        found = self._on.get(key)
        if found is None:
            scopes = self.basis_scopes or (BasisScope(),) * len(self.basis)
            chosen = [i for i, scope in enumerate(scopes) if scope.shown_for(lists, grounds)] or range(len(self.basis))
            cited = [(self.basis[i], self.basis_instruments[i]) for i in chosen]
            in_force = [instrument_in_force(instrument, day) for _, instrument in cited]
            found = (
                tuple(c if ok else replace(c, in_force=False) for (c, _), ok in zip(cited, in_force)),
                tuple(dict.fromkeys(f"{i.title} is not in force on {day} ({i.status.value})"
                                    for (_, i), ok in zip(cited, in_force) if not ok)),
            )
            self._on[key] = found
        return found


@dataclass
class CompiledBundle:
    """A bundle ready for evaluation: flat rules plus the tables evidence building needs."""

    hash: str
    jurisdiction: str
    refs: list[RulesetRef]
    rules: tuple[CompiledRule, ...] = ()
    measures: dict[str, MeasureEntry] = field(default_factory=dict)
    lists: dict[str, CreditList] = field(default_factory=dict)
    list_basis: dict[str, tuple[Citation, ...]] = field(default_factory=dict)
    grading: dict[str, GradingScheme] = field(default_factory=dict)
    supervision_classes: dict[str, SupervisionClass] = field(default_factory=dict)
    list_from: dict[str, date] = field(default_factory=dict)  # the day the ruleset defining each list takes effect
    list_jurisdiction: dict[str, str] = field(default_factory=dict)  # the level whose ruleset defines each list
    publication_periods: PublicationPeriods | None = None
    periods_since: date | None = None  # effective_from of the edition whose periods these are
    repair_routes: dict[str, tuple[RepairRoute, tuple[Citation, ...]]] = field(default_factory=dict)  # list id or PENALTIES
    cross_region: dict[tuple[str, str], CrossRegionMapping] = field(default_factory=dict)
    objections_suspend: bool = False
    repeat_windows: tuple[str, ...] = ()  # sorted, so evidence comes out in a stable order
    look_back_windows: tuple[str, ...] = ()  # the ``within`` of penalty triggers
    points_windows: tuple[tuple[str, str], ...] = ()
    kept_windows: tuple[str, ...] = ()

    def serious_lists(self) -> frozenset[str]:
        return frozenset(i for i, item in self.lists.items() if item.kind is ListKind.serious)


Pass = Callable[[Bundle, CompiledBundle], None]


def cite(citation: CitationSpec, instruments: dict[str, Instrument]) -> Citation:
    """A citation of the YAML resolved to its instrument's title, number and level."""
    instrument = instruments[citation.instrument]
    return Citation(
        instrument_id=instrument.id,
        title=instrument.title,
        doc_no=instrument.doc_no,
        article=citation.label(),
        level=instrument.level.value,
        quote=citation.quote or "",
    )


def instrument_in_force(instrument: Instrument, on: date) -> bool:
    """Whether ``instrument`` applies on ``on`` (freshness of a measure's basis)."""
    if instrument.effective and on < instrument.effective:
        return False
    if instrument.lapses and on >= instrument.lapses:
        return False
    ended = instrument.status in (InstrumentStatus.repealed, InstrumentStatus.superseded)
    return not (ended and (instrument.status_date is None or on >= instrument.status_date))


def _collect_measures(bundle: Bundle, out: CompiledBundle) -> None:
    instruments = dict(bundle.instruments)
    for ruleset in bundle.rulesets:
        header = ruleset.ruleset
        for measure in ruleset.measures:
            distinct = _distinct(measure, instruments)
            out.measures[measure.id] = MeasureEntry(
                measure=measure,
                ruleset_id=header.id,
                ruleset_version=header.version,
                jurisdiction=header.jurisdiction,
                basis=tuple(resolved for resolved, _, _ in distinct),
                basis_instruments=tuple(instrument for _, instrument, _ in distinct),
                basis_scopes=tuple(scope for _, _, scope in distinct),
            )


def _distinct(measure: Measure, instruments: dict[str, Instrument]) -> list[tuple[Citation, Instrument, BasisScope]]:
    """The measure's basis resolved, each (instrument, article) once: two quotes of one article cite it once (their
    scopes joined: a citation shown for any of them is shown)."""
    seen: dict[tuple[str, str], tuple[Citation, Instrument, BasisScope]] = {}
    for citation in measure.basis:
        resolved = cite(citation, instruments)
        scope = BasisScope(frozenset(citation.lists), frozenset(citation.grounds))
        key = (resolved.instrument_id, resolved.article)
        if key in seen:
            first = seen[key][2]
            scope = BasisScope(first.lists | scope.lists if first.lists and scope.lists else frozenset(),
                               first.grounds | scope.grounds if first.grounds and scope.grounds else frozenset())
            seen[key] = (*seen[key][:2], scope)
        else:
            seen[key] = (resolved, instruments[citation.instrument], scope)
    return list(seen.values())


def _collect_lists(bundle: Bundle, out: CompiledBundle) -> None:
    instruments = dict(bundle.instruments)
    for ruleset in bundle.rulesets:
        for item in ruleset.lists:
            out.lists[item.id] = item
            out.list_from[item.id] = ruleset.ruleset.effective_from
            out.list_jurisdiction[item.id] = ruleset.ruleset.jurisdiction
            out.list_basis[item.id] = tuple(cite(c, instruments) for c in item.basis)
            if item.repair is not None:
                out.repair_routes[item.id] = (item.repair, tuple(cite(c, instruments) for c in item.repair.basis))


def _collect_tables(bundle: Bundle, out: CompiledBundle) -> None:
    for ruleset in bundle.rulesets:
        for scheme in ruleset.grading:
            out.grading[scheme.scheme] = scheme
        out.supervision_classes.update(ruleset.supervision_classes)
        periods = ruleset.publication_periods
        if periods is not None:
            out.publication_periods, out.periods_since = periods, ruleset.ruleset.effective_from
            if periods.repair is not None:
                basis = tuple(cite(c, dict(bundle.instruments)) for c in periods.repair.basis)
                out.repair_routes[PENALTIES] = (periods.repair, basis)
        for mapping in ruleset.cross_region:
            out.cross_region[(mapping.region, mapping.list_type)] = mapping
        if ruleset.objections_suspend is not None:
            out.objections_suspend = ruleset.objections_suspend


def _trigger_fields(rule: Rule, lists: dict[str, CreditList]) -> dict:
    when = rule.when
    kind = Trigger(when.trigger_kind)
    fields: dict = {"trigger": kind, "keys": frozenset(), "min_severity": 0, "min_value": None,
                    "grades": frozenset(), "window": "", "extends_to": frozenset()}
    if kind is Trigger.list:
        declared = frozenset(r.value for r in lists[when.list].extends_to)
        narrowed = declared if rule.extends_to is None else frozenset(r.value for r in rule.extends_to) & declared
        fields.update(keys=frozenset({when.list}), extends_to=narrowed)
    elif kind is Trigger.penalty:
        within = when.penalty.within
        fields.update(keys=frozenset(when.penalty.domains),
                      min_severity=0 if within else int(when.penalty.min_severity),
                      sanctions=frozenset(s.value for s in when.penalty.sanctions),
                      fine_at_least=when.penalty.fine_at_least, window=str(within) if within else "")
    elif kind is Trigger.repeated_penalties:
        spec = when.repeated_penalties
        fields.update(keys=frozenset(spec.domains), min_severity=int(spec.min_severity),
                      min_value=float(spec.count), window=str(spec.within))
    elif kind is Trigger.points:
        fields.update(keys=frozenset({when.points.scheme}), min_value=when.points.at_least, window=str(when.points.within))
    elif kind is Trigger.grade:
        fields.update(keys=frozenset({when.grade.scheme}), grades=frozenset(when.grade.grades))
    elif kind is Trigger.score:
        fields.update(keys=frozenset({when.score.scheme}), min_value=when.score.at_least)
    elif kind is Trigger.commitment_breach:
        fields.update(keys=frozenset(when.commitment_breach.matters))
    elif kind is Trigger.commitments_kept:
        fields.update(min_value=float(when.commitments_kept.at_least), window=str(when.commitments_kept.within))
    return fields


def _flatten_rules(bundle: Bundle, out: CompiledBundle) -> None:
    compiled: list[CompiledRule] = []
    for ruleset in bundle.rulesets:
        compiled.extend(_flatten(ruleset, out))
    out.rules = tuple(compiled)


def _flatten(ruleset: Ruleset, out: CompiledBundle) -> list[CompiledRule]:
    header = ruleset.ruleset
    flattened = []
    for rule in ruleset.rules:
        fields = _trigger_fields(rule, out.lists)
        persons = rule.persons
        if persons is not None:
            roles = frozenset(r.value for r in persons.roles)
            fields.update(extends_to=fields["extends_to"] | roles, persons_only=persons.only)
            if persons.pending is not None:
                fields.update(pending_roles=roles, persons_pending=f"{persons.pending.en} ({persons.pending.zh})")
        for measure_id in rule.measures:
            measure = out.measures[measure_id].measure
            scenarios = {s.value for s in measure.scenarios}
            if rule.scenarios:
                scenarios &= {s.value for s in rule.scenarios}
            flattened.append(
                CompiledRule(
                    rule_id=rule.id,
                    measure_id=measure_id,
                    scenarios=frozenset(scenarios),
                    roles=_roles(rule, measure),
                    grounds=frozenset(rule.grounds),
                    incentive=measure.kind is MeasureKind.incentive,
                    ruleset_id=header.id,
                    ruleset_version=header.version,
                    jurisdiction=header.jurisdiction,
                    in_force_from=header.effective_from,
                    **{**fields, "min_severity": max(fields["min_severity"], _measure_floor(measure, fields))},
                )
            )
    return flattened


def _roles(rule: Rule, measure: Measure) -> frozenset[str]:
    """The roles a rule reaches: its own, within the roles its measure's basis reaches (validation keeps them inside)."""
    own, reached = frozenset(r.value for r in rule.roles), frozenset(r.value for r in measure.roles)
    if own and reached:
        return own & reached
    return own or reached


def _measure_floor(measure: Measure, fields: dict) -> int:
    """A measure's minimum severity applies to dishonesty evidence, not to grades or scores, nor to penalties read
    by a basis's own look-back (its test is the penalty's type, not its class)."""
    if fields["trigger"] is Trigger.penalty and fields["window"]:
        return 0
    if fields["trigger"] in (Trigger.list, Trigger.penalty, Trigger.repeated_penalties, Trigger.commitment_breach):
        return 0 if measure.kind is MeasureKind.incentive else int(measure.min_severity)
    return 0


def _index_windows(bundle: Bundle, out: CompiledBundle) -> None:
    out.repeat_windows = tuple(sorted({r.window for r in out.rules if r.trigger is Trigger.repeated_penalties}))
    out.look_back_windows = tuple(sorted({r.window for r in out.rules if r.trigger is Trigger.penalty and r.window}))
    out.points_windows = tuple(sorted({(next(iter(r.keys)), r.window) for r in out.rules if r.trigger is Trigger.points}))
    out.kept_windows = tuple(sorted({r.window for r in out.rules if r.trigger is Trigger.commitments_kept}))


PASSES: tuple[tuple[str, Pass], ...] = (
    ("collect_measures", _collect_measures),
    ("collect_lists", _collect_lists),
    ("collect_tables", _collect_tables),
    ("flatten_rules", _flatten_rules),
    ("index_windows", _index_windows),
)


def compile_bundle(bundle: Bundle) -> CompiledBundle:
    """Run every pass in order over ``bundle``; a bundle with unresolved references is refused whole."""
    problems = bundle.unresolved()
    if problems:
        raise CompileError(f"the rules of {bundle.jurisdiction} ({', '.join(f'{r.id}@{r.version}' for r in bundle.refs)})"
                           f" do not form a complete bundle: {'; '.join(map(str, problems))}")
    out = CompiledBundle(hash=bundle.hash, jurisdiction=bundle.jurisdiction, refs=bundle.refs)
    for _name, compile_pass in PASSES:
        compile_pass(bundle, out)
    return out
