"""Tracking: subscriptions to the answer of a check, their notifications, dead letters and redelivery.

A checker key manages its own subscriptions (an admin key every one); a subscription to a check the
key may not make itself (scenario, jurisdiction) is refused with 403, a webhook target jrp may not call
with 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from jrp.access import ApiKey, Role
from jrp.api.deps import Checker, RuntimeDep, scoped_jurisdiction
from jrp.api.errors import Forbidden, InvalidField, NotFound
from jrp.api.openapi import errors
from jrp.api.presenters import to_request
from jrp.api.subscription_schemas import (
    CreatedV1,
    DeletedV1,
    NotificationListV1,
    NotificationV1,
    RedeliveryV1,
    SecretV1,
    SubscriptionPageV1,
    SubscriptionRequestV1,
    SubscriptionsCreatedV1,
    SubscriptionsRequestV1,
    SubscriptionV1,
)
from jrp.api.strict_requests import StrictRoute
from jrp.runtime import Runtime
from jrp.tracking.outbound import RefusedTarget
from jrp.tracking.tracker import NewSubscription
from jrp.tracking.watches import Subscription, Watch

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"], route_class=StrictRoute)

SubscriptionId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
NotificationId = Annotated[str, Path(pattern=r"^msg_[0-9a-f]{32}$")]
CURSOR_PATTERN = r"^[1-9][0-9]{0,17}$"


def subscription_view(subscription: Subscription) -> SubscriptionV1:
    return SubscriptionV1(subscription_id=subscription.subscription_id, owner_key_id=subscription.owner_key_id,
                          created_at=subscription.created_at, watch=subscription.watch.as_json(),
                          watch_until=subscription.watch_until, webhook_url=subscription.webhook_url,
                          answer=subscription.answer.as_json(), decision_id=subscription.decision_id,
                          next_change=subscription.next_change)


def checked_target(runtime: Runtime, url: str | None, field: str) -> str | None:
    """``url`` if jrp may deliver there, else a 422 on ``field``."""
    if url is not None:
        try:
            runtime.outbound.check(url)
        except RefusedTarget as refused:
            raise InvalidField(field, f"webhook target refused: {refused}") from None
    return url


def asked_by(runtime: Runtime, key: ApiKey, item: SubscriptionRequestV1, path: str = "") -> NewSubscription:
    """What ``item`` asks ``key`` to watch: 403 outside the key's scopes, 422 on a webhook target refused
    (the field named after ``path``, where the item stands in its request)."""
    jurisdiction = scoped_jurisdiction(runtime, key, item.scenario.value, item.jurisdiction)
    url = checked_target(runtime, item.delivery.webhook_url, f"{path}delivery.webhook_url")
    return NewSubscription(Watch.of(to_request(item, item.subject, jurisdiction)), key.caller(), item.watch_until, url)


def subscribe(runtime: Runtime, key: ApiKey, asked: list[NewSubscription]) -> tuple[list[Subscription], str | None]:
    """The subscriptions made (each with its baseline decision) and the key's webhook secret if it is new."""
    made = runtime.tracker.subscribe(asked)
    return made, runtime.webhook_secrets.ensure(key.key_id)


def owned(runtime: Runtime, key: ApiKey, subscription_id: str) -> Subscription:
    """The subscription if ``key`` may see it (its own, or any for an admin); 404 or 403 otherwise."""
    found = runtime.subscriptions.get(subscription_id)
    if found is None:
        raise NotFound(f"no subscription {subscription_id}")
    if not manages(key, found):
        raise Forbidden("a key may only read and manage its own subscriptions")
    return found


def manages(key: ApiKey, subscription: Subscription) -> bool:
    """Whether ``key`` may read and delete ``subscription``: its own, or any for an admin."""
    return key.role is Role.admin or subscription.owner_key_id == key.key_id


def _owner_filter(key: ApiKey) -> str | None:
    return None if key.role is Role.admin else key.key_id


@router.post("", operation_id="subscriptions.create", response_model=SubscriptionsCreatedV1, responses=errors(403))
def create(body: SubscriptionsRequestV1, key: Checker, runtime: RuntimeDep) -> SubscriptionsCreatedV1:
    """Watch up to 100,000 checks at once: each is checked now (its answer, a logged decision, is the baseline)
    and its subscriber told whenever the answer changes (an event, a ruleset version, a date)."""
    asked = [asked_by(runtime, key, item, f"subscriptions.{index}.") for index, item in enumerate(body.subscriptions)]
    made, secret = subscribe(runtime, key, asked)
    return SubscriptionsCreatedV1(created=len(made), webhook_secret=secret,
                                  items=[CreatedV1(subscription_id=s.subscription_id, decision_id=s.decision_id,
                                                   outcome=s.answer.outcome) for s in made])


@router.get("", operation_id="subscriptions.list", response_model=SubscriptionPageV1, responses=errors(403))
def list_subscriptions(
    key: Checker, runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="subscriptions per page")] = 100,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN, description="next_cursor of the previous page")] = None,
) -> SubscriptionPageV1:
    """The key's subscriptions (an admin's: everyone's), oldest first, a page at a time."""
    rows = runtime.subscriptions.page(_owner_filter(key), int(cursor) if cursor else None, limit + 1)
    more = len(rows) > limit
    return SubscriptionPageV1(items=[subscription_view(s) for _, s in rows[:limit]], has_more=more,
                              next_cursor=str(rows[limit - 1][0]) if more else None)


@router.post("/secret", operation_id="subscriptions.rotate_secret", response_model=SecretV1, responses=errors(403))
def rotate_secret(key: Checker, runtime: RuntimeDep) -> SecretV1:
    """A new webhook signing secret for this key; the previous ones sign beside it for the grace period."""
    grace = runtime.settings.secret_rotation_grace
    return SecretV1(webhook_secret=runtime.webhook_secrets.rotate(key.key_id, grace), previous_valid_for=grace)


@router.get("/dead-letters", operation_id="subscriptions.dead_letters", response_model=NotificationListV1,
            responses=errors(403))
def dead_letters(key: Checker, runtime: RuntimeDep,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> NotificationListV1:
    """Notifications a sink gave up on after retrying (the key's own; an admin's: all), newest first."""
    items = runtime.outbox.dead_letters(_owner_filter(key), limit)
    return NotificationListV1(items=[NotificationV1.model_validate(n) for n in items])


@router.get("/{subscription_id}", operation_id="subscriptions.get", response_model=SubscriptionV1,
            responses=errors(403, 404))
def get_subscription(subscription_id: SubscriptionId, key: Checker, runtime: RuntimeDep) -> SubscriptionV1:
    """One subscription: what it watches, the answer last notified and the next date time may change it."""
    return subscription_view(owned(runtime, key, subscription_id))


@router.delete("/{subscription_id}", operation_id="subscriptions.delete", response_model=DeletedV1,
               responses=errors(403, 404))
def delete_subscription(subscription_id: SubscriptionId, key: Checker, runtime: RuntimeDep) -> DeletedV1:
    """Stop watching; notifications written already are still delivered."""
    owned(runtime, key, subscription_id)
    runtime.subscriptions.delete(subscription_id)
    return DeletedV1(subscription_id=subscription_id)


@router.get("/{subscription_id}/notifications", operation_id="subscriptions.notifications",
            response_model=NotificationListV1, responses=errors(403, 404))
def notifications(subscription_id: SubscriptionId, key: Checker, runtime: RuntimeDep,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> NotificationListV1:
    """The subscription's notifications, newest first, each with the state of its deliveries."""
    owned(runtime, key, subscription_id)
    items = runtime.outbox.of_subscription(subscription_id, limit)
    return NotificationListV1(items=[NotificationV1.model_validate(n) for n in items])


@router.post("/{subscription_id}/notifications/{notification_id}/redeliver", operation_id="subscriptions.redeliver",
             response_model=RedeliveryV1, responses=errors(403, 404))
def redeliver(subscription_id: SubscriptionId, notification_id: NotificationId, key: Checker,
              runtime: RuntimeDep) -> RedeliveryV1:
    """Send a notification again (a dead letter, once its receiver is back), with the same id."""
    owned(runtime, key, subscription_id)
    found = runtime.outbox.get(notification_id)
    if found is None or found["subscription_id"] != subscription_id:
        raise NotFound(f"no notification {notification_id} of subscription {subscription_id}")
    return RedeliveryV1(notification_id=notification_id, deliveries=runtime.outbox.redeliver(notification_id))
