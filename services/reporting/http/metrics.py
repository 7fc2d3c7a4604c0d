"""`GET /metrics`: the process's Prometheus metrics and, read at each scrape from exactly what
`/health` reads, each projection's applied sequence, lag and parked events.

Like `/health` it needs no token (with PULIH_HTTP_AUTH on too): it holds counts and sequence
numbers only, labelled by service, command, outcome, event type and projection names, never an
id, a prison or any personal data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from services.reporting.http.models import Health
from services.reporting.read.port import ReadModel
from shared.store import StoreUnavailable


class HealthCollector:
    """The gauges of one `/health` answer (None: it could not be read), read through the
    same model the route answers with."""

    def __init__(self, health: dict[str, Any] | None):
        self.health = None if health is None else Health.model_validate(health)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("pulih_reporting_health_up", "1 when the event stream and the "
                               "read-model answered this scrape (as /health), else 0.")
        up.add_metric([], 0 if self.health is None else 1)
        yield up
        if self.health is None:
            return
        problem = GaugeMetricFamily("pulih_reporting_problem", "1 while the live read-model is "
                                    "refused (the log no longer holds what it was built from).")
        problem.add_metric([], 1 if self.health.problem else 0)
        yield problem
        stream = GaugeMetricFamily("pulih_stream_last_seq", "The last sequence of the event "
                                   "stream.")
        stream.add_metric([], self.health.stream_last_seq)
        yield stream
        for field, name, text in (
                ("last_seq", "pulih_projection_last_seq", "The last stream sequence a "
                 "projection applied."),
                ("lag", "pulih_projection_lag_events", "How many stream sequences a projection "
                 "is behind the end of the stream."),
                ("parked", "pulih_projection_parked_events", "Events a projection could not "
                 "apply and parked (`pulih replay --parked` re-applies them).")):
            family = GaugeMetricFamily(name, text, labels=["projection"])
            for projection, state in sorted(self.health.projections.items()):
                family.add_metric([projection], getattr(state, field))
            yield family


def add_metrics_route(app: FastAPI, reads: ReadModel) -> None:
    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        try:
            health = await reads.health()
        except StoreUnavailable:
            health = None
        scrape = CollectorRegistry(auto_describe=False)
        scrape.register(HealthCollector(health))
        body = generate_latest(REGISTRY) + generate_latest(scrape)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
