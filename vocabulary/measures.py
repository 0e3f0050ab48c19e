"""What a measure is: the kind of list that carries it and the effect it has (the rulesets' vocabulary)."""

from __future__ import annotations

from enum import StrEnum


class ListKind(StrEnum):
    """What being on a list means.

    ``serious``: a serious-dishonesty list (supervision class D, incentives withheld); ``key_attention``:
    dishonest conduct below that threshold (class C, category-2 measures only); ``incentive``: a list of
    the trustworthy; ``decision``: individual decisions that carry their own consequence (a licence bar,
    a court order) — no class, no incentive withheld.
    """

    serious = "serious"
    key_attention = "key_attention"
    incentive = "incentive"
    decision = "decision"


class MeasureKind(StrEnum):
    penalty = "penalty"
    incentive = "incentive"


class Effect(StrEnum):
    prohibit = "prohibit"
    restrict = "restrict"
    heightened_review = "heightened_review"
    key_supervision = "key_supervision"
    facilitate = "facilitate"
    priority = "priority"
    reduced_inspection = "reduced_inspection"


PENALTY_EFFECTS = frozenset({Effect.prohibit, Effect.restrict, Effect.heightened_review, Effect.key_supervision})

RIGHTS_REDUCING_EFFECTS = frozenset({Effect.prohibit, Effect.restrict})
"""Effects that reduce a subject's rights or add obligations: a ban, a disqualification, a restriction.

Whatever category a measure declares, such an effect needs a basis in law, administrative
regulation, judicial interpretation, local regulation or central policy (BRIEF §2).
"""

CATEGORIES_OF_EFFECT: dict[Effect, frozenset[int]] = {
    Effect.prohibit: frozenset({1, 3}),
    Effect.restrict: frozenset({1, 3}),
    Effect.heightened_review: frozenset({2, 3}),
    Effect.key_supervision: frozenset({2}),
    Effect.facilitate: frozenset({2, 3}),
    Effect.priority: frozenset({2, 3}),
    Effect.reduced_inspection: frozenset({2}),
}
"""The categories of the national basic list an effect fits: 1 reduces rights by public authority, 2 is a
management measure within an authority's duties that must not reduce rights, 3 is taken by a non-public
body itself (a bank, an insurer, a trade association). Supervision and inspection are the authorities' own."""
