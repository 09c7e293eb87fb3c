"""Run the receipts exports that are due, from a Qonto connection's window.

An export is keyed by its destination (a Dropbox connection); its source is the Qonto
connection whose window runs it. A destination that is not active (disconnected, or
waiting for a reconnect) exports nothing: files already exported stay.
"""

from __future__ import annotations

from collections.abc import Callable

from liasse.app import adapters
from liasse.app.services import Services
from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.receipts_sink import DropboxReceiptSink
from liasse.connectors.qonto.client import QontoClient
from liasse.connectors.qonto.receipts_source import QontoReceiptSource
from liasse.store.match_repo import MatchRepo
from liasse.store.receipts_repo import ReceiptsRepo, receipts_repo_scope
from liasse.store.repo import WorkspaceRepo
from liasse.sync.pipeline import utc_now
from liasse.sync.receipts import ExportReport, ReceiptExporter


def run_due_exports(services: Services, workspace_id: str, qonto_connection_id: str,
                    qonto: QontoClient) -> list[ExportReport]:
    with services.sessions.begin() as session:
        due = ReceiptsRepo(session, workspace_id).exports_due(utc_now())
        repo = WorkspaceRepo(session, workspace_id)
        targets = [(export.connection_id, dict(repo.get_connection(export.connection_id).config))
                   for export in due
                   if repo.get_connection(export.connection_id).status == "active"]
    reports = []
    for connection_id, _config in targets:
        exporter = ReceiptExporter(
            receipts_repo_scope(services.sessions, workspace_id),
            QontoReceiptSource(qonto, qonto_connection_id),
            DropboxReceiptSink(_dropbox_client(services, workspace_id, connection_id)),
            account_lookup=ledger_accounts(services, workspace_id),
        )
        reports.append(exporter.run(connection_id))
    return reports


def _dropbox_client(services: Services, workspace_id: str, connection_id: str
                    ) -> DropboxClient:
    secret = adapters.SecretJsonStore(services.sessions, workspace_id, services.keyring(),
                                      adapters.dropbox_secret_name(connection_id))
    return adapters.dropbox_client(services.settings, secret, connection_id, lambda _: None)


def ledger_accounts(services: Services, workspace_id: str) -> Callable[[str], str | None]:
    """Transaction id → the ledger account of the invoice it paid (for by-account filing)."""
    with services.sessions.begin() as session:
        repo = WorkspaceRepo(session, workspace_id)
        accounts: dict[str, str] = {}
        for document_id, transaction_ids in MatchRepo(session, workspace_id).settled().items():
            account = repo.get_document(document_id).ledger_account
            for transaction_id in transaction_ids:
                if account:
                    accounts.setdefault(transaction_id, account)
    return accounts.get
