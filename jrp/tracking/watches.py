"""What a subscription watches — one check, asked again whenever its answer may have changed — and the
subscription itself as the tracker holds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from jrp.engine.codec import application_from_json, application_to_json
from jrp.engine.facts import NOTHING_SAID, Application
from jrp.service import CheckRequest, SubjectRef
from jrp.tracking.answers import Answer
from jrp.vocabulary.subjects import SubjectType


@dataclass(frozen=True)
class Watch:
    """The check a subscription repeats: who, in which scenario, role and jurisdiction, applying for what, why."""

    subject: SubjectRef
    scenario: str
    jurisdiction: str
    purpose: str
    role: str | None = None
    reference: str = ""
    application: Application = NOTHING_SAID

    def request(self, as_of: date) -> CheckRequest:
        return CheckRequest(self.subject, self.scenario, self.purpose, self.role, self.jurisdiction, as_of,
                            self.reference, False, self.application)

    @classmethod
    def of(cls, request: CheckRequest) -> Watch:
        return cls(request.subject, request.scenario, request.jurisdiction, request.purpose, request.role,
                   request.reference, request.application)

    def as_json(self) -> dict[str, Any]:
        subject = self.subject
        return {"subject": {"id": subject.id, "type": subject.type and subject.type.value, "name": subject.name},
                "scenario": self.scenario, "role": self.role, "jurisdiction": self.jurisdiction,
                "purpose": self.purpose, "reference": self.reference,
                "application": application_to_json(self.application)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Watch:
        """From ``as_json``, or from a logged decision (its ``request`` with the entry's purpose and reference)."""
        subject = data["subject"]
        return cls(SubjectRef(subject["id"], subject.get("type") and SubjectType(subject["type"]), subject.get("name", "")),
                   data["scenario"], data["jurisdiction"], data["purpose"], data.get("role"),
                   data.get("reference", ""), application_from_json(data.get("application")))


@dataclass(frozen=True)
class Subscription:
    """A watch, whom it belongs to and where its news goes, and the last answer its subscriber was told."""

    subscription_id: str
    owner_key_id: str
    watch: Watch
    answer: Answer
    decision_id: str  # the decision that gave ``answer`` (the baseline, then each notified re-evaluation)
    bundle_hash: str
    created_at: float
    watch_until: date | None = None
    webhook_url: str | None = None
    next_change: date | None = None

    def watched_on(self, day: date) -> bool:
        return self.watch_until is None or day <= self.watch_until
