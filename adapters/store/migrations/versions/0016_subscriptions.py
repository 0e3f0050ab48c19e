"""Tracking (跟踪监测、自动提示): subscriptions, their notifications and the deliveries of the outbox.

Revision ID: 0016_subscriptions
Revises: 0014_log_origin
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_subscriptions"
down_revision = "0014_log_origin"
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("seq", Seq, primary_key=True),
        sa.Column("subscription_id", sa.String(32), nullable=False, unique=True),
        sa.Column("owner_key_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False, index=True),
        sa.Column("request", sa.Text, nullable=False),  # JSON: what is watched (jrp.tracking.subscriptions)
        sa.Column("jurisdiction", sa.String(40), nullable=False),
        sa.Column("watch_until", sa.String(10)),  # ISO date; none: until deleted
        sa.Column("webhook_url", sa.Text),
        sa.Column("answer", sa.Text, nullable=False),  # JSON: the last answer notified (jrp.tracking.answers)
        sa.Column("decision_id", sa.String(32), nullable=False),  # the decision that gave it
        sa.Column("bundle_hash", sa.String(64), nullable=False),
        sa.Column("next_change", sa.String(10)),  # ISO date the answer may next change by time alone
    )
    op.create_index("ix_subscriptions_owner", "subscriptions", ["owner_key_id", "seq"])
    op.create_index("ix_subscriptions_next_change", "subscriptions", ["next_change"])
    op.create_index("ix_subscriptions_rules", "subscriptions", ["jurisdiction", "bundle_hash"])
    op.create_table(
        "notifications",
        sa.Column("seq", Seq, primary_key=True),
        sa.Column("notification_id", sa.String(40), nullable=False, unique=True),  # the webhook-id
        sa.Column("subscription_id", sa.String(32), nullable=False, index=True),
        sa.Column("owner_key_id", sa.String(32), nullable=False, index=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("body", sa.Text, nullable=False),  # the JSON sent, byte for byte
    )
    op.create_table(
        "deliveries",
        sa.Column("delivery_id", Seq, primary_key=True),
        sa.Column("notification_id", sa.String(40), nullable=False, index=True),
        sa.Column("sink", sa.String(10), nullable=False),  # webhook | amqp
        sa.Column("target", sa.Text, nullable=False),  # the URL, or the routing key
        sa.Column("state", sa.String(10), nullable=False),  # pending | delivered | dead
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("first_attempt_at", sa.Float),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("lease_holder", sa.String(100)),
        sa.Column("lease_until", sa.Float, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("delivered_at", sa.Float),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["state", "next_attempt_at"])
    op.create_table(
        "webhook_secrets",
        sa.Column("secret_id", sa.String(32), primary_key=True),
        sa.Column("owner_key_id", sa.String(32), nullable=False, index=True),
        sa.Column("secret", sa.Text, nullable=False),  # whsec_…: the receiver needs it in clear to verify
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float),  # set when rotated out: signed with until then
    )
    op.create_table(
        "tracking_cursor",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),  # JSON: the event seq reached and its gaps, the day passed
    )


def downgrade() -> None:
    for table in ("tracking_cursor", "webhook_secrets", "deliveries", "notifications", "subscriptions"):
        op.drop_table(table)
