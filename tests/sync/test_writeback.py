"""Write-back through the outbox, on the Dropbox emulator on loopback: once, stamped with the
record link, retried and parked visibly on failure, never after a disconnect."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from reportlab.pdfgen.canvas import Canvas

from liasse.app import connections
from liasse.app.pipelines import build_pipeline
from liasse.app.services import Services, open_services
from liasse.app.settings import load_settings
from liasse.app.setup import initialise
from liasse.app.wiring.dropbox import DropboxDocumentWriter
from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.endpoints import DropboxEndpoints
from liasse.connectors.dropbox.oauth import StaticToken
from liasse.connectors.dropbox.writeback import DropboxWriter
from liasse.domain.extraction import ExtractedField, ExtractionResult
from liasse.domain.ports import InvoiceToPost, PostResult, WorkspaceContext
from liasse.emulators.dropbox.serve import running_emulator
from liasse.emulators.dropbox.state import DropboxState
from liasse.emulators.faults import FaultRule
from liasse.enrich.baseline import ConfidenceEnricher
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.views import OUTBOX_DROPBOX_WRITE
from liasse.sync import writeback
from liasse.sync.pipeline import Pipeline, RetryPolicy
from liasse.sync.window import run_window
from liasse.sync.writeback import QONTO_KEY, RECORD_KEY, read_stamp

TOKEN = "writeback-step-token"
PUBLIC_URL = "https://liasse.example"
PROCESSED = "/Invoices/Processed/2026/10/2026-10-01_Cowork Rivoli_F-1_120.00EUR.pdf"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def make_pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, text)
    canvas.save()
    return buffer.getvalue()


class SureExtractor:
    """Reads every file as the same sure invoice, numbered after its file name."""

    def extract(self, data: bytes, *, file_name: str, context: WorkspaceContext
                ) -> ExtractionResult:
        values = {"supplier_name": "Cowork Rivoli", "invoice_number": "F-" + file_name[0],
                  "issue_date": "2026-10-01", "total_amount": "120.00", "currency": "EUR"}
        return ExtractionResult(
            file=file_name, sha256="", layer="text", einvoice=None, document_type="invoice",
            fields={name: ExtractedField(value, 0.99, "test") for name, value in values.items()},
            confidence=0.99)


@dataclass
class FakeBank:
    invoices: dict[str, str] = field(default_factory=dict)

    def post(self, invoices: list[InvoiceToPost]) -> list[PostResult]:
        return [PostResult(i.document_id, self.invoices.setdefault(
            i.idempotency_key, f"si-{len(self.invoices)}")) for i in invoices]


@dataclass
class World:
    services: Services
    state: DropboxState
    base_url: str
    clock: list[datetime]

    def pipeline(self) -> Pipeline:
        pipeline = build_pipeline(self.services)
        # Routing by confidence alone: these tests are about write-back, not enrichment.
        return replace(pipeline, extractor=SureExtractor(), enricher=ConfidenceEnricher(),
                       clock=lambda: self.clock[0],
                       retry=RetryPolicy(max_attempts=3, first_delay_seconds=60))

    def processed_files(self) -> list[str]:
        return sorted(path for path in self.state.tree.nodes
                      if path.startswith("/invoices/processed/") and path.endswith(".pdf"))

    def outbox(self) -> list[tuple[str, int, str | None]]:
        with self.services.repo(OutboxRepo) as repo:
            return [(item.status, item.attempts, item.last_error)
                    for item in repo.list_outbox() if item.kind == OUTBOX_DROPBOX_WRITE]


@pytest.fixture
def world(clean_environment: Path, request: pytest.FixtureRequest) -> Iterator[World]:
    config = getattr(request, "param", {})
    state = DropboxState(token=TOKEN)
    state.create_folder("/Invoices")
    with running_emulator(state) as base_url:
        settings = load_settings(qonto={"mode": "off"}, dropbox={"base_url": base_url},
                                 web={"public_url": PUBLIC_URL})
        initialise(settings)
        services = open_services(settings)
        services.poster = FakeBank()
        connections.connect_dropbox_with_token(
            services, connections.DropboxTarget("dropbox", "/Invoices", write_back=True), TOKEN)
        if config:
            with services.repo(ConnectionRepo) as repo:
                connection = repo.connection_by_name("dropbox")
                assert connection is not None
                connection.config = {**connection.config, **config}
        yield World(services, state, base_url, [T0])
        services.close()


def quick_writer(world: World) -> DropboxDocumentWriter:
    """A writer whose client does not sleep between retries (the failure tests)."""
    client = DropboxClient(httpx.Client(), StaticToken(TOKEN),
                           endpoints=DropboxEndpoints.single(world.base_url),
                           sleep=lambda _: None)
    return DropboxDocumentWriter(DropboxWriter(client), PUBLIC_URL)


def document_id(world: World) -> str:
    with world.services.repo(DocumentRepo) as repo:
        (document,) = repo.list_documents()
        return document.id


def test_a_posted_document_is_filed_back_once_with_its_links(world: World) -> None:
    source = make_pdf("invoice F-1")
    world.state.put_file("/Invoices/1.pdf", source)
    counts = run_window(world.pipeline())
    assert counts.posted == 1
    assert world.processed_files() == [PROCESSED.lower()]
    _, written = world.state.tree.download(PROCESSED)
    assert written.startswith(source)  # stamped as an incremental update
    ident = document_id(world)
    assert read_stamp(written) == {RECORD_KEY: f"{PUBLIC_URL}/w/default/documents/{ident}",
                                   QONTO_KEY: "si-0"}
    assert world.state.tree.download("/Invoices/1.pdf")[1] == source  # source untouched
    run_window(world.pipeline())
    run_window(world.pipeline())
    assert world.processed_files() == [PROCESSED.lower()]
    assert world.outbox() == [("done", 1, None)]
    with world.services.repo(DocumentRepo) as repo:
        assert repo.get_document(ident).state == "posted"
        reasons = [event.reason for event in repo.audit_trail(ident)]
    assert f"filed back to Dropbox at {PROCESSED}" in reasons


@pytest.mark.parametrize("world", [{"write_back_after": "approved"}], indirect=True)
def test_write_back_after_approval_does_not_wait_for_qonto(world: World) -> None:
    world.services.poster = None
    world.state.put_file("/Invoices/1.pdf", make_pdf("invoice F-1"))
    run_window(world.pipeline())
    with world.services.repo(DocumentRepo) as repo:
        assert repo.get_document(document_id(world)).state == "approved"
    stamp = read_stamp(world.state.tree.download(PROCESSED)[1])
    assert stamp.keys() == {RECORD_KEY}  # no Qonto id before the post


def test_by_default_an_approved_document_waits_for_its_post(world: World) -> None:
    world.services.poster = None
    world.state.put_file("/Invoices/1.pdf", make_pdf("invoice F-1"))
    run_window(world.pipeline())
    assert world.processed_files() == []
    assert world.outbox() == []


@pytest.mark.parametrize("world", [{"write_back": False}], indirect=True)
def test_no_write_without_write_back(world: World) -> None:
    world.state.put_file("/Invoices/1.pdf", make_pdf("invoice F-1"))
    assert world.pipeline().writers == {}
    assert run_window(world.pipeline()).posted == 1
    assert world.processed_files() == []


def test_non_pdf_content_is_written_as_is(world: World) -> None:
    image = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    world.state.put_file("/Invoices/1.png", image)
    run_window(world.pipeline())
    (path,) = world.processed_files()
    assert world.state.tree.download(path)[1] == image


def test_failures_are_retried_visibly_then_parked_and_the_document_stays_posted(
        world: World) -> None:
    world.state.put_file("/Invoices/1.pdf", make_pdf("invoice F-1"))
    world.state.faults.add(FaultRule(route="files/upload", kind="server_error", times=None))
    pipeline = replace(world.pipeline(), writers={
        key: quick_writer(world) for key in world.pipeline().writers})
    counts = run_window(pipeline)
    assert (counts.posted, counts.failed) == (1, 1)
    ((status, attempts, error),) = world.outbox()
    assert (status, attempts) == ("pending", 1) and error and "503" in error
    writeback.drain_write_outbox(pipeline)
    assert world.outbox()[0][:2] == ("pending", 1)  # not due yet: backoff
    for _ in range(2):
        world.clock[0] += timedelta(hours=1)
        writeback.drain_write_outbox(pipeline)
    assert world.outbox()[0][:2] == ("parked", 3)
    ident = document_id(world)
    with world.services.repo(DocumentRepo) as repo:
        assert repo.get_document(ident).state == "posted"
        reasons = [event.reason for event in repo.audit_trail(ident)]
    assert any("parked after 3 attempts" in reason for reason in reasons)
    assert world.processed_files() == []


def test_a_disconnected_connection_gets_no_writes(world: World) -> None:
    world.state.put_file("/Invoices/1.pdf", make_pdf("invoice F-1"))
    world.state.faults.add(FaultRule(route="files/upload", kind="server_error", times=None))
    pipeline = replace(world.pipeline(), writers={
        key: quick_writer(world) for key in world.pipeline().writers})
    assert run_window(pipeline).posted == 1
    assert world.outbox()[0][0] == "pending"
    connections.disconnect(world.services, "dropbox")
    world.state.faults.clear()  # Dropbox works again: only the disconnect stops the write
    world.clock[0] += timedelta(hours=1)
    assert writeback.drain_write_outbox(pipeline).written == 0  # pending intent, no write
    assert world.processed_files() == []
    assert build_pipeline(world.services).writers == {}
