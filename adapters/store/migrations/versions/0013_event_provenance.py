"""Events with a proven origin: the key that sent each event, ingest keys scoped to authorities, lists, regions.

Revision ID: 0013_event_provenance
Revises: 0012_publications
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_event_provenance"
down_revision = "0012_publications"
branch_labels = None
depends_on = None

BEFORE_ATTRIBUTION = "before attribution"  # jrp.access.BEFORE_ATTRIBUTION (migrations import nothing of the app)


def upgrade() -> None:
    with op.batch_alter_table("events") as events:
        events.add_column(sa.Column("key_id", sa.String(64), nullable=False, server_default=BEFORE_ATTRIBUTION))
    with op.batch_alter_table("api_keys") as keys:
        keys.add_column(sa.Column("ingest_scope", sa.JSON))  # NULL: a key of before scopes, any authority


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as keys:
        keys.drop_column("ingest_scope")
    with op.batch_alter_table("events") as events:
        events.drop_column("key_id")
