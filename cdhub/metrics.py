"""Prometheus metrics, one registry per app so several apps can live in one process."""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from cdhub.storage.engine import StatementCounter

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _StatementCollector(Collector):
    def __init__(self, counter: StatementCounter) -> None:
        self._counter = counter

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(
            "cdhub_db_statements", "SQL statements executed by this process"
        )
        family.add_metric([], self._counter.total)
        yield family


class HubMetrics:
    def __init__(self, statements: StatementCounter) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "cdhub_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "cdhub_http_request_duration_seconds",
            "HTTP request latency by route",
            ["route"],
            registry=self.registry,
        )
        self.operations = Histogram(
            "cdhub_graphql_operation_duration_seconds",
            "GraphQL operation latency by operation name",
            ["operation"],
            registry=self.registry,
        )
        self.ingested = Counter(
            "cdhub_ingested_records",
            "Source records ingested by source and outcome",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.answers = Counter(
            "cdhub_cached_answers",
            "Customer reads by how they were answered: hit (cache), miss (computed, stored), "
            "uncacheable (computed, not stored)",
            ["outcome"],
            registry=self.registry,
        )
        self.registry.register(_StatementCollector(statements))

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE)


class MetricsMiddleware:
    """Counts requests and times them by route template (not raw path: bounded labels)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)  # type: ignore[arg-type]
        finally:
            route = _route_of(scope)
            metrics: HubMetrics = scope["app"].state.hub.metrics
            metrics.requests.labels(scope["method"], route, str(status["code"])).inc()
            metrics.latency.labels(route).observe(time.perf_counter() - started)


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


async def metrics_endpoint(request: Request) -> Response:
    metrics: HubMetrics = request.app.state.hub.metrics
    return metrics.render()
