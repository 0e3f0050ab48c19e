"""Screening runs and the subjects each one found under a measure, so the next run can tell what changed.

Revision ID: 0010_spark
Revises: 0009_robust
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010_spark"
down_revision = "0009_robust"
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "screening_runs",
        sa.Column("run_id", Seq, primary_key=True, autoincrement=True),
        sa.Column("scenario", sa.String(64), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),  # "" when the screening names no role
        sa.Column("jurisdiction", sa.String(32), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("bundle_hash", sa.String(64), nullable=False),
        sa.Column("rulesets", Json, nullable=False),
        sa.Column("population", sa.String(16), nullable=False),
        sa.Column("registry", sa.String(500), nullable=False),
        sa.Column("subjects", sa.Integer, nullable=False),
        sa.Column("unknown", sa.Integer, nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("engine", sa.String(200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_screening_runs_key", "screening_runs", ["scenario", "role", "jurisdiction", "run_id"])
    op.create_table(
        "screening_results",
        sa.Column("run_id", Seq, sa.ForeignKey("screening_runs.run_id"), primary_key=True),
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("facts_version", sa.String(80), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("measures", Json, nullable=False),
        sa.Column("incentives", Json, nullable=False),
        sa.Column("review", Json, nullable=False),  # measures and incentives a person must review before they apply
    )


def downgrade() -> None:
    op.drop_table("screening_results")
    op.drop_index("ix_screening_runs_key", "screening_runs")
    op.drop_table("screening_runs")
