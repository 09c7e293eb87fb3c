"""A supplier's payment confirmation is matched to the Qonto debit it confirms and its PDF
attached to that bank line, once, through the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from liasse.app.actions import approve
from liasse.app.wiring.qonto import QontoBankFeed
from liasse.connectors.localfolder import LocalFolderSource
from liasse.connectors.qonto.auth import ApiKeyAuth, ApiKeyCredentials
from liasse.connectors.qonto.client import QontoClient
from liasse.domain.ports import WorkspaceContext
from liasse.emulators.qonto.app import create_app
from liasse.emulators.qonto.inprocess import sync_transport
from liasse.emulators.qonto.seed import demo_state
from liasse.enrich.baseline import ConfidenceEnricher
from liasse.samples.demo import COWORK, DEMO_INVOICES
from liasse.store import repo as store_repo
from liasse.store.blobs import BlobStore
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_session_factory
from liasse.store.documents_repo import DocumentRepo
from liasse.sync.attachments import drain_attachments
from liasse.sync.bank import sync_bank
from liasse.sync.matching import run_matching
from liasse.sync.pipeline import Pipeline, utc_now
from liasse.sync.window import run_window
from scripted import ScriptedExtractor, invoice_file


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Iterator[dict[str, Any]]:
    bank = demo_state()
    bank.api_keys = {"atelier-liasse": "secret"}
    http = httpx.Client(transport=sync_transport(create_app(bank)), base_url="http://q.test")
    client = QontoClient(http, ApiKeyAuth(ApiKeyCredentials("atelier-liasse", "secret")),
                         base_url="http://q.test")
    sessions = make_session_factory(engine)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with sessions.begin() as session:
        workspace = store_repo.create_workspace(session, "acme", "Acme")
        repo = ConnectionRepo(session, workspace.id)
        folder = repo.add_connection("localfolder", "inbox", {"path": str(inbox)})
        qonto = repo.add_connection("qonto", "qonto", {})
    context = WorkspaceContext(workspace.id, (), (), Decimal("0.55"), Decimal("0.85"))
    pipeline = Pipeline(sessions=sessions, blobs=BlobStore(tmp_path / "blobs"), context=context,
                        sources={folder.id: LocalFolderSource(inbox, settle_seconds=0)},
                        extractor=ScriptedExtractor(), enricher=ConfidenceEnricher(),
                        poster=None)
    feed = QontoBankFeed(client, qonto.id)
    sync_bank(sessions, workspace.id, qonto.id, feed)
    yield {"bank": bank, "client": feed, "pipeline": pipeline, "inbox": inbox}
    http.close()


def test_a_confirmation_is_attached_to_the_debit_it_confirms(world: dict[str, Any]) -> None:
    paid = next(invoice for invoice in DEMO_INVOICES if invoice.supplier is COWORK)
    invoice_file(world["inbox"], "avis-de-virement.pdf", 0.95, type="payment_confirmation",
                 supplier_name=COWORK.name, supplier_iban=COWORK.iban,
                 invoice_number=paid.number, payment_reference=paid.payment_reference,
                 issue_date=paid.paid_on.isoformat(), total_amount=paid.total_amount)
    pipeline: Pipeline = world["pipeline"]
    run_window(pipeline)
    report = run_matching(pipeline.sessions, pipeline.context, utc_now)
    assert report.linked + report.proposed >= 1
    attached = drain_attachments(pipeline.sessions, pipeline.workspace_id, pipeline.blobs,
                                 world["client"], utc_now)
    again = drain_attachments(pipeline.sessions, pipeline.workspace_id, pipeline.blobs,
                              world["client"], utc_now)
    assert (attached, again) == (1, 0)
    debit = next(t for t in world["bank"].transactions.values()
                 if t.reference == paid.payment_reference)
    assert len(debit.attachment_ids) == 1
    with pipeline.sessions.begin() as session:
        document = DocumentRepo(session, pipeline.workspace_id).list_documents()[0]
        assert document.state == "matched"


def test_an_approved_receipt_is_attached_to_the_debit_that_paid_it_never_posted(
        world: dict[str, Any]) -> None:
    paid = next(invoice for invoice in DEMO_INVOICES if invoice.supplier is COWORK)
    invoice_file(world["inbox"], "ticket-cb.pdf", 0.97, type="receipt",
                 supplier_name=COWORK.name, supplier_iban=COWORK.iban,
                 invoice_number=paid.number, payment_reference=paid.payment_reference,
                 issue_date=paid.issue_date.isoformat(), total_amount=paid.total_amount)
    pipeline: Pipeline = world["pipeline"]
    run_window(pipeline)
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        approve(repo, repo.list_documents()[0].id, actor="user:ann@example.com")
    # The window's matching before posting finds the debit: attached, not posted.
    assert run_window(pipeline).posted == 0
    attached = drain_attachments(pipeline.sessions, pipeline.workspace_id, pipeline.blobs,
                                 world["client"], utc_now)
    assert attached == 1
    debit = next(t for t in world["bank"].transactions.values()
                 if t.reference == paid.payment_reference)
    assert len(debit.attachment_ids) == 1
    assert world["bank"].supplier_invoices == {}
    with pipeline.sessions.begin() as session:
        repo = DocumentRepo(session, pipeline.workspace_id)
        document = repo.list_documents()[0]
        assert (document.state, document.qonto_invoice_id) == ("matched", None)
        assert "receipt attached to the bank line" in repo.audit_trail(document.id)[-1].reason
