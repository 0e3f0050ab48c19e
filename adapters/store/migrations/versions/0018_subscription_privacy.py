"""Subscriptions keep a natural person as the decision log does: pseudonyms, the originals sealed beside them.

The column only: the pseudonyms and the sealing need the personal-data key, which the database never
holds, so ``Runtime.migrate`` rewrites the subscriptions stored before (``SubscriptionStore.protect_existing``).

Revision ID: 0018_subscription_privacy
Revises: 0017_subject_rows
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_subscription_privacy"
down_revision = "0017_subject_rows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("personal", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("personal")
