"""Subject facts store and ingestion (implements ``jrp.ports.FactsSource``).

- ``identity``: USCC / resident ID validation, masking, birth dates.
- ``orm`` + ``migrations/``: the tables; ``database``: engines and ``upgrade_database``.
- ``events``: the administrative event format; ``projection``: what each event does;
  ``ingest``: writing events (chunked, idempotent).
- ``facts_source``: ``FactsStore`` (load, load_many, facts_version, facts_as_of).
- ``change_feed``: a worker's tail of ``events`` (staleness bound, consistency tokens);
  ``subject_versions``: facts versions kept in memory through it.
- ``importers`` + ``profiles/``: CSV / JSON Lines bulk import; ``import_ui``: its rich front.
- ``demo``: deterministic invented subjects and events.
"""
