"""Ruleset publications in the decision log: who approved which edition, leaves of the same Merkle tree.

Revision ID: 0012_publications
Revises: 0011_hosts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_publications"
down_revision = "0011_hosts"
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("seq", Seq, primary_key=True),
        sa.Column("publication_id", sa.String(32), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ruleset_id", sa.String(80), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("record_hash", sa.String(64), nullable=False, unique=True),  # the same record is logged once
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("leaf_index", Seq, unique=True),
        sa.Column("receipt", sa.Text, nullable=False),
    )
    op.create_index("ix_publications_ref", "publications", ["ruleset_id", "version"])


def downgrade() -> None:
    op.drop_table("publications")
