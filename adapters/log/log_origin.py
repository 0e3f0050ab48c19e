"""The log's origin: this deployment's own name, signed into every checkpoint (as a CT log's origin line).

A checkpoint says "the log named *origin* had n entries with this root"; without a name of
its own, every deployment signed as "jrp decision log", and a witness checkpoint kept from
another deployment read as this log's older tree rewritten. The name is set once per store
— from the ``log_origin`` setting, or generated at first start — and kept in ``log_origin``;
every process and host of the store reads it from there. A store whose checkpoints were
signed before names were kept keeps the name they were signed under.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError

from jrp.adapters.log.tree import checkpoints_t

LEGACY_ORIGIN = "jrp decision log"
"""The name every deployment signed under before each had its own."""

metadata = MetaData()
origin_t = Table(
    "log_origin", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("origin", String(200), nullable=False),
)


class OriginMismatch(RuntimeError):
    """The settings name the log otherwise than the store does: they point at another deployment's store."""


def resolve(engine: Engine, configured: str | None) -> str:
    """The store's origin, set now if it has none: ``configured``, else the legacy name where checkpoints
    were signed under it already, else a new unique name."""
    stored = _stored(engine)
    if stored is None:
        try:
            with engine.begin() as connection:
                connection.execute(insert(origin_t).values(id=1, origin=configured or _first_name(connection)))
        except IntegrityError:  # another process of the store set it first: theirs holds
            pass
        stored = _stored(engine)
        assert stored is not None
    if configured and configured != stored:
        raise OriginMismatch(f"the settings name the log {configured!r} (log_origin), but this store's log is "
                             f"{stored!r}: its checkpoints are signed under that name; remove the setting or "
                             "point the settings at the store they were written for")
    return stored


def _stored(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(origin_t.c.origin).where(origin_t.c.id == 1)).scalar()


def _first_name(connection: Connection) -> str:
    signed = connection.execute(select(checkpoints_t.c.tree_size).limit(1)).first() is not None
    return LEGACY_ORIGIN if signed else f"jrp decision log {uuid.uuid4()}"
