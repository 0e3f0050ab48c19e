"""The check counters the routes feed, and the exposition of every metric (``jrp.metrics``) for ``/metrics``."""

from __future__ import annotations

from jrp.metrics import CHECKS, exposition


class Metrics:
    """``jrp_checks_total{scenario,outcome}`` for the check routes; the rest is counted by ``jrp.api.request_log``."""

    def check(self, scenario: str, outcome: str, n: int = 1) -> None:
        CHECKS.labels(scenario, outcome).inc(n)

    def render(self) -> tuple[bytes, str]:
        """The Prometheus text of all metrics (all workers' under ``jrp serve``) and its content type."""
        return exposition()
