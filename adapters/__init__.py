"""Everything that is stored: the only users of SQLAlchemy, one folder per capability.

- ``store``: engines, plain DBAPI for the per-check statements, SQLite WAL checkpoints, the Alembic migrations.
- ``facts``: subject facts and their events (implements ``jrp.ports.FactsSource``).
- ``log``: the decision log (implements ``jrp.ports.DecisionLog``), with its pure part in ``log.crypto``.
- ``access``: API keys and console sign-outs.
- ``feedback``, ``hosts``, ``screenings``: one table each — feedback on decisions, the serving processes,
  screening runs.
"""
