"""Validation of reach (精准惩戒): a measure reaches no more than the words of its basis.

Each check turns one class of over-reach into a located error:

- scope phrases: a quoted basis that limits a measure (该行政许可, 工程招投标, 依法必须进行招标的项目,
  整改不到位, 限制出境, 行业或者职业禁入) obliges the measure to declare that limit;
- roles: a rule may not name a check role its measure's basis does not reach, and a list extends only
  to the persons its extension basis names in the words of ``ROLE_TERMS``;
- periods: a list's default period is never longer than its legal grounds allow, and the earlier
  edition a credit-repair version compares with must be copied faithfully.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from jrp.rulesets.library import Library, RulesetFile
from jrp.rulesets.loader import Location, Problem
from jrp.rulesets.schema import Citation, CreditList, Duration, Measure, PeriodRange, SeverityPeriods
from jrp.vocabulary.measures import ListKind
from jrp.vocabulary.periods import period_parts
from jrp.vocabulary.scenarios import Scenario
from jrp.vocabulary.scope import ProjectType
from jrp.vocabulary.subjects import ROLE_TERMS, RelatedRole

PROJECT_SCENARIOS = frozenset({Scenario.bidding, Scenario.government_procurement})
"""Where a check can name a project: reach by project type is meaningful only there."""
CONSUMPTION_SCENARIOS = frozenset({Scenario.consumption, Scenario.travel})
"""Where a check says what is bought: reach by consumption is meaningful only there."""


def _problem(file: RulesetFile, location: Location, code: str, message: str) -> Problem:
    return Problem(code, file.path, file.lines.line_of(location), message)


@dataclass(frozen=True)
class Triggers:
    """For each measure, the lists of the rules that name it (across the live library)."""

    lists_of: dict[str, list[CreditList | None]]

    @classmethod
    def of(cls, library: Library) -> Triggers:
        lists = {item.id: item for f in library.live_files for item in f.ruleset.lists}
        found: dict[str, list[CreditList | None]] = {}
        for f in library.live_files:
            for rule in f.ruleset.rules:
                for measure_id in rule.measures:
                    found.setdefault(measure_id, []).append(lists.get(rule.when.list or ""))
        return cls(found)

    def only_decisions(self, measure: Measure) -> bool:
        return all(item is not None and item.kind is ListKind.decision for item in self.lists_of.get(measure.id, []))


@dataclass(frozen=True)
class ScopePhrase:
    """Words of a basis that limit what a measure reaches, and the declaration they require."""

    words: str
    meaning: str
    required: str
    satisfied: Callable[[Measure, Triggers], bool]


SCOPE_PHRASES: tuple[ScopePhrase, ...] = (
    ScopePhrase("该行政许可", "the bar reaches that licence only (行政许可法 arts. 78, 79)",
                "reach: {matter: same_as_record}", lambda m, _t: m.reach.matter == "same_as_record"),
    ScopePhrase("工程招投标", "bidding is reached for construction projects only",
                "reach: {project_types: [construction]} (and scenarios within bidding / procurement)",
                lambda m, _t: Scenario.bidding not in m.scenarios
                or set(m.reach.project_types) == {ProjectType.construction}),
    ScopePhrase("依法必须进行招标的项目", "only projects that must be tendered by law are reached",
                "reach: {tender_required: true}", lambda m, _t: m.reach.tender_required),
    ScopePhrase("非生活和工作必需的消费", "only the consumption the provision lists is restricted (最高法 2015 art. 3)",
                "reach: {consumption: listed}", lambda m, _t: m.reach.consumption == "listed"),
    ScopePhrase("直接关系公共安全、人身健康、生命财产安全", "the bar reaches such licences only (行政许可法 arts. 78, 79)",
                "reach: {public_safety: true}", lambda m, _t: m.reach.public_safety),
    ScopePhrase("整改不到位", "the measure follows a failure to rectify within the time limit",
                "reach: {rectification_overdue: true}", lambda m, _t: m.reach.rectification_overdue),
    ScopePhrase("限制出境", "the court may restrict exit (民事诉讼法 art. 266: 可以): a decision, not a listing",
                "rules that trigger it from a list of kind decision only (the court's exit-restriction orders)",
                lambda m, t: t.only_decisions(m)),
    ScopePhrase("行业或者职业禁入", "a trade ban is imposed by a decision naming the trade, not by a listing",
                "reach: {industry: same_as_record}, triggered from a list of kind decision only",
                lambda m, t: m.reach.industry == "same_as_record" and t.only_decisions(m)),
)


def scope_phrase_problems(library: Library) -> Iterator[Problem]:
    """A measure whose basis quotes a limiting phrase declares the limit."""
    triggers = Triggers.of(library)
    for file in library.live_files:
        for i, measure in enumerate(file.ruleset.measures):
            quotes = " ".join(c.quote or "" for c in measure.basis)
            for phrase in SCOPE_PHRASES:
                if phrase.words in quotes and not phrase.satisfied(measure, triggers):
                    yield _problem(file, ("measures", i, "reach"), "reach-wider-than-basis",
                                   f"measure {measure.id} quotes {phrase.words!r}: {phrase.meaning}; "
                                   f"declare {phrase.required}")
            if (measure.reach.project_types or measure.reach.tender_required) and set(measure.scenarios) - PROJECT_SCENARIOS:
                yield _problem(file, ("measures", i, "scenarios"), "project-reach-outside-projects",
                               f"measure {measure.id} is limited by project, which a check names only in "
                               "bidding and government procurement; split the other scenarios into a measure of their own")
            if measure.reach.consumption and set(measure.scenarios) - CONSUMPTION_SCENARIOS:
                yield _problem(file, ("measures", i, "scenarios"), "consumption-reach-outside-consumption",
                               f"measure {measure.id} is limited to listed consumption, which a check names only in "
                               "consumption and travel; split the other scenarios into a measure of their own")


def role_problems(library: Library) -> Iterator[Problem]:
    """Rules stay within their measures' roles; extensions name the persons in the basis's own words."""
    measures = {m.id: m for f in library.live_files for m in f.ruleset.measures}
    for file in library.live_files:
        for i, rule in enumerate(file.ruleset.rules):
            for measure_id in rule.measures:
                measure = measures.get(measure_id)
                beyond = sorted(r.value for r in set(rule.roles) - set(measure.roles)) if measure and measure.roles else []
                if beyond:
                    yield _problem(file, ("rules", i, "roles"), "role-beyond-basis",
                                   f"rule {rule.id} names roles {beyond}, which the basis of {measure_id} does not "
                                   f"reach (only {', '.join(r.value for r in measure.roles)})")
        for i, item in enumerate(file.ruleset.lists):
            yield from _unnamed_roles(file, ("lists", i, "extends_to"), f"list {item.id}", item.extends_to,
                                      item.extension_basis)
        for i, rule in enumerate(file.ruleset.rules):
            if rule.persons is not None:
                yield from _unnamed_roles(file, ("rules", i, "persons", "roles"), f"rule {rule.id}", rule.persons.roles,
                                          rule.persons.basis)


def _unnamed_roles(file: RulesetFile, where: tuple, owner: str, roles: tuple[RelatedRole, ...],
                   basis: tuple[Citation, ...]) -> Iterator[Problem]:
    """An extension to a role its basis never names in the words of ``ROLE_TERMS``."""
    quoted = " ".join(c.quote or "" for c in basis)
    for j, role in enumerate(roles):
        if quoted and not any(term in quoted for term in ROLE_TERMS[role]):
            yield _problem(file, (*where, j), "extension-role-not-named",
                           f"{owner} extends to {role.value}, but its extension basis never says "
                           f"{' or '.join(ROLE_TERMS[role])}; quote the words that name these persons or drop the role")


def _longest(period: Duration | PeriodRange | None) -> tuple[int, int, int] | None:
    if period is None:
        return None
    return period_parts(period.max if isinstance(period, PeriodRange) else period)


def _days(parts: tuple[int, int, int]) -> int:
    years, months, days = parts
    return years * 366 + months * 31 + days


def period_problems(library: Library) -> Iterator[Problem]:
    """Default periods within the grounds' and ranges ordered; earlier editions copied faithfully."""
    for file in library.live_files:
        for i, item in enumerate(file.ruleset.lists):
            periods = [(("lists", i, "listing_period"), item.listing_period)]
            periods += [(("lists", i, "grounds", k, "period"), g.period) for k, g in enumerate(item.grounds)]
            for location, period in periods:
                if isinstance(period, PeriodRange) and _days(period_parts(period.min)) > _days(period_parts(period.max)):
                    yield _problem(file, location, "period-range-reversed", f"{period.min} is longer than {period.max}")
            grounds = [_longest(g.period) for g in item.grounds]
            own = _longest(item.listing_period)
            if own and grounds and None not in grounds and _days(own) > max(_days(g) for g in grounds):  # type: ignore[arg-type]
                yield _problem(file, ("lists", i, "listing_period"), "period-beyond-grounds",
                               f"list {item.id} holds a record for {item.listing_period}, longer than any of its "
                               "grounds allows; use the grounds' periods")
        periods = file.ruleset.publication_periods
        if periods is not None and periods.earlier is not None:
            yield from _earlier_edition_problems(library, file, periods.earlier)


def _earlier_edition_problems(library: Library, file: RulesetFile, earlier) -> Iterator[Problem]:  # noqa: ANN001
    header = file.ruleset.ruleset
    match = [f for f in library.versions(header.id) if f.ruleset.ruleset.version == earlier.version]
    source = match[0].ruleset.publication_periods if match else None
    if source is None:
        yield _problem(file, ("publication_periods", "earlier", "version"), "unknown-earlier-edition",
                       f"{header.id} has no version {earlier.version} with publication periods")
        return
    mine, theirs = (SeverityPeriods.model_validate(p.model_dump(include=set(SeverityPeriods.model_fields)))
                    for p in (earlier, source))
    if mine != theirs:
        yield _problem(file, ("publication_periods", "earlier"), "earlier-edition-differs",
                       f"the periods given for {header.id} {earlier.version} differ from that version's file; "
                       "copy them exactly")
