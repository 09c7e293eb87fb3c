"""A bank connection's window: bank lines into the store, matching against them, the
confirmations attached, then the receipts exports that are due.

`BankPipeline` is the bank side's counterpart of the document `Pipeline`: the wiring
builds it (the feed, the receipts source, a sink per export destination) and this module
only runs it. An export is keyed by its destination (a Dropbox connection); a destination
that is not active (disconnected, or waiting for a reconnect) exports nothing: files
already exported stay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from liasse.domain.errors import NeedsReconnect, StepFailure
from liasse.domain.ports import BankFeed, WorkspaceContext
from liasse.domain.receipts import ReceiptSink, ReceiptSource
from liasse.store.blobs import BlobStorage
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.match_repo import MatchRepo
from liasse.store.receipts_repo import ReceiptsRepo, receipts_repo_scope
from liasse.sync.attachments import drain_attachments
from liasse.sync.bank import sync_bank
from liasse.sync.counts import Counts
from liasse.sync.matching import run_matching
from liasse.sync.pipeline import utc_now
from liasse.sync.receipts import ExportReport, ReceiptExporter


@dataclass
class BankPipeline:
    """Everything one bank connection's window works with."""

    sessions: sessionmaker[Session]
    blobs: BlobStorage
    context: WorkspaceContext
    connection_id: str
    feed: BankFeed
    receipts: ReceiptSource
    # The receipts export's destination by connection id (only asked for an active one).
    receipt_sink: Callable[[str], ReceiptSink]
    clock: Callable[[], datetime] = field(default=utc_now)

    @property
    def workspace_id(self) -> str:
        return self.context.workspace_id


@dataclass
class BankWindowReport(Counts):
    inserted: int = 0
    updated: int = 0
    failed: int = 0
    linked: int = 0
    proposed: int = 0
    alerts: int = 0
    exported: int = 0
    attached: int = 0


def run_bank_window(pipeline: BankPipeline) -> BankWindowReport:
    report = BankWindowReport()
    try:
        synced = sync_bank(pipeline.sessions, pipeline.workspace_id, pipeline.connection_id,
                           pipeline.feed)
    except NeedsReconnect as exc:
        _set_status(pipeline, "needs_reconnect", str(exc))
        report.failed += 1
        return report
    except StepFailure as exc:
        _set_status(pipeline, "active", f"bank sync failed: {exc}")
        report.failed += 1
    else:
        report.inserted, report.updated = synced.inserted, synced.updated
        report.failed += len(synced.failures)
        _set_status(pipeline, "active", "; ".join(synced.failures) or None)
    report.add(run_matching(pipeline.sessions, pipeline.context, pipeline.clock),
               "linked", "proposed", "alerts")
    try:
        report.attached = drain_attachments(pipeline.sessions, pipeline.workspace_id,
                                            pipeline.blobs, pipeline.feed, pipeline.clock)
    except NeedsReconnect as exc:
        _set_status(pipeline, "needs_reconnect", str(exc))
        report.failed += 1
        return report
    for export in run_due_exports(pipeline):
        report.exported += export.exported + export.re_exported
        report.failed += export.failed
    return report


def run_due_exports(pipeline: BankPipeline) -> list[ExportReport]:
    """The receipts exports due now, each into its (active) destination."""
    with pipeline.sessions.begin() as session:
        due = ReceiptsRepo(session, pipeline.workspace_id).exports_due(pipeline.clock())
        repo = ConnectionRepo(session, pipeline.workspace_id)
        destinations = [export.connection_id for export in due
                        if repo.get_connection(export.connection_id).status == "active"]
    reports = []
    for connection_id in destinations:
        exporter = ReceiptExporter(
            receipts_repo_scope(pipeline.sessions, pipeline.workspace_id),
            pipeline.receipts, pipeline.receipt_sink(connection_id),
            account_lookup=ledger_accounts(pipeline.sessions, pipeline.workspace_id),
        )
        reports.append(exporter.run(connection_id))
    return reports


def ledger_accounts(sessions: sessionmaker[Session], workspace_id: str
                    ) -> Callable[[str], str | None]:
    """Transaction id → the ledger account of the invoice it paid (for by-account filing)."""
    with sessions.begin() as session:
        repo = DocumentRepo(session, workspace_id)
        accounts: dict[str, str] = {}
        for document_id, transaction_ids in MatchRepo(session, workspace_id).settled().items():
            account = repo.get_document(document_id).ledger_account
            for transaction_id in transaction_ids:
                if account:
                    accounts.setdefault(transaction_id, account)
    return accounts.get


def _set_status(pipeline: BankPipeline, status: str, error: str | None) -> None:
    with pipeline.sessions.begin() as session:
        repo = ConnectionRepo(session, pipeline.workspace_id)
        repo.set_connection_status(pipeline.connection_id, status, error)
        if status == "active":
            repo.get_connection(pipeline.connection_id).last_sync_at = pipeline.clock()
