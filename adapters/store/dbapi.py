"""Plain DBAPI access for the statements every silent check runs.

A one-row indexed read costs ~5 µs in sqlite3 and ~210 µs through SQLAlchemy Core
(statement construction, cache key, compile lookup, result proxy; measured with
``bench/profile_check.py``), and a check runs a few of them. So the facts reads and the
decision-log append go straight to the driver over a connection from the engine's pool;
everything else keeps Core. Statements are written once with ``?`` placeholders and
rendered for psycopg (``%s``) when the engine is PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine

# SQLite and PostgreSQL both accept far more; a batch of 10,000 subjects takes a few rounds.
MAX_PARAMETERS = 5000


T = TypeVar("T")


class StoreDisconnected(Exception):
    """The database dropped a pooled connection during a statement; nothing was committed by it."""


class Driver:
    """Pooled DBAPI connections and dialect-neutral statements for one engine."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def sql(self, statement: str) -> str:
        """``statement`` with its ``?`` placeholders in the driver's style (no ``?`` elsewhere, please)."""
        return statement.replace("?", "%s") if self.postgres else statement

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A DBAPI connection from the pool; whatever it did not commit is rolled back on return.

        A connection the server dropped (a restart, a failover, an idle timeout) is thrown
        out of the pool and reported as ``StoreDisconnected``, as SQLAlchemy would do for
        its own statements.
        """
        pooled = self.engine.raw_connection()
        try:
            yield pooled.driver_connection
        except self.engine.dialect.loaded_dbapi.Error as error:
            if self.engine.dialect.is_disconnect(error, pooled.driver_connection, None):
                pooled.invalidate(error)
                raise StoreDisconnected(f"the database dropped the connection: {error}") from error
            raise
        finally:
            pooled.close()

    def read(self, work: Callable[[Any], T]) -> T:
        """``work(connection)`` for reads only: once more on a fresh connection if the first was dropped."""
        try:
            with self._reading() as connection:
                return work(connection)
        except StoreDisconnected:
            with self._reading() as connection:
                return work(connection)

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        """A pooled connection for reads; on PostgreSQL in autocommit while it reads.

        Otherwise psycopg wraps the reads in ``BEGIN`` … ``ROLLBACK``: two more round trips
        (~200 µs each on this VM's loopback), and the rollback also forgets the statements
        psycopg had prepared, so each is planned again (a one-row version read: 990 → 264 µs).
        What a read sees is unchanged: under READ COMMITTED every statement takes its own
        snapshot, in a transaction or not.
        """
        with self.connection() as connection:
            if not self.postgres:
                yield connection
                return
            connection.autocommit = True
            try:
                yield connection
            finally:
                if not connection.closed:  # a dropped connection is thrown out of the pool as it is
                    connection.autocommit = False

    def pipelined(self, connection: Any) -> AbstractContextManager[Any]:
        """On PostgreSQL, psycopg's pipeline mode: the statements and the commit inside go to the server without
        waiting for each other's answers (one round trip instead of one each, ~200 µs apiece on this VM's loopback);
        an error still surfaces, at the latest when the block ends, and the transaction commits nothing. A no-op on
        SQLite, which has no round trips."""
        return connection.pipeline() if self.postgres else nullcontext()

    def rows(self, connection: Any, statement: str, parameters: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of a query as dicts keyed by column name."""
        names, values = self._fetch(connection, statement, parameters)
        return [dict(zip(names, row)) for row in values]

    def rows_in(self, connection: Any, statement: str, values: Sequence[Any]) -> list[dict[str, Any]]:
        """The rows of ``statement`` whose one ``IN ({})`` is filled with ``values`` (in rounds)."""
        out: list[dict[str, Any]] = []
        for chunk_statement, chunk in _rounds(statement, values):
            out += self.rows(connection, chunk_statement, chunk)
        return out

    def values(self, connection: Any, statement: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of a query as tuples in its column order: no dict per row (``jrp.adapters.facts.facts_rows``)."""
        return self._fetch(connection, statement, parameters)[1]

    def _fetch(self, connection: Any, statement: str, parameters: Sequence[Any]) -> tuple[list[str], list[tuple]]:
        """The column names and the rows of a query."""
        cursor = connection.cursor()
        try:
            cursor.execute(self.sql(statement), tuple(parameters))
            return [column[0] for column in cursor.description], cursor.fetchall()
        finally:
            cursor.close()

    def timestamp(self, value: datetime) -> Any:
        """A ``DateTime(timezone=True)`` column value as SQLAlchemy stores it (naive UTC text on SQLite)."""
        return value if self.postgres else naive_utc(value).isoformat(sep=" ", timespec="microseconds")


def _rounds(statement: str, values: Sequence[Any]) -> Iterator[tuple[str, Sequence[Any]]]:
    """``statement``'s one ``IN ({})`` filled for ``values``, ``MAX_PARAMETERS`` at a time."""
    for start in range(0, len(values), MAX_PARAMETERS):
        chunk = values[start:start + MAX_PARAMETERS]
        yield statement.format(", ".join("?" * len(chunk))), chunk


def naive_utc(value: datetime) -> datetime:
    """Naive UTC, the form SQLite stores and returns ``DateTime(timezone=True)`` values in."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def as_date(value: date | str | None) -> date | None:
    """A ``Date`` column as read by the driver: a date (psycopg) or ISO text (sqlite3)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)
