"""Finding the batch a report's verification code names: by the first hex digits of its id."""

from __future__ import annotations

from sqlalchemy import Engine, select

from jrp.adapters.log.entries import decisions_t

MAX_CANDIDATES = 8


def batches_starting(engine: Engine, prefix: str) -> list[str]:
    """Batch ids beginning with ``prefix`` (hex digits; a range on the indexed column, alike on both stores)."""
    query = select(decisions_t.c.batch_id).where(decisions_t.c.batch_id >= prefix,
                                                 decisions_t.c.batch_id < prefix + "g") \
        .distinct().limit(MAX_CANDIDATES)
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())
