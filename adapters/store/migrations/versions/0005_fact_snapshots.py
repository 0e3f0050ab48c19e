"""Facts snapshots of the decision log, stored once per distinct content under their SHA-256.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fact_snapshots",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("facts", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fact_snapshots")
