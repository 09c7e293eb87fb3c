"""What a firm's folder says a document is: receipts stay receipts, sales documents are kept
for incoming payments and never posted as supplier invoices."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from liasse.connectors.localfolder import LocalFolderSource
from liasse.domain.ports import InvoiceToPost, PostResult, WorkspaceContext
from liasse.enrich.baseline import ConfidenceEnricher
from liasse.store import repo as store_repo
from liasse.store.blobs import BlobStore
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_session_factory
from liasse.store.documents_repo import DocumentRepo
from liasse.sync.pipeline import Pipeline
from liasse.sync.steps import SALES_REASON
from liasse.sync.window import run_window
from scripted import ScriptedExtractor, invoice_file


class Bank:
    def __init__(self) -> None:
        self.posted: list[str] = []

    def post(self, invoices: list[InvoiceToPost]) -> list[PostResult]:
        self.posted += [invoice.file_name for invoice in invoices]
        return [PostResult(i.document_id, f"si-{i.file_name}") for i in invoices]


def test_receipts_and_sales_folders_decide_the_document_kind(engine: Engine,
                                                             tmp_path: Path) -> None:
    sessions = make_session_factory(engine)
    folders = {kind: tmp_path / kind for kind in ("invoice", "receipt", "sales")}
    sources = {}
    with sessions.begin() as session:
        workspace = store_repo.create_workspace(session, "client", "Client")
        repo = ConnectionRepo(session, workspace.id)
        for kind, folder in folders.items():
            folder.mkdir()
            connection = repo.add_connection("localfolder", f"dropbox: {kind}",
                                             {"path": str(folder), "document_kind": kind})
            sources[connection.id] = LocalFolderSource(folder, settle_seconds=0)
    bank = Bank()
    pipeline = Pipeline(sessions=sessions, blobs=BlobStore(tmp_path / "blobs"),
                        context=WorkspaceContext(workspace.id, (), (), Decimal("0.55"),
                                                 Decimal("0.85")),
                        sources=sources, extractor=ScriptedExtractor(),
                        enricher=ConfidenceEnricher(), poster=bank)
    invoice_file(folders["invoice"], "bill.pdf", 0.95)
    invoice_file(folders["receipt"], "ticket.pdf", 0.95, invoice_number="T-1")
    invoice_file(folders["sales"], "our-invoice.pdf", 0.95, invoice_number="V-2026-1")
    run_window(pipeline)
    with sessions.begin() as session:
        documents = {d.file_name: d for d in
                     DocumentRepo(session, workspace.id).list_documents()}
        assert documents["ticket.pdf"].document_type == "receipt"
        assert documents["our-invoice.pdf"].state == "in_review"
        assert documents["our-invoice.pdf"].state_reason == SALES_REASON
    assert bank.posted == ["bill.pdf"]
