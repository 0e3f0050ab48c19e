"""The log's origin: each deployment's own name in its signed checkpoints (``jrp.adapters.log.log_origin``).

Revision ID: 0014_log_origin
Revises: 0013_event_provenance
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_log_origin"
down_revision = "0013_event_provenance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # left empty: the first process to start sets it (the setting, the name existing checkpoints were signed
    # under, or a new unique name)
    op.create_table(
        "log_origin",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("origin", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("log_origin")
