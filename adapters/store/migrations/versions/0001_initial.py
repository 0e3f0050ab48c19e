"""Subject facts store: subjects, relations, events (history) and records (projection).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
Json = sa.JSON().with_variant(JSONB(), "postgresql")
Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "subjects",
        sa.Column("subject_id", ID, primary_key=True),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("birth_date", sa.Date),
        sa.Column("facts_version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "relations",
        sa.Column("id", Seq, primary_key=True, autoincrement=True),
        sa.Column("entity_id", ID, nullable=False),
        sa.Column("person_id", ID, nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("start", sa.Date),
        sa.Column("end", sa.Date),
    )
    op.create_index("ix_relations_person_id", "relations", ["person_id"])
    op.create_index("ix_relations_entity_id", "relations", ["entity_id"])
    op.create_table(
        "events",
        sa.Column("seq", Seq, primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(300), nullable=False, unique=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("subject_id", ID, nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", Json, nullable=False),
    )
    op.create_index("ix_events_subject_id", "events", ["subject_id"])
    op.create_table(
        "records",
        sa.Column("record_id", sa.String(300), primary_key=True),
        sa.Column("subject_id", ID, nullable=False),
        sa.Column("record_type", sa.String(20), nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date),
        sa.Column("list_id", sa.String(100)),
        sa.Column("severity", sa.Integer),
        sa.Column("domain", sa.String(100)),
        sa.Column("procedure", sa.String(20)),
        sa.Column("impact", sa.String(20)),
        sa.Column("amount", sa.Float),
        sa.Column("authority", sa.String(300), nullable=False),
        sa.Column("doc_no", sa.String(300), nullable=False),
        sa.Column("region", sa.String(20)),
        sa.Column("first_violation", sa.Boolean, nullable=False),
        sa.Column("corrected_in_time", sa.Boolean, nullable=False),
        sa.Column("scheme", sa.String(100)),
        sa.Column("grade", sa.String(40)),
        sa.Column("value", sa.Float),
        sa.Column("matter", sa.String(300)),
        sa.Column("commitment_state", sa.String(20)),
        sa.Column("commitment_date", sa.Date),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_date", sa.Date),
        sa.Column("objection", sa.String(20), nullable=False),
        sa.Column("objection_date", sa.Date),
        sa.Column("under_18", sa.Boolean, nullable=False),
        sa.Column("possible_match", sa.Boolean, nullable=False),
        sa.Column("subject_name", sa.String(300), nullable=False),
        sa.Column("review_key", sa.String(400)),
        sa.Column("raw", Json),
    )
    op.create_index("ix_records_subject_id", "records", ["subject_id"])
    op.create_index("ix_records_review_key", "records", ["review_key"])


def downgrade() -> None:
    op.drop_table("records")
    op.drop_table("events")
    op.drop_table("relations")
    op.drop_table("subjects")
