"""The figures `/metrics` serves to Prometheus (text exposition format).

Totals over the installation only: the job queue (PostgreSQL), live workers, documents by
state and posting intents by status. No workspace slug, supplier or file name ever appears
in a label, because the endpoint may be reachable without logging in (see
`docs/deploy.md`); a bearer token (`web.metrics_token`) can close it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from liasse.app.services import Services
from liasse.store.jobs_repo import QueueFigures, queue_figures
from liasse.store.metrics_repo import documents_by_state, outbox_by_status

CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass(frozen=True)
class Figures:
    queue: QueueFigures | None  # None on SQLite: every job runs inside `liasse run`
    documents: dict[str, int]
    outbox: dict[str, int]
    at: datetime


def read_figures(services: Services) -> Figures:
    with services.sessions.begin() as session:
        return Figures(
            queue=queue_figures(session,
                                live_within_seconds=services.settings.jobs.stalled_seconds),
            documents=documents_by_state(session), outbox=outbox_by_status(session),
            at=datetime.now(UTC))


def exposition(figures: Figures) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(figures))
    return generate_latest(registry)


class _Snapshot(Collector):
    """One scrape's figures, read once from the database (no process-global registry:
    several web processes behind a balancer each report the same shared database)."""

    def __init__(self, figures: Figures) -> None:
        self._figures = figures

    def collect(self) -> Iterator[Metric]:
        figures = self._figures
        yield _gauge("liasse_job_queue_enabled",
                     "1 when jobs go through the PostgreSQL queue, 0 on SQLite (one process)",
                     1 if figures.queue else 0)
        if figures.queue is not None:
            yield from _queue(figures.queue, figures.at)
        yield _labelled("liasse_documents", "Documents by state, every workspace together",
                        "state", figures.documents)
        yield _labelled("liasse_outbox_items", "Posting intents by status, every workspace "
                        "together", "status", figures.outbox)


def _queue(queue: QueueFigures, now: datetime) -> Iterator[Metric]:
    yield _labelled("liasse_jobs_waiting", "Jobs waiting, per queue", "queue", queue.by_queue)
    yield _gauge("liasse_jobs_running", "Jobs running now", queue.running)
    yield _gauge("liasse_jobs_failed", "Jobs that gave up after their retries", queue.failed)
    age = (now - queue.oldest_waiting).total_seconds() if queue.oldest_waiting else 0.0
    yield _gauge("liasse_jobs_oldest_waiting_age_seconds",
                 "How long the oldest due job has waited (0 when none waits)", max(age, 0.0))
    yield _gauge("liasse_workers_live", "Workers whose heartbeat is recent", queue.live_workers)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _labelled(name: str, documentation: str, label: str, values: dict[str, int]
              ) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family
