"""The store every capability writes to: SQLite or PostgreSQL.

- ``database``: engines and ``upgrade_database`` (the Alembic migrations in ``migrations/``).
- ``dbapi``: the statements every silent check runs, straight to the driver.
- ``checkpointer``: a serving SQLite store's WAL checkpoints, off the request path.
- ``leases``: named leases and the loop that works while holding one (the log's sequencer, the tracker).
"""
