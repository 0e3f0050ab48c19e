"""Events with a proven origin: the key that sent each event, ingest keys scoped to authorities, lists, regions;
events as leaves of the decision log's Merkle tree, chained per subject, the head of the chain on the subject.

The events already stored are carried into the log by ``jrp.adapters.log.event_leaves.carry`` (run by
``Runtime.migrate`` after this revision: their entries are pseudonymised and signed with keys the migration
does not have), attributed to "before attribution".

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

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BEFORE_ATTRIBUTION = "before attribution"  # jrp.access.BEFORE_ATTRIBUTION (migrations import nothing of the app)


def upgrade() -> None:
    with op.batch_alter_table("events") as events:
        events.add_column(sa.Column("key_id", sa.String(64), nullable=False, server_default=BEFORE_ATTRIBUTION))
        events.add_column(sa.Column("entry", sa.Text))  # NULL until carried into the log
        events.add_column(sa.Column("leaf_hash", sa.LargeBinary(32)))
        events.add_column(sa.Column("receipt", sa.Text))
        events.add_column(sa.Column("leaf_index", Seq))
        events.create_index("ux_events_leaf_index", ["leaf_index"], unique=True)
    with op.batch_alter_table("subjects") as subjects:
        subjects.add_column(sa.Column("event_head", sa.String(64), nullable=False, server_default=""))
    with op.batch_alter_table("api_keys") as keys:
        keys.add_column(sa.Column("ingest_scope", sa.JSON))  # NULL: a key of before scopes, any authority


def downgrade() -> None:
    with op.batch_alter_table("subjects") as subjects:
        subjects.drop_column("event_head")
    with op.batch_alter_table("api_keys") as keys:
        keys.drop_column("ingest_scope")
    with op.batch_alter_table("events") as events:
        events.drop_index("ux_events_leaf_index")
        for column in ("leaf_index", "receipt", "leaf_hash", "entry", "key_id"):
            events.drop_column(column)
