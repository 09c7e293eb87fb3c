"""The pipelines of one workspace, built from the wiring: the document pipeline (sources,
extractor, enricher, poster, writers) and a bank connection's pipeline (feed, receipts
source, export destinations)."""

from __future__ import annotations

import copy
import threading
from dataclasses import replace
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from liasse.app import wiring
from liasse.app.services import Services, find_workspace
from liasse.app.settings import Settings
from liasse.domain.extraction import ExtractionResult
from liasse.domain.identifiers import compact
from liasse.domain.ports import WorkspaceContext
from liasse.domain.receipts import ReceiptSink
from liasse.extract.cascade import ExtractOptions, extract_document
from liasse.extract.memory import SupplierMemory
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import autocommit_session
from liasse.store.memory_repo import MemoryRepo
from liasse.store.tables import Workspace
from liasse.sync.bank_window import BankPipeline, BankWindowReport
from liasse.sync.bank_window import run_bank_window as run_bank_pipeline
from liasse.sync.enrichment import ClassifierCache, StoreEnricher
from liasse.sync.pipeline import Pipeline


def workspace_context(workspace: Workspace, settings: Settings) -> WorkspaceContext:
    """The workspace's own company and thresholds (its preferences over the service's)."""
    company = workspace.own_company or {}
    preferences = workspace.preferences or {}
    return WorkspaceContext(
        workspace_id=workspace.id,
        own_names=tuple(company.get("names", ())),
        own_identifiers=tuple(compact(value) for value in company.get("identifiers", ())),
        review_from=Decimal(str(preferences.get("review_from", settings.routing.review_from))),
        approve_from=Decimal(str(preferences.get("approve_from",
                                                 settings.routing.approve_from))),
        account_currency=settings.accounting.account_currency,
        fx_rates=tuple(sorted(settings.accounting.fx_rates.items())),
    )


def build_pipeline(services: Services, slug: str | None = None, *,
                   connection_ids: set[str] | None = None, owner: str | None = None,
                   classifiers: ClassifierCache | None = None) -> Pipeline:
    """The pipeline for one workspace; `connection_ids` limits intake to those sources;
    `owner` names who claims its documents (default: an id unique to this pipeline);
    `classifiers` keeps fitted account classifiers across pipelines (a worker's)."""
    settings = services.settings
    with services.sessions.begin() as session:
        workspace = find_workspace(session, slug or settings.workspace)
        context = workspace_context(workspace, settings)
        repo = ConnectionRepo(session, workspace.id)
        sources = wiring.document_sources(services, repo)
        poster = services.poster or wiring.invoice_poster(services, repo)
        writers = wiring.document_writers(services, repo)
    if connection_ids is not None:
        sources = {key: source for key, source in sources.items() if key in connection_ids}
    pipeline = Pipeline(
        sessions=services.sessions,
        blobs=services.blobs,
        context=context,
        sources=sources,
        extractor=CascadeExtractor(settings, services.sessions),
        enricher=StoreEnricher(services.sessions, classifiers),
        poster=poster,
        writers=writers,
    )
    return pipeline if owner is None else replace(pipeline, owner=owner)


def build_bank_pipeline(services: Services, slug: str, connection_id: str) -> BankPipeline:
    """The pipeline of one bank connection of the workspace `slug`."""
    with services.sessions.begin() as session:
        workspace = find_workspace(session, slug)
        context = workspace_context(workspace, services.settings)
        connection = ConnectionRepo(session, workspace.id).get_connection(connection_id)
        bank = wiring.wiring_for(connection.kind).bank
        if bank is None:
            raise wiring.UnknownKind(f"{connection.kind} connections have no bank window")
        feed, receipts = bank(services, workspace.id, connection)

    def receipt_sink(destination_id: str) -> ReceiptSink:
        with services.sessions.begin() as session:
            destination = ConnectionRepo(session, context.workspace_id).get_connection(
                destination_id)
            factory = wiring.wiring_for(destination.kind).receipt_sink
            if factory is None:
                raise wiring.UnknownKind(f"{destination.kind} connections take no receipts")
            return factory(services, context.workspace_id, destination)

    return BankPipeline(services.sessions, services.blobs, context, connection_id, feed,
                        receipts, receipt_sink)


def run_bank_window(services: Services, slug: str, connection_id: str) -> BankWindowReport:
    return run_bank_pipeline(build_bank_pipeline(services, slug, connection_id))


class CascadeExtractor:
    """The extraction engine behind the pipeline's `Extractor` plug point."""

    def __init__(self, settings: Settings,
                 sessions: sessionmaker[Session] | None = None) -> None:
        self._settings = settings.extraction
        self._sessions = sessions  # where the workspaces' supplier memories are read
        # By workspace: the memories and the versions they were read at. Each document
        # checks the versions (one row) instead of reading every memory again.
        self._memories_read: dict[str, tuple[object, tuple[SupplierMemory, ...]]] = {}
        # A job's view (`for_job`): the memories by workspace once checked in this job.
        self._job: dict[str, tuple[SupplierMemory, ...]] | None = None
        self._job_lock = threading.Lock()

    def for_job(self) -> CascadeExtractor:
        """This engine for one job's documents, read side by side: the memories' version is
        checked once for the job, not for each document (a statement each)."""
        view = copy.copy(self)
        view._job, view._job_lock = {}, threading.Lock()
        return view

    def extract(self, data: bytes, *, file_name: str, context: WorkspaceContext
                ) -> ExtractionResult:
        options = ExtractOptions(
            ocr=self._settings.ocr,
            max_pages=self._settings.max_pages,
            time_limit_seconds=self._settings.time_limit_seconds,
            ocr_time_limit_seconds=self._settings.ocr_time_limit_seconds,
            ocr_engine=self._settings.ocr_engine,
            own_names=context.own_names,
            own_identifiers=context.own_identifiers,
            memories=self._memories(context.workspace_id),
        )
        return extract_document(data, file=file_name, options=options)

    def _memories(self, workspace_id: str) -> tuple[SupplierMemory, ...]:
        if self._sessions is None:
            return ()
        if self._job is None:
            return self._current_memories(workspace_id)
        with self._job_lock:  # the job's threads start together: one of them checks
            if workspace_id not in self._job:
                self._job[workspace_id] = self._current_memories(workspace_id)
            return self._job[workspace_id]

    def _current_memories(self, workspace_id: str) -> tuple[SupplierMemory, ...]:
        assert self._sessions is not None
        # Without a transaction (its BEGIN and COMMIT were two of three round trips).
        with autocommit_session(self._sessions) as session:
            memories = MemoryRepo(session, workspace_id)
            version = memories.memories_version()
            cached = self._memories_read.get(workspace_id)
            if cached is None or cached[0] != version:
                cached = (version, tuple(memories.memories()))
                self._memories_read[workspace_id] = cached
            return cached[1]

