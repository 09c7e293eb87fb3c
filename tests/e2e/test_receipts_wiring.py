"""The receipts export as `liasse run` drives it: a Qonto connection's window exports the
receipts of its bank lines into the connected Dropbox, once, filed by account and month."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path

import httpx
import pytest

from liasse.app import connections
from liasse.app.pipelines import run_bank_window
from liasse.app.services import Services, open_services
from liasse.app.settings import load_settings
from liasse.app.setup import initialise
from liasse.connectors.qonto.auth import ApiKeyAuth, ApiKeyCredentials
from liasse.connectors.qonto.client import QontoClient
from liasse.emulators.dropbox.serve import running_emulator
from liasse.emulators.dropbox.state import DropboxState
from liasse.emulators.qonto.app import create_app
from liasse.emulators.qonto.embedded import serve_in_thread
from liasse.emulators.qonto.seed import demo_state
from liasse.emulators.qonto.state import QontoState
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.receipts_repo import ExportSettings

TOKEN = "receipts-token"
API_KEY = "atelier-liasse:receipts-secret"


@pytest.fixture
def services(clean_environment: Path) -> Iterator[tuple[Services, DropboxState]]:
    dropbox = DropboxState(token=TOKEN)
    dropbox.create_folder("/Invoices")  # connect checks the folder exists
    bank = demo_state()
    login, _, secret = API_KEY.partition(":")
    bank.api_keys = {login: secret}
    server, port = serve_in_thread(create_app(bank), "127.0.0.1", 0)
    attach_receipts(f"http://127.0.0.1:{port}", bank)
    with running_emulator(dropbox) as dropbox_url:
        settings = load_settings(qonto={"mode": "off"}, dropbox={"base_url": dropbox_url})
        initialise(settings)
        services = open_services(settings)
        connections.connect_dropbox_with_token(
            services, connections.DropboxTarget("dropbox", "/Invoices"), TOKEN)
        connections.connect_qonto_api_key(services, API_KEY, base_url=f"http://127.0.0.1:{port}",
                                          emulator=True)
        yield services, dropbox
        services.close()
    server.should_exit = True


def attach_receipts(base_url: str, bank: QontoState) -> None:
    """A user's receipts: card payments since September get a PDF in Qonto."""
    login, _, secret = API_KEY.partition(":")
    client = QontoClient(httpx.Client(), ApiKeyAuth(ApiKeyCredentials(login, secret)),
                         base_url=base_url)
    cards = [t for t in bank.transactions.values()
             if t.operation_type == "card" and t.settled_at
             and t.settled_at.date() >= date(2026, 9, 2)][:6]
    for transaction in cards:
        name = f"receipt-{transaction.id[:8]}.pdf"
        client.attach_to_transaction(transaction.id, name, _pdf(name), f"attach-{transaction.id}")


def _pdf(text: str) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, text)
    canvas.save()
    return out.getvalue()


def exported_paths(dropbox: DropboxState) -> list[str]:
    page = dropbox.tree.list_folder("/Qonto", True, False, limit=2000)
    return sorted(e["path_display"] for e in page.entries if e[".tag"] == "file")


def qonto_connection(services: Services) -> str:
    with services.repo(ConnectionRepo) as repo:
        found = repo.connection_by_name("qonto")
        assert found is not None
        return found.id


def test_receipts_are_exported_once_by_account_folder_and_month(
        services: tuple[Services, DropboxState]) -> None:
    liasse, dropbox = services
    connections.configure_receipts_export(liasse, "dropbox", ExportSettings(date(2026, 9, 1)))
    report = run_bank_window(liasse, "default", qonto_connection(liasse))
    paths = exported_paths(dropbox)
    assert report.exported == len(paths) > 0
    assert all(path.startswith("/Qonto/") and path.count("/") == 4 for path in paths)
    assert all(path.split("/")[3] >= "2026-09" for path in paths)  # from the start date on
    connections.reset_receipts_export(liasse, "dropbox")  # even a full re-run writes nothing twice
    run_bank_window(liasse, "default", qonto_connection(liasse))
    assert exported_paths(dropbox) == paths


def test_a_stopped_export_writes_nothing(services: tuple[Services, DropboxState]) -> None:
    liasse, dropbox = services
    connections.configure_receipts_export(liasse, "dropbox", ExportSettings(date(2026, 9, 1)))
    connections.stop_receipts_export(liasse, "dropbox")
    assert run_bank_window(liasse, "default", qonto_connection(liasse)).exported == 0
    assert dropbox.tree.find("/Qonto") is None


def test_the_demo_sandbox_has_receipts_for_the_export_to_file(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A newcomer turns the export on in the demo: the sandbox's receipts land in Dropbox."""
    from pypdf import PdfReader

    from liasse.app.sandbox import SANDBOX_CONNECTION, start_embedded_qonto
    from liasse.emulators.qonto.seed import DEMO_RECEIPTS, RECEIPT_MERCHANTS
    from liasse.samples.demo import REFERENCE_DAY

    dropbox = DropboxState(token=TOKEN)
    dropbox.create_folder("/Invoices")
    with running_emulator(dropbox) as dropbox_url:
        monkeypatch.setenv("LIASSE_DROPBOX__BASE_URL", dropbox_url)
        settings = load_settings()
        initialise(settings, demo=True, today=REFERENCE_DAY)
        liasse = open_services(settings)
        sandbox = start_embedded_qonto(liasse, lambda line: None, today=REFERENCE_DAY)
        try:
            connections.connect_dropbox_with_token(
                liasse, connections.DropboxTarget("dropbox", "/Invoices"), TOKEN)
            connections.configure_receipts_export(
                liasse, "dropbox", ExportSettings(REFERENCE_DAY.replace(day=1, month=1)))
            with liasse.repo(ConnectionRepo) as repo:
                bank = repo.connection_by_name(SANDBOX_CONNECTION)
                assert bank is not None
                sandbox_id = bank.id
            report = run_bank_window(liasse, "default", sandbox_id)
        finally:
            sandbox.stop()
            liasse.close()
    paths = exported_paths(dropbox)
    assert report.exported == len(paths) == DEMO_RECEIPTS
    for path in paths:  # each one a till receipt of the card payment it is filed under
        text = PdfReader(BytesIO(dropbox.tree.download(path)[1])).pages[0].extract_text()
        assert any(merchant in text for merchant in RECEIPT_MERCHANTS), text
