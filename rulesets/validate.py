"""Semantic validation of a ruleset library: everything the schema alone cannot check.

Each check is a small function yielding located problems; ``validate`` runs them all
and reports every problem in one run. ``tests/rulesets/broken/`` holds one broken file
per check, which is the documentation of what each check catches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from jrp.rulesets.case_checks import case_problems
from jrp.rulesets.citation_checks import citation_problems
from jrp.rulesets.date_checks import broken_chain_problems
from jrp.rulesets.doubt_checks import doubt_problems
from jrp.rulesets.edition_checks import selection_problems
from jrp.rulesets.effect_checks import basis_by_effect_problems, category_by_effect_problems
from jrp.rulesets.library import Library, RulesetFile
from jrp.rulesets.loader import Level, Location, Problem
from jrp.rulesets.precision_checks import period_problems, role_problems, scope_phrase_problems
from jrp.rulesets.publication_checks import (
    changed_after_publication,
    drafts_dated_before,
    records_without_editions,
)
from jrp.rulesets.schema import CATEGORY_ONE_LEVELS, Citation, InstrumentStatus, Ruleset
from jrp.vocabulary.jurisdictions import chain_of, parent_of
from jrp.vocabulary.measures import ListKind, MeasureKind
from jrp.vocabulary.scenarios import SCENARIO_ROLES

LAPSE_WARNING_DAYS = 90


@dataclass(frozen=True)
class Context:
    library: Library
    legal_texts: Path | None
    today: date


Check = Callable[[Context], Iterator[Problem]]


def _problem(file: RulesetFile, location: Location, code: str, message: str, level: Level = Level.error) -> Problem:
    return Problem(code, file.path, file.lines.line_of(location), message, level)


def citations(ruleset: Ruleset) -> Iterator[tuple[Location, Citation]]:
    """Every citation of a ruleset with its location in the YAML file."""
    for i, item in enumerate(ruleset.lists):
        for j, citation in enumerate(item.basis):
            yield ("lists", i, "basis", j), citation
        for j, citation in enumerate(item.extension_basis):
            yield ("lists", i, "extension_basis", j), citation
        for k, ground in enumerate(item.grounds):
            for j, citation in enumerate(ground.basis):
                yield ("lists", i, "grounds", k, "basis", j), citation
        for j, citation in enumerate(item.repair.basis if item.repair else ()):
            yield ("lists", i, "repair", "basis", j), citation
    for i, measure in enumerate(ruleset.measures):
        for j, citation in enumerate(measure.basis):
            yield ("measures", i, "basis", j), citation
    for i, rule in enumerate(ruleset.rules):
        for j, citation in enumerate(rule.basis):
            yield ("rules", i, "basis", j), citation
        for j, citation in enumerate(rule.persons.basis if rule.persons else ()):
            yield ("rules", i, "persons", "basis", j), citation
    for i, scheme in enumerate(ruleset.grading):
        for j, citation in enumerate(scheme.basis):
            yield ("grading", i, "basis", j), citation
    for name, supervision_class in ruleset.supervision_classes.items():
        for j, citation in enumerate(supervision_class.basis):
            yield ("supervision_classes", name, "basis", j), citation
    if ruleset.publication_periods:
        for j, citation in enumerate(ruleset.publication_periods.basis):
            yield ("publication_periods", "basis", j), citation
        repair = ruleset.publication_periods.repair
        for j, citation in enumerate(repair.basis if repair else ()):
            yield ("publication_periods", "repair", "basis", j), citation
    for i, mapping in enumerate(ruleset.cross_region):
        for j, citation in enumerate(mapping.basis):
            yield ("cross_region", i, "basis", j), citation


def check_registered(ctx: Context) -> Iterator[Problem]:
    """Every cited or source instrument is in the legal-source registry."""
    known = ctx.library.instruments
    for file in ctx.library.files:
        for position, source in enumerate(file.ruleset.ruleset.sources):
            if source not in known:
                yield _problem(file, ("ruleset", "sources", position), "unknown-instrument",
                               f"source {source!r} is not in legal_sources.yaml; register it there first")
        for location, citation in citations(file.ruleset):
            if citation.instrument not in known:
                yield _problem(file, (*location, "instrument"), "unknown-instrument",
                               f"instrument {citation.instrument!r} is not in legal_sources.yaml; register it there first")


def check_quotes(ctx: Context) -> Iterator[Problem]:
    """Cited articles exist and quoted words sit inside the article, paragraph and item cited."""
    if ctx.legal_texts is None:
        return
    for file in ctx.library.files:
        for location, citation in citations(file.ruleset):
            instrument = ctx.library.instruments.get(citation.instrument)
            if instrument is not None:
                yield from citation_problems(file, location, citation, instrument, ctx.legal_texts)


def check_unverified(ctx: Context) -> Iterator[Problem]:
    """``article: unverified`` is allowed, and reported so the count stays visible."""
    for file in ctx.library.live_files:
        for location, citation in citations(file.ruleset):
            if citation.unverified:
                yield _problem(file, (*location, "article"), "unverified-article",
                               f"{citation.instrument}: article number unverified", Level.warning)


def check_category_one_basis(ctx: Context) -> Iterator[Problem]:
    """A category-1 measure reduces rights: it needs a law, regulation or judicial interpretation."""
    for file in ctx.library.live_files:
        for i, measure in enumerate(file.ruleset.measures):
            if measure.category != 1:
                continue
            levels = {ctx.library.instruments[c.instrument].level for c in measure.basis
                      if c.instrument in ctx.library.instruments}
            if not levels & CATEGORY_ONE_LEVELS:
                yield _problem(file, ("measures", i, "basis"), "category-1-basis",
                               f"category-1 measure {measure.id} cites only {sorted(l.value for l in levels)}; "
                               "cite a law, administrative regulation, judicial interpretation, local regulation "
                               "or central policy document, or make it category 2")


def check_scenario_coverage(ctx: Context) -> Iterator[Problem]:
    """A measure never applies in a scenario its basis does not cover."""
    for file in ctx.library.live_files:
        for i, measure in enumerate(file.ruleset.measures):
            covered: set[str] = set()
            for citation in measure.basis:
                instrument = ctx.library.instruments.get(citation.instrument)
                covered.update(citation.covers or (instrument.covers if instrument else ()))
            missing = sorted(s.value for s in measure.scenarios if s not in covered)
            if missing:
                yield _problem(file, ("measures", i, "scenarios"), "scenario-not-covered",
                               f"measure {measure.id} applies in {missing} but no basis covers it; "
                               "add a citation whose 'covers' names the scenario, or drop the scenario")


def check_header(ctx: Context) -> Iterator[Problem]:
    """Folder, file name, parent and version dates agree with the header."""
    for file in ctx.library.files:
        header = file.ruleset.ruleset
        if file.path.parent.parent.name != header.jurisdiction:
            yield _problem(file, ("ruleset", "jurisdiction"), "wrong-folder",
                           f"jurisdiction {header.jurisdiction} but the file is under {file.path.parent.parent.name}/")
        if file.path.parent.name != header.id:
            yield _problem(file, ("ruleset", "id"), "wrong-folder",
                           f"ruleset id {header.id} but the folder is {file.path.parent.name}/")
        if file.path.stem != header.version:
            yield _problem(file, ("ruleset", "version"), "wrong-file-name",
                           f"version {header.version} but the file is {file.path.name}; name it {header.version}.yaml")
        if header.parent != parent_of(header.jurisdiction):
            yield _problem(file, ("ruleset", "parent"), "wrong-parent",
                           f"parent of {header.jurisdiction} is {parent_of(header.jurisdiction)}, not {header.parent}")
    for ruleset_id in ctx.library.ruleset_ids:
        versions = ctx.library.versions(ruleset_id, live=True)
        for older, newer in zip(versions, versions[1:]):
            end, start = older.ruleset.ruleset.effective_to, newer.ruleset.ruleset.effective_from
            if end is not None and end >= start:  # an open-ended version is superseded by the next one's start
                yield _problem(newer, ("ruleset", "effective_from"), "overlapping-versions",
                               f"{newer.ruleset.ruleset.version} starts while {ruleset_id} "
                               f"{older.ruleset.ruleset.version} is still in force (until {end}); start "
                               f"{newer.ruleset.ruleset.version} after {end} (a published version is not edited)")
        known = {f.ruleset.ruleset.version for f in ctx.library.versions(ruleset_id)}
        for file in ctx.library.versions(ruleset_id):
            for k, version in enumerate(file.ruleset.ruleset.replaces):
                if version not in known or version == file.ruleset.ruleset.version:
                    yield _problem(file, ("ruleset", "replaces", k), "unknown-replaced-version",
                                   f"replaces {ruleset_id} {version}, which is not another version of this "
                                   f"ruleset; known: {', '.join(sorted(known))}")


def check_references_and_layering(ctx: Context) -> Iterator[Problem]:
    """Rules name defined measures and lists; a lower level redefines a measure only as an override."""
    for file in ctx.library.live_files:
        header = file.ruleset.ruleset
        visible = [f for f in ctx.library.live_files
                   if f.ruleset.ruleset.jurisdiction in chain_of(header.jurisdiction) and _overlaps(ctx.library, f, file)]
        higher = {m.id for f in visible if f.ruleset.ruleset.jurisdiction != header.jurisdiction
                  for m in f.ruleset.measures}
        measures = {m.id: m for f in visible for m in f.ruleset.measures}
        lists = {item.id: item for f in visible for item in f.ruleset.lists}
        for i, measure in enumerate(file.ruleset.measures):
            if measure.id in higher and not measure.override:
                yield _problem(file, ("measures", i, "id"), "redefined-measure",
                               f"{measure.id} is defined at a higher level; add 'override: true' with its own basis, "
                               "or give the measure a new id")
        for i, rule in enumerate(file.ruleset.rules):
            yield from _check_rule(file, i, rule, measures, lists)
        for i, mapping in enumerate(file.ruleset.cross_region):
            if mapping.maps_to not in lists:
                yield _problem(file, ("cross_region", i, "maps_to"), "unknown-list",
                               f"cross-region mapping names unknown list {mapping.maps_to!r}")


def _check_rule(file: RulesetFile, i: int, rule, measures: dict, lists: dict) -> Iterator[Problem]:
    trigger_list = lists.get(rule.when.list) if rule.when.list else None
    if rule.when.list and trigger_list is None:
        yield _problem(file, ("rules", i, "when", "list"), "unknown-list",
                       f"rule {rule.id} names list {rule.when.list!r}, which no ruleset in the chain defines")
    unknown_grounds = sorted(set(rule.grounds) - {g.id for g in trigger_list.grounds}) if trigger_list else []
    if rule.grounds and (trigger_list is None or unknown_grounds):
        yield _problem(file, ("rules", i, "grounds"), "unknown-ground",
                       f"rule {rule.id} names grounds {unknown_grounds or list(rule.grounds)}, which "
                       f"{'its list does not define' if trigger_list else 'only a list trigger can have'}")
    if trigger_list is not None and rule.extends_to is not None:
        beyond = sorted(r.value for r in set(rule.extends_to) - set(trigger_list.extends_to))
        if beyond:
            yield _problem(file, ("rules", i, "extends_to"), "extension-beyond-list",
                           f"rule {rule.id} reaches {beyond}, which list {trigger_list.id} does not extend to; "
                           "a rule may only narrow the list's extension")
    below_serious = rule.when.trigger_kind in ("repeated_penalties", "points") or (
        trigger_list is not None and trigger_list.kind is ListKind.key_attention)
    rewards = rule.when.trigger_kind in ("score", "commitments_kept") or (
        trigger_list is not None and trigger_list.kind is ListKind.incentive)
    for j, measure_id in enumerate(rule.measures):
        measure = measures.get(measure_id)
        where = ("rules", i, "measures", j)
        if measure is None:
            yield _problem(file, where, "unknown-measure", f"rule {rule.id} names unknown measure {measure_id!r}")
            continue
        if below_serious and measure.kind is MeasureKind.penalty and measure.category != 2:
            yield _problem(file, where, "key-attention-category",
                           f"rule {rule.id} works below the serious threshold, so {measure_id} must be category 2, "
                           f"not {measure.category} (Jiangsu 六(二): measures matching the degree)")
        if rewards and measure.kind is not MeasureKind.incentive:
            yield _problem(file, where, "incentive-trigger",
                           f"rule {rule.id} rewards good credit but {measure_id} is a penalty")
        uncovered = [s.value for s in rule.scenarios if s not in measure.scenarios]
        if uncovered:
            yield _problem(file, ("rules", i, "scenarios"), "scenario-not-covered",
                           f"rule {rule.id} names {uncovered}, where measure {measure_id} does not apply")
    yield from _check_rule_roles(file, i, rule, [measures[m] for m in rule.measures if m in measures])


def _check_rule_roles(file: RulesetFile, i: int, rule, measures: list) -> Iterator[Problem]:
    """A rule's roles must be roles some of its scenarios have (``SCENARIO_ROLES``), or it can never fire."""
    scenarios = set(rule.scenarios) or {s for measure in measures for s in measure.scenarios}
    yield from _roles_in_scenarios(file, ("rules", i), f"rule {rule.id}", rule.roles, scenarios)


def check_measure_roles(ctx: Context) -> Iterator[Problem]:
    """A measure's roles must be roles some of its scenarios have, or it silently never applies."""
    for file in ctx.library.live_files:
        for i, measure in enumerate(file.ruleset.measures):
            yield from _roles_in_scenarios(file, ("measures", i), f"measure {measure.id}", measure.roles,
                                           set(measure.scenarios))


def _roles_in_scenarios(file: RulesetFile, where: Location, owner: str, roles, scenarios: set) -> Iterator[Problem]:
    if not scenarios:
        return
    possible = {role for scenario in scenarios for role in SCENARIO_ROLES[scenario]}
    for j, role in enumerate(roles):
        if role not in possible:
            yield _problem(file, (*where, "roles", j), "role-not-in-scenario",
                           f"{owner} names role {role.value}, which none of its scenarios "
                           f"({', '.join(sorted(s.value for s in scenarios))}) has; use one of "
                           f"{', '.join(sorted(r.value for r in possible)) or 'no role (leave roles empty)'}, "
                           "or add the pair to vocabulary/scenarios.py SCENARIO_ROLES")


def _overlaps(library: Library, a: RulesetFile, b: RulesetFile) -> bool:
    end_a, end_b = library.effective_until(a), library.effective_until(b)
    return (end_a is None or end_a >= b.ruleset.ruleset.effective_from) and (
        end_b is None or end_b >= a.ruleset.ruleset.effective_from)


def check_freshness(ctx: Context) -> Iterator[Problem]:
    """Warn about citations to instruments superseded, repealed or lapsing within 90 days."""
    soon = ctx.today + timedelta(days=LAPSE_WARNING_DAYS)
    for file in ctx.library.live_files:
        if file.ruleset.ruleset.effective_to and file.ruleset.ruleset.effective_to < ctx.today:
            continue  # a past version may cite what was in force then
        for location, citation in citations(file.ruleset):
            instrument = ctx.library.instruments.get(citation.instrument)
            if instrument is None:
                continue
            if instrument.status in (InstrumentStatus.superseded, InstrumentStatus.repealed):
                yield _problem(file, (*location, "instrument"), "stale-basis",
                               f"{instrument.id} is {instrument.status.value} since {instrument.status_date}; "
                               "cite the instrument in force", Level.warning)
            elif instrument.lapses and instrument.lapses <= soon:
                yield _problem(file, (*location, "instrument"), "lapsing-basis",
                               f"{instrument.id} lapses on {instrument.lapses}", Level.warning)


def check_reach(ctx: Context) -> Iterator[Problem]:
    """Scope phrases, roles and periods: a measure reaches no more than its basis (``precision_checks``)."""
    yield from scope_phrase_problems(ctx.library)
    yield from role_problems(ctx.library)
    yield from period_problems(ctx.library)


def check_effect(ctx: Context) -> Iterator[Problem]:
    """The basis and category a measure's effect needs (``effect_checks``)."""
    yield from basis_by_effect_problems(ctx.library)
    yield from category_by_effect_problems(ctx.library)


def check_cases(ctx: Context) -> Iterator[Problem]:
    """The tests.yaml beside each ruleset reads, and its cases name what exists (``case_checks``)."""
    yield from case_problems(ctx.library)


def check_selection(ctx: Context) -> Iterator[Problem]:
    """Every edition takes effect on some date, and no two start the same day (``edition_checks``)."""
    yield from selection_problems(ctx.library)


def check_publications(ctx: Context) -> Iterator[Problem]:
    """Published editions keep the content approved; drafts start no earlier than today (``publication_checks``)."""
    yield from changed_after_publication(ctx.library)
    yield from records_without_editions(ctx.library)
    yield from drafts_dated_before(ctx.library, ctx.today)


def check_both_directions(ctx: Context) -> Iterator[Problem]:
    """Mandatory measures a missing fact could drop without review; citations of other grounds (``doubt_checks``)."""
    yield from doubt_problems(ctx.library, ctx.legal_texts)


def check_every_date(ctx: Context) -> Iterator[Problem]:
    """Every jurisdiction's bundle resolves on every boundary date (``date_checks``)."""
    yield from broken_chain_problems(ctx.library)


CHECKS: tuple[tuple[str, Check], ...] = (
    ("registered", check_registered),
    ("quotes", check_quotes),
    ("unverified", check_unverified),
    ("category_one_basis", check_category_one_basis),
    ("scenario_coverage", check_scenario_coverage),
    ("header", check_header),
    ("references_and_layering", check_references_and_layering),
    ("freshness", check_freshness),
    ("reach", check_reach),
    ("both_directions", check_both_directions),
    ("every_date", check_every_date),
    ("effect", check_effect),
    ("measure_roles", check_measure_roles),
    ("cases", check_cases),
    ("selection", check_selection),
    ("publications", check_publications),
)


def validate(library: Library, legal_texts: Path | None = None, today: date | None = None) -> list[Problem]:
    """Every problem of ``library``, errors and warnings, sorted by file and line."""
    ctx = Context(library, legal_texts, today or date.today())
    problems = [problem for _name, check in CHECKS for problem in check(ctx)]
    return sorted(problems, key=lambda p: (str(p.file), p.line or 0, p.code))
