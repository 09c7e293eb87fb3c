"""What each job does. Plain functions on `Services`: procrastinate calls them in workers,
and they are built from the same steps a SQLite window runs in its one process.

Every job is idempotent: it works only on what is still in its input state, under the
claims of `sync.steps` (documents) and `sync.posting` (outbox items), and its owner is its
job id, so a job retried after its worker died takes back at once what it had claimed.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from liasse.app.pipelines import CascadeExtractor, build_pipeline, run_bank_window
from liasse.app.scheduler import LEASE, WindowScheduler
from liasse.app.services import Services
from liasse.app.wiring import wiring_for
from liasse.store import jobs_repo
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.source_files_repo import SourceFileRepo
from liasse.sync import steps
from liasse.sync.enrichment import ClassifierCache, SharedClassifiers, StoreEnricher
from liasse.sync.pipeline import JobSink, Pipeline, utc_now
from liasse.sync.steps import WindowCounts
from liasse.sync.window import collect, post_and_write_back

# A worker builds a workspace's pipeline (sources, poster, extraction engine) once and
# keeps it this long: building it for each document cost more than reading the document.
PIPELINE_TTL_SECONDS = 30.0


class PipelineCache:
    """The pipelines of one worker process, by workspace, rebuilt after `ttl` seconds (a
    connection changed in the web app reaches the worker within that time)."""

    def __init__(self, services: Services, ttl: float = PIPELINE_TTL_SECONDS) -> None:
        self._services = services
        self._ttl = ttl
        # Rebuilt pipelines keep the fitted account classifiers (fitting one again each
        # time cost seconds); it is fitted again as the history grows, by one worker and
        # loaded by the others (each fitted its own on the same history).
        self._classifiers = ClassifierCache(shared=SharedClassifiers(services.sessions))
        self._pipelines: dict[str, tuple[float, Pipeline]] = {}
        self._lock = threading.Lock()

    def get(self, slug: str, *, owner: str, jobs: JobSink) -> Pipeline:
        now = time.monotonic()
        with self._lock:
            cached = self._pipelines.get(slug)
            if cached is None or now - cached[0] > self._ttl:
                cached = (now, build_pipeline(self._services, slug,
                                              classifiers=self._classifiers))
                self._pipelines[slug] = cached
        return for_job(cached[1], owner=owner, jobs=jobs)


def for_job(pipeline: Pipeline, *, owner: str, jobs: JobSink) -> Pipeline:
    """The cached pipeline for one job: its owner, its job sink, and views of its engine
    and enricher that check the store's versions (memories, directory, history) on the
    job's first document only."""
    extractor, enricher = pipeline.extractor, pipeline.enricher
    return replace(pipeline, owner=owner, jobs=jobs,
                   extractor=extractor.for_job() if isinstance(
                       extractor, CascadeExtractor) else extractor,
                   enricher=enricher.for_job() if isinstance(
                       enricher, StoreEnricher) else enricher)


def window_job(services: Services, jobs: JobSink, slug: str, connection_id: str, *,
               owner: str, force: bool = False) -> dict[str, int] | None:
    """One connection's window under its lease; None when it is not due or someone else
    holds it. The lease is taken only when the window is due (unless `force`, for the
    instant watcher's short windows), so the four-an-hour limit holds across workers."""
    with services.repo(ConnectionRepo, slug) as repo:
        connection = repo.get_connection(connection_id)
        kind, config = connection.kind, connection.read_config()
    interval = WindowScheduler(services).interval(kind, config)
    start = utc_now()
    with services.repo(ConnectionRepo, slug) as repo:
        take = repo.acquire_lease if force else repo.acquire_due_lease
        if not take(connection_id, owner, start, start + LEASE):
            return None
    try:
        if wiring_for(kind).is_bank:
            return run_bank_window(services, slug, connection_id).as_dict()
        pipeline = replace(build_pipeline(services, slug, connection_ids={connection_id},
                                          owner=owner), jobs=jobs)
        counts = collect(pipeline)  # each fetched document became a read job as it came
        fetch_backlog(pipeline, counts)
        queue_stragglers(pipeline, jobs)
        return counts.as_dict()
    finally:
        with services.repo(ConnectionRepo, slug) as repo:
            repo.release_lease(connection_id, owner, start + interval)


def fetch_backlog(pipeline: Pipeline, counts: WindowCounts) -> None:
    """A first sync lists more files than one fetch batch (500): fetch batch after batch in
    this window, without listing again, instead of leaving the rest to the next window an
    interval later (2,000 files took four windows, 45 minutes, with idle workers). Stops
    when only files already tried in this window are left (a failed fetch waits)."""
    tried: set[str] = set()
    while True:
        with pipeline.sessions.begin() as session:
            pending = {row.id for row in SourceFileRepo(
                session, pipeline.workspace_id).source_files_to_fetch()}
        if not pending or pending <= tried:
            return
        tried |= pending
        steps.fetch(pipeline, counts)


def queue_stragglers(pipeline: Pipeline, jobs: JobSink) -> None:
    """Documents waiting with no job for them (a retry that came due, a database restored
    from before its jobs) get one; the queueing locks keep this from doubling any."""
    with pipeline.sessions.begin() as session:
        waiting = jobs_repo.documents_without_read_job(session, pipeline.workspace_id)
        for chunk in steps.chunks(waiting, steps.READ_CHUNK):
            jobs.documents_fetched(session, chunk)
        if jobs_repo.approved_without_post_job(session, pipeline.workspace_id):
            jobs.documents_to_post(session)


def read_job(pipelines: PipelineCache, jobs: JobSink, slug: str, document_ids: list[str], *,
             owner: str) -> dict[str, int]:
    """Read, enrich and route a chunk of documents; an approval queues the workspace's
    post job."""
    counts = WindowCounts()
    steps.read_documents(pipelines.get(slug, owner=owner, jobs=jobs), document_ids, counts)
    return counts.as_dict()


def post_job(pipelines: PipelineCache, jobs: JobSink, slug: str, *, owner: str
             ) -> dict[str, int]:
    """Post what is approved (in batches, through the outbox) and write back what is done.

    One pass: approvals made while it runs queue the next post job, and one that found a
    job waiting held it until its commit (`queue.defer_post`), so this pass saw it. (A
    pass that queued the next "in case" added an empty pass after the last approvals.)"""
    counts = WindowCounts()
    post_and_write_back(pipelines.get(slug, owner=owner, jobs=jobs), counts)
    return counts.as_dict()


def due_windows(services: Services, owner: str) -> list[tuple[str, str]]:
    """(workspace slug, connection id) of every connection whose window is due."""
    now = utc_now()
    with services.sessions.begin() as session:
        return [(workspace.slug, connection.id)
                for workspace in store_repo.list_all_workspaces(session)
                for connection in ConnectionRepo(session, workspace.id).connections_due(
                    now, owner)]


