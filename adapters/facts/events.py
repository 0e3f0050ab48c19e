"""The administrative event format: what authorities send to change a subject's facts.

Every change to the store is one of these events (a discriminated union on ``type``);
status changes (removal, repair, revocation, objection, commitment outcome) are new
events that name the ``record_id`` they act on, never edits. ``EVENTS.md`` shows one
JSON example of each type.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from jrp.adapters.facts.identity import InvalidIdentifier, is_masked_resident_id, validate_subject_id
from jrp.adapters.facts.iso_dates import IsoDate
from jrp.adapters.facts.limits import (
    CODE_MAX,
    GRADE_MAX,
    ID_MAX,
    KEY_MAX,
    MATTER_MAX,
    ROLE_MAX,
    Amount,
    Authority,
    DocNo,
    Name,
    Points,
    RawJson,
    Region,
    Unique,
)
from jrp.vocabulary.records import Impact, Procedure, Severity
from jrp.vocabulary.scope import INDUSTRY_CODE, ProjectType, Sanction
from jrp.vocabulary.subjects import SubjectType


def _severity(value: Any) -> Any:
    """Severity by name (``"serious"``) or number (3)."""
    if isinstance(value, str) and value in Severity.__members__:
        return Severity[value]
    return value


SeverityField = Annotated[Severity | None, BeforeValidator(
    _severity, json_schema_input_type=Literal["minor", "general", "serious"] | Severity | None)]
Key = Annotated[str, Field(min_length=1, max_length=KEY_MAX)]
Matter = Annotated[str, Field(min_length=1, max_length=MATTER_MAX)]
Code = Annotated[str, Field(min_length=1, max_length=CODE_MAX)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubjectRef(_Model):
    """Who the event is about; ``type`` is guessed from the identifier when absent."""

    type: SubjectType | None = None  # before id: the id's validation reads it
    id: str
    name: Name | None = None

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str, info: ValidationInfo) -> str:
        try:
            return validate_subject_id(value, "id", allow_masked=True, stated_type=info.data.get("type"),
                                       allow_erased=bool(info.context and info.context.get("erased")))
        except InvalidIdentifier as error:  # pydantic reports the path; keep reason and fix
            raise ValueError(f"{error.reason}; {error.fix}" if error.fix else error.reason) from None

    @property
    def masked(self) -> bool:
        return is_masked_resident_id(self.id)


class Source(_Model):
    """The issuing authority and the number of its decision document."""

    authority: Authority
    doc_no: DocNo = ""


class _Event(_Model):
    idempotency_key: Key
    subject: SubjectRef
    occurred_on: IsoDate
    source: Source
    raw: RawJson | None = None  # the source row an importer mapped, kept verbatim


class _RecordEvent(_Event):
    """An event that creates a record; ``record_id`` defaults to the idempotency key."""

    record_id: Key | None = None
    start: IsoDate | None = None  # defaults to occurred_on
    end: IsoDate | None = None
    region: Region | None = None

    @property
    def record_id_or_key(self) -> str:
        return self.record_id or self.idempotency_key


class _StatusEvent(_Event):
    """An event that changes the state of an existing record on ``occurred_on``."""

    record_id: Key


class _IdentifiedSubject(_Event):
    """Registration and relations need a full identifier: a masked one identifies nobody."""

    @field_validator("subject")
    @classmethod
    def _not_masked(cls, subject: SubjectRef) -> SubjectRef:
        if subject.masked:
            raise ValueError("a masked ID cannot be registered or related; send the full resident ID")
        return subject


class SubjectRegistered(_IdentifiedSubject):
    type: Literal["subject_registered"]


class RelationSet(_IdentifiedSubject):
    """``subject`` (a natural person) takes ``role`` in ``organisation`` from ``start``."""

    type: Literal["relation_set"]
    organisation: SubjectRef
    role: Annotated[str, Field(min_length=1, max_length=ROLE_MAX)]
    start: IsoDate | None = None


class RelationEnded(_IdentifiedSubject):
    type: Literal["relation_ended"]
    organisation: SubjectRef
    role: Annotated[str, Field(min_length=1, max_length=ROLE_MAX)]
    end: IsoDate | None = None


class _Scope(_Model):
    """What the decision reaches (精准惩戒); leave out what the source does not say.

    A measure that needs a missing part answers review rather than applying.
    """

    matter: Matter | None = None  # the licence item or matter the decision concerns
    industry: Annotated[str, Field(pattern=INDUSTRY_CODE.pattern)] | None = None  # GB/T 4754, e.g. C26
    project_type: ProjectType | None = None
    persons: tuple[Annotated[str, Field(min_length=1, max_length=ID_MAX)], ...] = ()  # identifiers the decision names
    rectification_due: IsoDate | None = None  # the deadline to rectify (整改期限)


class ListEntryAdded(_RecordEvent, _Scope):
    type: Literal["list_entry_added"]
    list_id: Code
    severity: SeverityField = None
    ground: Annotated[str, Field(min_length=2, max_length=CODE_MAX)] | None = None  # the list's legal ground
    domain: Code | None = None  # the field of the conduct: another region's list counts here in named domains only


class PenaltyIssued(_RecordEvent, _Scope):
    type: Literal["penalty_issued"]
    domain: Code
    severity: SeverityField = None
    procedure: Procedure = Procedure.general
    impact: Impact | None = None
    sanctions: Annotated[tuple[Sanction, ...], Unique] = ()  # the penalty types imposed (行政处罚法 art. 9), or criminal_penalty
    amount: Amount | None = None  # the fine, in yuan
    first_violation: bool = False
    corrected_in_time: bool = False


class CommitmentMade(_RecordEvent):
    type: Literal["commitment_made"]
    matter: Matter


class EvaluationPublished(_RecordEvent):
    type: Literal["evaluation_published"]
    scheme: Code
    grade: Annotated[str, Field(min_length=1, max_length=GRADE_MAX)]


class PointsRecorded(_RecordEvent):
    type: Literal["points_recorded"]
    scheme: Code
    value: Points


class ScorePublished(_RecordEvent):
    type: Literal["score_published"]
    scheme: Code
    value: Points


class ListEntryRemoved(_StatusEvent):
    type: Literal["list_entry_removed"]


class PenaltyRevoked(_StatusEvent):
    type: Literal["penalty_revoked"]


class RepairCompleted(_StatusEvent):
    type: Literal["repair_completed"]


class RectificationAccepted(_StatusEvent):
    """The authority accepted the rectification of the record's conduct on ``occurred_on`` (整改到位)."""

    type: Literal["rectification_accepted"]


class CommitmentFulfilled(_StatusEvent):
    type: Literal["commitment_fulfilled"]


class CommitmentBreached(_StatusEvent):
    type: Literal["commitment_breached"]


class ObjectionFiled(_StatusEvent):
    type: Literal["objection_filed"]


class ObjectionResolved(_StatusEvent):
    """``upheld`` also revokes the record (it was wrong); ``rejected`` leaves it in force."""

    type: Literal["objection_resolved"]
    outcome: Literal["upheld", "rejected"]


RecordEvent = ListEntryAdded | PenaltyIssued | CommitmentMade | EvaluationPublished | PointsRecorded | ScorePublished
StatusEvent = (ListEntryRemoved | PenaltyRevoked | RepairCompleted | RectificationAccepted | CommitmentFulfilled
               | CommitmentBreached | ObjectionFiled | ObjectionResolved)
Event = Annotated[
    SubjectRegistered | RelationSet | RelationEnded | RecordEvent | StatusEvent, Field(discriminator="type")
]
EVENT_TYPES: tuple[str, ...] = (
    "subject_registered", "relation_set", "relation_ended", "list_entry_added", "list_entry_removed",
    "penalty_issued", "penalty_revoked", "repair_completed", "commitment_made", "commitment_fulfilled",
    "commitment_breached", "evaluation_published", "points_recorded", "score_published", "objection_filed",
    "objection_resolved", "rectification_accepted",
)

_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


class EventError(ValueError):
    """Why an event was refused: ``field`` is a dotted path into the event, ``reason`` the fix."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}" if field else reason)


def parse_event(item: Any, *, stored: bool = False) -> Event:
    """Validate one event (a dict or JSON-like mapping); :class:`EventError` on the first problem.

    ``stored``: an event read back from the history, where an erased person's id is a pseudonym
    (``jrp.adapters.facts.erasure``); a sender's event never passes one.
    """
    if isinstance(item, BaseModel):
        return item  # type: ignore[return-value]
    try:
        return _ADAPTER.validate_python(item, context={"erased": stored})
    except ValidationError as error:
        raise _event_error(item, error) from None


def _event_error(item: Any, error: ValidationError) -> EventError:
    first = error.errors(include_url=False)[0]
    location = list(first["loc"])
    if location and isinstance(item, dict) and location[0] == item.get("type"):
        location = location[1:]  # pydantic puts the discriminator value first
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "union_tag_invalid":
        location, message = ["type"], f"unknown event type {item.get('type')!r}; expected one of {', '.join(EVENT_TYPES)}"
    elif first["type"] == "union_tag_not_found":
        location, message = ["type"], f"missing; expected one of {', '.join(EVENT_TYPES)}"
    elif first["type"] == "extra_forbidden":
        message = "unknown field for this event type; check the spelling against EVENTS.md"
    return EventError(".".join(str(part) for part in location), message)


def event_payload(event: Event) -> dict[str, Any]:
    """The JSON form kept in the history (includes ``raw``, the source row)."""
    return event.model_dump(mode="json", exclude_none=True)


def payload_digest(payload: dict[str, Any]) -> str:
    """Tells a re-sent event (same digest) from a different event reusing a key."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
