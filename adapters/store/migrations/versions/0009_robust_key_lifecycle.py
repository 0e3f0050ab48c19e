"""API key lifecycle: revocation, optional expiry, and the time a key was last used.

Revision ID: 0009_robust
Revises: 0008_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_robust"
down_revision = "0008_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as table:
        table.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as table:
        table.drop_column("last_used_at")
        table.drop_column("revoked_at")
        table.drop_column("expires_at")
