"""The webhook sink: a notification POSTed as signed by the Standard Webhooks specification.

Headers ``webhook-id`` (the notification id: a receiver drops a repeat), ``webhook-timestamp`` (the
receiver refuses one too old or too new: a replay) and ``webhook-signature`` — one ``v1,…`` HMAC-SHA256
per live secret of the subscriber (several during a rotation), made by the ``standardwebhooks``
package. Redirects are not followed (the target was checked, not where it points), and the target is
checked again before each send (``jrp.tracking.outbound``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from jrp.tracking.outbound import OutboundPolicy


class DeliveryFailed(Exception):
    """The receiver did not take the notification (not a 2xx, a timeout, a refused target…)."""


def signed_headers(notification_id: str, body: bytes, secrets: Sequence[str], at: datetime | None = None) -> dict[str, str]:
    at = at or datetime.now(UTC)
    signatures = " ".join(Webhook(secret).sign(notification_id, at, body) for secret in secrets)
    return {"webhook-id": notification_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signatures, "content-type": "application/json"}


async def post(client: httpx.AsyncClient, policy: OutboundPolicy, url: str, notification_id: str, body: bytes,
               secrets: Sequence[str]) -> None:
    """Deliver one notification; :class:`DeliveryFailed` saying why unless the receiver answered 2xx."""
    if not secrets:
        raise DeliveryFailed("the subscriber has no live webhook secret")
    try:
        await asyncio.to_thread(policy.check, url)
        response = await client.post(url, content=body, headers=signed_headers(notification_id, body, secrets))
    except ValueError as refused:  # RefusedTarget
        raise DeliveryFailed(f"target refused: {refused}") from None
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"HTTP {response.status_code} from the receiver")
