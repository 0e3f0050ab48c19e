"""The tracking tables (created by migration ``0016_subscriptions``, ``personal`` added by
``0018_subscription_privacy``; keep them in step)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Integer, MetaData, String, Table, Text

metadata = MetaData()
Seq = BigInteger().with_variant(Integer(), "sqlite")

subscriptions_t = Table(
    "subscriptions", metadata,
    Column("seq", Seq, primary_key=True),
    Column("subscription_id", String(32), nullable=False, unique=True),
    Column("owner_key_id", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("subject_id", String(64), nullable=False),  # a natural person's: the log's pseudonym
    Column("request", Text, nullable=False),
    Column("personal", Text),  # the request's personal data, sealed (jrp.adapters.tracking.subscriptions)
    Column("jurisdiction", String(40), nullable=False),
    Column("watch_until", String(10)),
    Column("webhook_url", Text),
    Column("answer", Text, nullable=False),
    Column("decision_id", String(32), nullable=False),
    Column("bundle_hash", String(64), nullable=False),
    Column("next_change", String(10)),
)
notifications_t = Table(
    "notifications", metadata,
    Column("seq", Seq, primary_key=True),
    Column("notification_id", String(40), nullable=False, unique=True),
    Column("subscription_id", String(32), nullable=False),
    Column("owner_key_id", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("body", Text, nullable=False),
)
deliveries_t = Table(
    "deliveries", metadata,
    Column("delivery_id", Seq, primary_key=True),
    Column("notification_id", String(40), nullable=False),
    Column("sink", String(10), nullable=False),
    Column("target", Text, nullable=False),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("first_attempt_at", Float),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_holder", String(100)),
    Column("lease_until", Float, nullable=False),
    Column("last_error", Text),
    Column("delivered_at", Float),
)
webhook_secrets_t = Table(
    "webhook_secrets", metadata,
    Column("secret_id", String(32), primary_key=True),
    Column("owner_key_id", String(32), nullable=False),
    Column("secret", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float),
)
tracking_cursor_t = Table(
    "tracking_cursor", metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Text, nullable=False),
)
