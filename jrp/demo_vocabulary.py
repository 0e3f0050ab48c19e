"""The demo data's vocabulary, read off the bundled rulesets so the demo covers every list and scheme."""

from __future__ import annotations

from jrp.adapters.facts.demo import DEFAULT_VOCABULARY, DemoVocabulary
from jrp.rulesets.library import Library
from jrp.vocabulary.measures import ListKind
from jrp.vocabulary.subjects import RelatedRole

FIRST_OF_KIND = {  # the README tour's fixed subjects use the first list of each kind
    ListKind.serious.value: "dishonest-judgment-debtors",
    ListKind.incentive.value: "tax-a-level",
}


def vocabulary_of(library: Library) -> DemoVocabulary:
    """Every list (by kind), penalty domain, grading scheme, points and score scheme the rulesets use."""
    rulesets = [f.ruleset for f in library.live_files]
    lists: dict[str, list[str]] = {kind.value: [] for kind in ListKind}
    for ruleset in rulesets:
        for item in ruleset.lists:
            if item.id not in lists[item.kind.value]:
                lists[item.kind.value].append(item.id)
    for kind, first in FIRST_OF_KIND.items():
        if first in lists[kind]:
            lists[kind].insert(0, lists[kind].pop(lists[kind].index(first)))
    rules = [rule for ruleset in rulesets for rule in ruleset.rules]
    domains = {d for rule in rules for trigger in (rule.when.penalty, rule.when.repeated_penalties) if trigger
               for d in trigger.domains}
    grades = {scheme.scheme: list(scheme.grades) for ruleset in rulesets for scheme in ruleset.grading}
    matters = {m for rule in rules if rule.when.commitment_breach for m in rule.when.commitment_breach.matters}
    grounds = {item.id: [g.id for g in item.grounds] for ruleset in rulesets for item in ruleset.lists if item.grounds}
    return DemoVocabulary(
        list_ids=lists,
        penalty_domains=sorted(domains | set(DEFAULT_VOCABULARY.penalty_domains)),
        grade_schemes=dict(sorted(grades.items(), key=lambda item: item[0] != "tax-credit")),
        points_schemes=sorted({rule.when.points.scheme for rule in rules if rule.when.points}),
        score_schemes=sorted({rule.when.score.scheme for rule in rules if rule.when.score}),
        roles=[role.value for role in RelatedRole],
        scenarios=sorted(matters) or ["administrative_licensing"],
        grounds=grounds,
    )
