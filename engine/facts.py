"""Subject facts: what the engine knows about a credit subject on a given date.

These are the types the facts store (``jrp.adapters``) hands to the engine. They are
plain frozen dataclasses: cheap to build on the hot path and serialisable through
``jrp.engine.codec`` for decision snapshots and replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum


class SubjectType(StrEnum):
    """The four kinds of credit subject (信用主体)."""

    legal_person = "legal_person"
    non_legal_person_org = "non_legal_person_org"
    individual_business = "individual_business"
    natural_person = "natural_person"


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


@dataclass(frozen=True, slots=True)
class Subject:
    """A credit subject identified by its USCC (organisations) or resident ID (persons)."""

    subject_id: str
    subject_type: SubjectType
    name: str = ""
    birth_date: date | None = None  # natural persons only; from the resident ID


@dataclass(frozen=True, slots=True)
class Record:
    """One credit record as it stands in the store on the day the facts were read.

    ``start`` is the date of the decision, listing or publication; ``end`` the end the
    source states (a listing period), if any. Status changes carry ``status_date`` so
    that a check dated before the change still sees the record in force.
    """

    record_id: str
    subject_id: str
    record_type: RecordType
    start: date
    end: date | None = None
    list_id: str | None = None
    severity: Severity | None = None
    domain: str | None = None
    procedure: Procedure | None = None
    impact: Impact | None = None
    amount: float | None = None
    authority: str = ""
    doc_no: str = ""
    region: str | None = None  # jurisdiction of the issuing authority, e.g. CN-SH
    first_violation: bool = False
    corrected_in_time: bool = False
    scheme: str | None = None  # evaluation, points or score scheme
    grade: str | None = None
    value: float | None = None  # points or score
    matter: str | None = None  # the licensing matter of a commitment
    commitment_state: CommitmentState | None = None
    commitment_date: date | None = None  # when the commitment was fulfilled or breached
    status: RecordStatus = RecordStatus.active
    status_date: date | None = None
    objection: ObjectionState = ObjectionState.none
    objection_date: date | None = None


@dataclass(frozen=True, slots=True)
class RelatedParty:
    """An organisation the checked subject holds a role in, with that organisation's records.

    Measures reach the checked person through it only where the list's basis extends
    them to ``role`` (e.g. legal representative of a dishonest judgment debtor).
    """

    subject: Subject
    role: str
    records: tuple[Record, ...] = ()
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class SubjectFacts:
    """Everything one check needs to know about one subject.

    ``version`` is the facts version from the store: it changes on every new event of
    the subject or of a related party, so results can be cached by it.
    """

    subject: Subject
    records: tuple[Record, ...] = ()
    related: tuple[RelatedParty, ...] = ()
    version: str = ""


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What the caller asks: may this subject, in this role, do this, on this date?"""

    scenario: str
    as_of: date
    role: str | None = None
    jurisdiction: str = "CN"
