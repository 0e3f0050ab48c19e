"""Subject facts store and ingestion (implements ``jrp.ports.FactsSource``).

- ``identity``: USCC / resident ID validation, masking, birth dates; ``iso_dates``: dates on the wire.
- ``events``: the administrative event format (``EVENTS.md``); ``event_rules``: what an event may still not say.
- ``orm``: the tables; ``projection``: what each event does; ``ingest``: writing events (chunked,
  idempotent); ``transactions``: writers of one subject take turns.
- ``facts_rows``: one ``subject_facts`` row per subject, written with its events: a check reads one statement;
  ``source``: ``FactsStore`` (load, load_many, facts_version, facts_as_of); ``audit``: each event checked
  against its entry in the decision log, the projection rebuilt from the history and compared;
  ``provenance``: who sent each event of a subject and when it arrived.
- ``change_feed``: a worker's tail of ``events`` (staleness bound, consistency tokens);
  ``subject_versions``: facts versions kept in memory through it.
- ``importers`` + ``profiles/`` + ``examples/``: CSV / JSON Lines bulk import (``IMPORT.md``);
  ``import_ui``: its rich front.
- ``demo``: deterministic invented subjects and events.
"""
