"""Bulk work over many subjects: screening, impact previews and the facts export.

- ``evaluation``: the one evaluation loop (``evaluate_facts``, ``fold``) and the job it runs.
- ``runners``: in this process over the store, or (``spark``) on Apache Spark over a facts export.
- ``screening``: who falls under which measures now, and what changed since the last run.
- ``export`` + ``facts_table``: the Parquet facts export Spark reads.
"""
