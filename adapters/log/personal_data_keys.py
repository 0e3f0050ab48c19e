"""The monthly data keys that seal natural persons' originals in the decision log, stored wrapped.

Each month's entries are sealed under that month's data key; the key is kept here
wrapped (AES-GCM) by a key derived from the master secret held outside the database.
Erasing a month (``erase_before``) deletes its wrapped key: the originals of that month
can no longer be read by anyone, while the entries — pseudonyms, ciphertext, hashes —
stay exactly as they were, so the tree and every proof still hold (crypto-erasure).
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Engine, LargeBinary, MetaData, String, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from jrp.adapters.log.crypto.personal_data import PersonalDataKey

metadata = MetaData()
data_keys_t = Table(
    "personal_data_keys", metadata,
    Column("period", String(7), primary_key=True),  # YYYY-MM
    Column("wrapped", LargeBinary),  # NULL once erased
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True)),
)


class DataKeys:
    """Data keys by month: created on first use (one wins when hosts race), unwrapped on demand."""

    def __init__(self, engine: Engine, master: PersonalDataKey):
        self.engine = engine
        self.master = master
        self._current: dict[str, bytes] = {}  # the months being written: never erased while in use
        self._lock = threading.Lock()

    def current(self, period: str) -> bytes:
        """The data key to seal entries of ``period`` with (created if the month has none yet)."""
        key = self._current.get(period)
        if key is None:
            with self._lock:
                key = self._current.get(period) or self._create(period)
                self._current = {period: key}
        return key

    def _create(self, period: str) -> bytes:
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(data_keys_t).values(
                    period=period, wrapped=self.master.wrap(os.urandom(32), period), created_at=datetime.now(UTC)))
        except IntegrityError:  # another process created it first: use theirs
            pass
        key = self.get(period)
        if key is None:
            raise RuntimeError(f"the personal-data key of {period} was erased; entries of that month cannot be sealed")
        return key

    def get(self, period: str) -> bytes | None:
        """The unwrapped data key of ``period``, or None once erased (read each time: erasure applies at once)."""
        with self.engine.connect() as connection:
            wrapped = connection.execute(select(data_keys_t.c.wrapped).where(data_keys_t.c.period == period)).scalar()
        return None if wrapped is None else self.master.unwrap(bytes(wrapped), period)

    def erased_through(self) -> str | None:
        """The last month (YYYY-MM) whose data key is erased; erasure takes every month before a cut-off, so
        every month up to this one is erased too."""
        with self.engine.connect() as connection:
            return connection.execute(select(func.max(data_keys_t.c.period)).where(
                data_keys_t.c.wrapped.is_(None))).scalar()

    def erase_before(self, period: str) -> list[str]:
        """Erase the data keys of every month before ``period`` (YYYY-MM); returns the months erased now."""
        with self.engine.begin() as connection:
            months = list(connection.execute(select(data_keys_t.c.period).where(
                data_keys_t.c.period < period, data_keys_t.c.wrapped.is_not(None)).order_by(data_keys_t.c.period))
                .scalars())
            connection.execute(update(data_keys_t).where(data_keys_t.c.period.in_(months))
                               .values(wrapped=None, erased_at=datetime.now(UTC)))
        return months
