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
