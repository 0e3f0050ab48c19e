"""The decision log (implements ``jrp.ports.DecisionLog``): append-only entries, the leaves of a Merkle tree.

- ``entries``: appends and reads; ``group_commit``: concurrent checks share one append and one signature;
  ``host_writer``: on SQLite, one writer per host commits the appends of all its workers together.
- ``publications``: ruleset publications (who approved which edition), leaves of the same tree.
- ``event_leaves``: the facts' events, leaves of the same tree, chained per subject (the chain's head is the
  subject's facts version).
- ``tree``: the tree in the database (integration, checkpoints, proofs); ``sequencer``: the one process
  that integrates new entries.
- ``verify``: the whole log verified; ``legacy_chain``: the hash chain of logs written before the tree.
- ``fact_references``: the facts a decision saw named by its subject's event heads and rebuilt from the events
  (a natural person's erased events read back through the decision's sealed originals); ``results``: the
  compact result an entry keeps, rebuilt in full from those facts and the stored bundle;
  ``bundle_store``, ``fact_snapshots``: the rules, and the facts of subjects with no events (and of older
  entries), stored once by content.
- ``personal_data_keys``: the monthly data keys (crypto-erasure); ``audit_keys``: the signing key and the
  personal-data master secret, from files.
- ``crypto``: the pure part — RFC 9162 hashing and proofs, signatures, pseudonyms — which imports
  nothing from storage.
"""
