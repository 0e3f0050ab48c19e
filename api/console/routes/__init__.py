"""The console's pages, one module per group; ``changes`` before ``catalogue`` (``/rulesets/diff`` before ``/rulesets/{id}``)."""
