"""One row per subject holding its facts (``subject_facts``, ``jrp.adapters.facts.facts_rows``), filled from the
``subjects`` and ``records`` tables of the store.

Revision ID: 0017_subject_rows
Revises: 0016_subscriptions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jrp.adapters.facts.facts_rows import every_subject, rebuild

revision = "0017_subject_rows"
down_revision = "0016_subscriptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subject_facts",
        sa.Column("subject_id", sa.String(64), primary_key=True),
        sa.Column("facts", sa.LargeBinary, nullable=False),
    )
    connection = op.get_bind()
    for page in list(every_subject(connection)):
        rebuild(connection, page)


def downgrade() -> None:
    op.drop_table("subject_facts")
