"""Record scope (精准惩戒): what a decision reaches — penalty types, legal ground, industry, project type,
the persons it names — and the rectification deadline and date.

Revision ID: 0007_precise
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_precise"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = (
    ("sanctions", sa.String(300)),  # space-separated Sanction values
    ("ground", sa.String(100)),
    ("industry", sa.String(20)),
    ("project_type", sa.String(20)),
    ("persons", sa.Text()),  # space-separated identifiers
    ("rectification_due", sa.Date()),
    ("rectified_on", sa.Date()),
)


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_))


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
