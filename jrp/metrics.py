"""Prometheus metrics of the service, one set per process, summed over the server's workers at scrape time.

``jrp serve`` runs several worker processes; each scrape of ``/metrics`` is answered by one of
them. With ``PROMETHEUS_MULTIPROC_DIR`` set (``jrp serve`` sets it for its workers, to a fresh
folder), prometheus-client's multiprocess mode keeps each worker's values in a file there and
the answering worker sums every worker's files, so a scrape shows the whole service. Without it
(tests, one process), the process's own values are shown.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import values
from prometheus_client.multiprocess import MultiProcessCollector

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

CHECKS = Counter("jrp_checks", "Checks answered, by scenario and outcome.", ("scenario", "outcome"))
REQUESTS = Counter("jrp_http_requests", "HTTP requests answered, by route template, method and status.",
                   ("route", "method", "status"))
LATENCY = Histogram("jrp_http_request_duration_seconds", "Time to answer an HTTP request, by route template.",
                    ("route", "method"), buckets=LATENCY_BUCKETS)
ERRORS = Counter("jrp_errors", "Unexpected errors: unhandled in a request, or a decision-log append that failed.",
                 ("kind",))
LOG_APPENDS = Counter("jrp_decision_log_appended_entries", "Decisions appended to the decision log.")
LOG_APPEND_SECONDS = Histogram("jrp_decision_log_append_duration_seconds",
                               "Time to append one group of decisions (one transaction).", buckets=LATENCY_BUCKETS)


def exposition() -> tuple[bytes, str]:
    """The metrics in the Prometheus text format, summed over all workers in multiprocess mode.

    The mode is the one prometheus-client chose when first imported (from the environment then):
    values kept in the folder's files are read from there, values kept in memory from memory.
    """
    if values.ValueClass is not values.MutexValue:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class MeteredLog:
    """A decision log whose appends are counted and timed (and failed appends counted as errors)."""

    def __init__(self, log: Any):
        self._log = log

    def append(self, entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        entries = list(entries)
        started = time.perf_counter()
        try:
            results = self._log.append(entries)
        except Exception:
            ERRORS.labels("log_append").inc()
            raise
        LOG_APPEND_SECONDS.observe(time.perf_counter() - started)
        LOG_APPENDS.inc(len(entries))
        return results

    def __getattr__(self, name: str) -> Any:  # reads (get, find, batch…) go to the log itself
        return getattr(self._log, name)
