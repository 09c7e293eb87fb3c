"""A Qonto connection's window: bank lines into the store, then matching against them."""

from __future__ import annotations

from dataclasses import dataclass

from liasse.app import adapters
from liasse.app.services import Services, workspace_context
from liasse.connectors.qonto.errors import NeedsReconnect as QontoNeedsReconnect
from liasse.domain.errors import NeedsReconnect, StepFailure
from liasse.store import repo as store_repo
from liasse.store.repo import WorkspaceRepo
from liasse.sync.attachments import drain_attachments
from liasse.sync.bank import sync_bank
from liasse.sync.counts import Counts
from liasse.sync.matching import run_matching
from liasse.sync.pipeline import utc_now
from liasse.sync.receipts_window import run_due_exports


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


def run_bank_window(services: Services, slug: str, connection_id: str) -> BankWindowReport:
    report = BankWindowReport()
    with services.sessions.begin() as session:
        workspace = store_repo.find_workspace_by_slug(session, slug)
        assert workspace is not None
        context = workspace_context(workspace, services.settings)
        connection = WorkspaceRepo(session, workspace.id).get_connection(connection_id)
        config = dict(connection.config)
    secret = adapters.SecretJsonStore(services.sessions, context.workspace_id,
                                      services.keyring(), adapters.qonto_secret_name(connection_id))
    client = adapters.qonto_client(secret, config, services.settings)
    try:
        synced = sync_bank(services.sessions, context.workspace_id, connection_id, client)
    except NeedsReconnect as exc:
        _set_status(services, slug, connection_id, "needs_reconnect", str(exc))
        report.failed += 1
        return report
    except StepFailure as exc:
        _set_status(services, slug, connection_id, "active", f"bank sync failed: {exc}")
        report.failed += 1
    else:
        report.inserted, report.updated = synced.inserted, synced.updated
        report.failed += len(synced.failures)
        error = "; ".join(synced.failures) or None
        _set_status(services, slug, connection_id, "active", error)
    report.add(run_matching(services.sessions, context, utc_now), "linked", "proposed", "alerts")
    try:
        report.attached = drain_attachments(services.sessions, context.workspace_id,
                                            services.blobs, client, utc_now)
    except QontoNeedsReconnect as exc:
        _set_status(services, slug, connection_id, "needs_reconnect", str(exc))
        report.failed += 1
        return report
    for export in run_due_exports(services, context.workspace_id, connection_id, client):
        report.exported += export.exported + export.re_exported
        report.failed += export.failed
    return report


def _set_status(services: Services, slug: str, connection_id: str, status: str,
                error: str | None) -> None:
    with services.workspace_repo(slug) as repo:
        repo.set_connection_status(connection_id, status, error)
        if status == "active":
            repo.get_connection(connection_id).last_sync_at = utc_now()
