"""Engines for the facts store and schema upgrades.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``: readers do not
block the importer, and every commit — a decision-log append before its answer leaves,
an accepted event — is synced to disk, so it survives a power loss (``NORMAL`` could
lose the last ones). Appends sharing a commit share its sync (``jrp.adapters.log.group_commit``).
PostgreSQL URLs are routed to psycopg 3 (its commits are durable by default).

The SQLite file holds natural persons' data: it is created readable by its owner only (0600,
in a folder made 0700), and one found readable by others is narrowed to 0600 when opened
(SQLite gives its ``-wal`` and ``-shm`` files the database file's mode).
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` URLs use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get their parent folder, WAL and a busy timeout."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, **kwargs)
        event.listen(engine, "checkin", _note_checkin)
        event.listen(engine, "checkout", _ping_if_idle)
        return engine
    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        private_file(Path(parsed.database))
        # LIFO: the connection used last, with its page cache warm, serves the next request.
        if "poolclass" not in kwargs:
            kwargs = {"pool_use_lifo": True, **kwargs}
    engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


PRIVATE = 0o600


def private_file(path: Path) -> None:
    """Create ``path`` (and its folder, 0700) readable by its owner only; narrow an existing one open to others."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
        return
    except FileExistsError:
        pass
    for existing in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if stat.S_IMODE(existing.stat().st_mode) & 0o077:
                existing.chmod(PRIVATE)
        except FileNotFoundError:
            continue


IDLE_BEFORE_PING = 10.0  # seconds
SQLITE_CACHE_KIB = 64 * 1024  # per connection; pages are allocated as they are read


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a pooled connection that sat idle: one dropped by the server is replaced before use.

    ``pool_pre_ping`` pings on every checkout: a round trip that doubled the cost of a
    silent check's one-row read on PostgreSQL. A connection in steady use is not pinged;
    one that died meanwhile fails its statement and is discarded (SQLAlchemy's own, and
    ``jrp.adapters.store.dbapi``'s, which retries reads once and answers 503 otherwise).
    """
    if time.monotonic() - record.info.get("checked_in", 0.0) < IDLE_BEFORE_PING:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()  # the ping opened a transaction: leave none (isolation levels are set outside one)
    except Exception as error:
        raise DisconnectionError(f"stale pooled connection: {error}") from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # SQLite's default page cache is 2 MiB: on a store of 100,000 subjects every check then
    # re-read its index and table pages through the OS (a subject's records: 218 µs → 78 µs).
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    # The server checkpoints in the background (``jrp.adapters.store.checkpointer``); commits
    # checkpoint themselves only if the log grows past this many pages regardless.
    cursor.execute("PRAGMA wal_autocheckpoint=20000")
    cursor.close()


def unreachable(engine: Engine) -> str | None:
    """Why the database does not answer a query (its first line), or None when it does."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as error:  # noqa: BLE001 - whatever the driver raises, the database is not usable
        return str(error).strip().splitlines()[0]
    return None


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package (alembic loads only to migrate)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_database(target: str | Engine, revision: str = "head") -> None:
    """Bring the schema at ``target`` (a URL or an engine) up to ``revision``."""
    from alembic import command

    engine = make_engine(target) if isinstance(target, str) else target
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    if isinstance(target, str):
        engine.dispose()
