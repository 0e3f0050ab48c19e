"""Wire types of tracking (``/v1/subscriptions``, ``POST /v1/decisions/{id}/watch``): subscriptions, their
notifications and deliveries. The notification a subscriber receives is documented by ``NotificationBodyV1``."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field, field_validator

from jrp.adapters.facts.iso_dates import IsoDate
from jrp.api.schemas import CheckOptionsV1, Request, Response, SubjectV1, Text

MAX_SUBSCRIPTIONS = 100_000


class DeliveryTargetV1(Request):
    webhook_url: Text | None = Field(None, max_length=2000, description=(
        "where notifications are POSTed, signed by the Standard Webhooks specification; a host the operator allows "
        "(webhook_allowed_hosts), never a private or loopback address unless allowed. Without one, notifications "
        "go to the AMQP exchange only (where the service has one) and stay readable in the API"))


class SubscriptionRequestV1(CheckOptionsV1):
    """A check to repeat whenever its answer may change: the fields of a check, until when, and where to tell."""

    subject: SubjectV1
    watch_until: IsoDate | None = Field(None, description="the last day to watch (the contract's end); none: until deleted")
    delivery: DeliveryTargetV1 = Field(default_factory=DeliveryTargetV1)

    @field_validator("as_of")
    @classmethod
    def _today(cls, value: date | None) -> date | None:
        if value is not None:
            raise ValueError("a subscription watches from today: leave as_of out")
        return value


class SubscriptionsRequestV1(Request):
    subscriptions: list[SubscriptionRequestV1] = Field(min_length=1, max_length=MAX_SUBSCRIPTIONS, description=(
        "a whole bid list or portfolio at once (up to 100,000); each is checked now and its answer kept as the "
        "baseline (a decision in the log)"))


class WatchRequestV1(Request):
    watch_until: IsoDate | None = Field(None, description="the last day to watch; none: until deleted")
    delivery: DeliveryTargetV1 = Field(default_factory=DeliveryTargetV1)


class MeasureStateV1(Response):
    measure_id: str
    applies: bool = Field(description="false: the measure asks for review before it applies")
    disputed: bool
    via: str | None = Field(description="the related subject it reaches through, if any")
    legal_basis: list[dict[str, Any]] = Field(description="instrument, article and quote of each basis")


class AnswerV1(Response):
    outcome: str
    measures: list[MeasureStateV1]


class SubscriptionV1(Response):
    subscription_id: str
    owner_key_id: str
    created_at: float = Field(description="seconds since the epoch")
    watch: dict[str, Any] = Field(description="the check repeated: subject, scenario, role, jurisdiction, "
                                              "application, purpose, reference")
    watch_until: date | None
    webhook_url: str | None
    answer: AnswerV1 = Field(description="the answer last notified (at first the baseline)")
    decision_id: str = Field(description="the decision that gave it")
    next_change: date | None = Field(description="the next date the answer may change by time alone")


class CreatedV1(Response):
    subscription_id: str
    decision_id: str = Field(description="the baseline decision")
    outcome: str


class SubscriptionsCreatedV1(Response):
    created: int
    items: list[CreatedV1] = Field(description="in the order of the request")
    webhook_secret: str | None = Field(None, description=(
        "this key's webhook signing secret (whsec_…), shown once: when the key had none yet; rotate it with "
        "POST /v1/subscriptions/secret"))


class SubscriptionPageV1(Response):
    items: list[SubscriptionV1]
    has_more: bool
    next_cursor: str | None = Field(description="pass as cursor for the next page; null on the last")


class DeliveryV1(Response):
    sink: str = Field(description="webhook or amqp")
    target: str
    state: str = Field(description="pending, delivered or dead (a dead letter: redeliver it)")
    attempts: int
    next_attempt_at: float | None
    last_error: str | None
    delivered_at: float | None


class NotificationV1(Response):
    notification_id: str = Field(description="the webhook-id and AMQP message_id: the same on every retry")
    subscription_id: str
    created_at: float
    body: dict[str, Any] = Field(description="exactly what was sent: {type, timestamp, data: {before, after, "
                                             "measures_added, measures_removed, cause, …}}")
    deliveries: list[DeliveryV1]


class NotificationListV1(Response):
    items: list[NotificationV1]


class DeletedV1(Response):
    subscription_id: str
    deleted: bool = True


class RedeliveryV1(Response):
    notification_id: str
    deliveries: int = Field(description="deliveries set to go again now")


class SecretV1(Response):
    webhook_secret: str = Field(description="the new secret (whsec_…), shown once")
    previous_valid_for: float = Field(description="seconds the previous secrets keep signing beside it")
