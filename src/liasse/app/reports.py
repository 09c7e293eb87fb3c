"""Read models for people: the status of a workspace and a document's story."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from liasse.app.services import Services
from liasse.app.settings import Settings
from liasse.app.wiring import wiring_for
from liasse.domain.money import Money
from liasse.domain.outcome import Plan, plan_of
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.jobs_repo import QueueFigures, queue_figures
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.receipts_repo import ReceiptsRepo
from liasse.store.source_files_repo import SourceFileRepo


@dataclass(frozen=True)
class DocumentLine:
    id: str
    file_name: str
    state: str
    reason: str
    supplier: str | None
    number: str | None
    total: str | None
    confidence: float | None
    updated_at: datetime
    document_type: str = "other"
    plan: Plan = "nothing"  # what liasse does with it: see `domain.outcome`

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "file_name": self.file_name, "state": self.state,
                "reason": self.reason, "supplier": self.supplier, "number": self.number,
                "total": self.total, "confidence": self.confidence,
                "document_type": self.document_type, "plan": self.plan,
                "updated_at": self.updated_at.isoformat()}


def connection_health(status: str, last_error: str | None) -> str:
    """What the last attempt says: an active connection whose last sync failed is failing,
    not "working" beside its error."""
    if status == "active":
        return "failing" if last_error else "active"
    return status  # needs_reconnect, paused, disconnected


@dataclass(frozen=True)
class ConnectionLine:
    name: str
    kind: str
    status: str
    last_sync_at: datetime | None
    last_error: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "status": self.status,
                "health": connection_health(self.status, self.last_error),
                "last_sync_at": self.last_sync_at.isoformat() if self.last_sync_at else None,
                "last_error": self.last_error}


@dataclass(frozen=True)
class ExportLine:
    """A receipts export: its schedule, its last and next run, the files of this round."""

    connection: str
    enabled: bool
    schedule: str  # "23:30 Europe/Paris", daily
    filing: str
    last_run_at: datetime | None
    next_run_at: datetime | None
    last_error: str | None
    files: dict[str, int]  # by status: exported, pending, failed, folder_deleted

    def to_json(self) -> dict[str, Any]:
        return {"connection": self.connection, "enabled": self.enabled,
                "schedule": self.schedule, "filing": self.filing,
                "last_run_at": self.last_run_at.isoformat() if self.last_run_at else None,
                "next_run_at": self.next_run_at.isoformat() if self.next_run_at else None,
                "last_error": self.last_error, "files": self.files}


@dataclass(frozen=True)
class StatusReport:
    workspace: str
    documents_by_state: dict[str, int]
    files_by_status: dict[str, int]
    connections: tuple[ConnectionLine, ...]
    recent: tuple[DocumentLine, ...]
    failed_outbox: int
    exports: tuple[ExportLine, ...] = ()
    queue: QueueFigures | None = None  # the job queue (PostgreSQL); None on SQLite

    def to_json(self) -> dict[str, Any]:
        return {"workspace": self.workspace, "documents_by_state": self.documents_by_state,
                "files_by_status": self.files_by_status,
                "connections": [line.to_json() for line in self.connections],
                "recent": [line.to_json() for line in self.recent],
                "failed_outbox": self.failed_outbox,
                "receipts_exports": [line.to_json() for line in self.exports],
                "jobs": queue_json(self.queue)}


def queue_json(queue: QueueFigures | None) -> dict[str, Any] | None:
    if queue is None:
        return None
    return {"waiting": queue.waiting, "running": queue.running, "failed": queue.failed,
            "oldest_waiting_since": queue.oldest_waiting.isoformat()
            if queue.oldest_waiting else None,
            "live_workers": queue.live_workers, "waiting_by_queue": queue.by_queue}


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    before: str | None
    after: str | None
    reason: str
    details: dict[str, Any]


def _money(minor: int | None, currency: str | None) -> str | None:
    if minor is None:
        return None
    return str(Money(minor, currency or "EUR"))


def status_report(session: Session, workspace_id: str, *, recent: int = 50,
                  live_within_seconds: float = 30.0) -> StatusReport:
    """A read across the workspace's aggregates, in the caller's transaction."""
    repo = DocumentRepo(session, workspace_id)
    connections_repo = ConnectionRepo(session, workspace_id)
    outbox = OutboxRepo(session, workspace_id)
    files = SourceFileRepo(session, workspace_id)
    documents = tuple(
        DocumentLine(doc.id, doc.file_name, doc.state, doc.state_reason, doc.supplier_name,
                     doc.invoice_number, _money(doc.total_minor, doc.currency), doc.confidence,
                     doc.updated_at, doc.document_type or "other",
                     plan_of(doc.document_type, doc.source_kind, doc.read_extraction()))
        for doc in repo.list_documents(limit=recent)
    )
    connections = tuple(
        ConnectionLine(c.name, c.kind, c.status, c.last_sync_at, c.last_error)
        for c in connections_repo.list_connections()
    )
    return StatusReport(
        workspace=connections_repo.workspace().slug,
        documents_by_state=repo.count_documents_by_state(),
        files_by_status=files.count_source_files_by_status(),
        connections=connections,
        recent=documents,
        failed_outbox=len(outbox.list_outbox(status="parked")),
        exports=receipts_exports(connections_repo),
        queue=queue_figures(session, live_within_seconds=live_within_seconds),
    )


def workspace_status(services: Services, slug: str | None = None) -> StatusReport:
    """`liasse status`: the report of one workspace, in a transaction of its own."""
    with services.repo(DocumentRepo, slug) as repo:
        return status_report(repo.session, repo.workspace_id)


def job_queue(session: Session, settings: Settings) -> QueueFigures | None:
    """The queue's figures for the status page; a worker is live while its heartbeat is
    younger than the stalled-job limit (after that its jobs go to another)."""
    return queue_figures(session, live_within_seconds=settings.jobs.stalled_seconds)


def receipts_exports(repo: ConnectionRepo) -> tuple[ExportLine, ...]:
    receipts = ReceiptsRepo(repo.session, repo.workspace_id)
    lines = []
    for connection in repo.list_connections():
        state = (receipts.export_state(connection.id)
                 if wiring_for(connection.kind).receipt_sink is not None else None)
        if state is None:
            continue
        files = Counter(record.status for record in receipts.receipts(state.id,
                                                                      state.generation))
        settings = state.settings
        lines.append(ExportLine(
            connection.name, state.enabled, f"{settings.schedule_time} {settings.timezone}",
            settings.filing_mode, state.last_run_at, state.next_run_at, state.last_error,
            dict(sorted(files.items()))))
    return tuple(lines)


def audit_lines(repo: DocumentRepo, document_id: str) -> tuple[AuditLine, ...]:
    return tuple(AuditLine(e.at, e.actor, e.before, e.after, e.reason, e.details)
                 for e in repo.audit_trail(document_id))
