"""Check counters and a latency histogram in the Prometheus text exposition format.

Each worker process counts its own requests (a scrape sees the worker that answers it);
a ``pid`` label keeps the series of different workers apart.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections import Counter
from threading import Lock

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """``jrp_checks_total{scenario,outcome}`` and ``jrp_request_seconds{endpoint}``."""

    def __init__(self) -> None:
        self._checks: Counter[tuple[str, str]] = Counter()
        self._buckets: dict[str, list[int]] = {}
        self._sums: Counter[str] = Counter()
        self._lock = Lock()

    def check(self, scenario: str, outcome: str, n: int = 1) -> None:
        with self._lock:
            self._checks[(scenario, outcome)] += n

    def observe(self, endpoint: str, seconds: float) -> None:
        with self._lock:
            counts = self._buckets.setdefault(endpoint, [0] * (len(BUCKETS) + 1))
            counts[bisect_left(BUCKETS, seconds)] += 1
            self._sums[endpoint] += seconds

    def render(self) -> str:
        pid = os.getpid()
        lines = ["# HELP jrp_checks_total Checks answered, by scenario and outcome.",
                 "# TYPE jrp_checks_total counter"]
        with self._lock:
            for (scenario, outcome), n in sorted(self._checks.items()):
                lines.append(f'jrp_checks_total{{scenario="{scenario}",outcome="{outcome}",pid="{pid}"}} {n}')
            lines += ["# HELP jrp_request_seconds Time to answer check requests.",
                      "# TYPE jrp_request_seconds histogram"]
            for endpoint, counts in sorted(self._buckets.items()):
                labels = f'endpoint="{endpoint}",pid="{pid}"'
                total = 0
                for bound, count in zip((*BUCKETS, "+Inf"), counts):
                    total += count
                    lines.append(f'jrp_request_seconds_bucket{{{labels},le="{bound}"}} {total}')
                lines.append(f"jrp_request_seconds_sum{{{labels}}} {self._sums[endpoint]}")
                lines.append(f"jrp_request_seconds_count{{{labels}}} {total}")
        return "\n".join(lines) + "\n"
