"""Subject facts: what the engine knows about a credit subject on a given date.

These are the types the facts store (``jrp.adapters``) hands to the engine. They are
plain frozen dataclasses: cheap to build on the hot path and serialisable through
``jrp.engine.codec`` for decision snapshots and replay.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from jrp.vocabulary.records import (
    CommitmentState,
    Impact,
    ObjectionState,
    Procedure,
    RecordStatus,
    RecordType,
    Severity,
)
from jrp.vocabulary.scope import Consumption, ProjectType, Sanction
from jrp.vocabulary.subjects import SubjectType


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
    matter: str | None = None  # the licence item or matter the decision (or commitment) concerns
    commitment_state: CommitmentState | None = None
    commitment_date: date | None = None  # when the commitment was fulfilled or breached
    status: RecordStatus = RecordStatus.active
    status_date: date | None = None
    objection: ObjectionState = ObjectionState.none
    objection_date: date | None = None
    # What the decision reaches (精准惩戒); empty or None where the source does not say.
    sanctions: tuple[Sanction, ...] = ()  # the penalty types imposed (行政处罚法 art. 9), or a criminal penalty
    ground: str | None = None  # the legal ground of a listing, one of the list's ``grounds`` (e.g. bidding-law-53)
    industry: str | None = None  # GB/T 4754 code the decision names (a trade ban)
    project_type: ProjectType | None = None  # the kind of project the decision is limited to
    persons: tuple[str, ...] = ()  # identifiers of the persons the decision names
    rectification_due: date | None = None  # the deadline to rectify (整改期限)
    rectified_on: date | None = None  # when the rectification was accepted


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
class Application:
    """What is applied for, where a measure reaches only part of a scenario (None: not said).

    ``matter`` is the licence item or approval matter (compared with a record's ``matter``),
    ``industry`` a GB/T 4754 code, ``tender_required`` whether the project must be tendered by
    law (招标投标法 art. 3), ``consumption`` what a consumption or travel check is about, ``public_safety``
    whether the licence applied for directly concerns public safety, health or life and property
    (行政许可法 arts. 78, 79: 直接关系公共安全、人身健康、生命财产安全).
    """

    matter: str | None = None
    industry: str | None = None
    project_type: ProjectType | None = None
    tender_required: bool | None = None
    consumption: Consumption | None = None
    public_safety: bool | None = None

    @classmethod
    def said_in(cls, source: object) -> Application:
        """The application a request or test case states in attributes of the same names (every field, by name:
        a field added here reaches both without a positional list to keep in order)."""
        return cls(*(getattr(source, name) for name in _APPLICATION_FIELDS))


_APPLICATION_FIELDS = tuple(field.name for field in fields(Application))
NOTHING_SAID = Application()


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What the caller asks: may this subject, in this role, do this, on this date?"""

    scenario: str
    as_of: date
    role: str | None = None
    jurisdiction: str = "CN"
    application: Application = NOTHING_SAID
