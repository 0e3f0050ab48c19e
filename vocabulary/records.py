"""What a credit record is: its type, severity and lifecycle states (the facts' vocabulary)."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class RecordType(StrEnum):
    """What a credit record is about."""

    list_entry = "list_entry"  # membership of a 名单 (serious, key-attention, incentive)
    penalty = "penalty"  # administrative penalty (行政处罚)
    judgment = "judgment"  # court judgment or execution record
    commitment = "commitment"  # credit commitment (信用承诺 / 告知承诺)
    evaluation = "evaluation"  # a published grade (tax credit, environmental credit…)
    points = "points"  # bad-practice points within a scoring cycle
    score = "score"  # a natural person's credit score (娄城分, 桂花分)


class Severity(IntEnum):
    """Degree of a dishonest act (过惩相当): ordered so that comparisons read naturally."""

    minor = 1
    general = 2
    serious = 3


class Procedure(StrEnum):
    """Administrative penalty procedure; simple-procedure penalties are minor by law."""

    general = "general"
    simple = "simple"


class Impact(StrEnum):
    """Social impact of the act, one of the three proportionality dimensions."""

    low = "low"
    medium = "medium"
    high = "high"


class RecordStatus(StrEnum):
    """Where a record stands; every change is a new event in the store, never an edit."""

    active = "active"
    removed = "removed"  # taken off a list (moved out early or on performance)
    repaired = "repaired"  # credit repair completed (信用修复)
    revoked = "revoked"  # the decision itself was revoked or corrected after an objection


class CommitmentState(StrEnum):
    """Lifecycle of a credit commitment (Nantong 专栏1 closed loop)."""

    made = "made"
    fulfilled = "fulfilled"
    breached = "breached"


class ObjectionState(StrEnum):
    """Objection (异议) to a record: open while disputed, then upheld or rejected."""

    none = "none"
    open = "open"
    upheld = "upheld"
    rejected = "rejected"
