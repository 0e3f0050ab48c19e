"""Alembic environment: runs on the connection :func:`jrp.adapters.store.database.upgrade_database` passes in.

Later migrations of other modules (e.g. 0002, the decision log) chain onto ``0001``;
``target_metadata`` only serves ``alembic revision --autogenerate``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from jrp.adapters.facts.orm import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    """On the caller's connection, or on ``sqlalchemy.url`` when run from the alembic command line."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
