"""The serving processes of one service: what each serves (rules, keys, console secret), renewed by a heartbeat.

Revision ID: 0011_hosts
Revises: 0010_spark
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_hosts"
down_revision = "0010_spark"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hosts",
        sa.Column("process_id", sa.String(100), primary_key=True),
        sa.Column("url", sa.String(200), nullable=False),
        sa.Column("hostname", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("seen_at", sa.Float, nullable=False, index=True),
        sa.Column("profile", sa.Text, nullable=False),  # JSON: jrp.hosts.Profile
    )


def downgrade() -> None:
    op.drop_table("hosts")
