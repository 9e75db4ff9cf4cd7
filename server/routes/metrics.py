"""GET /metrics: Prometheus text exposition, kept out of the OpenAPI schema."""

from __future__ import annotations

from litestar.plugins.prometheus import PrometheusController


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False
