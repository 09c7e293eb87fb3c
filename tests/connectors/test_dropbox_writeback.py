"""Write-back naming, PDF stamping, idempotent writes, and firm folders tracked by id."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.endpoints import DropboxEndpoints
from liasse.connectors.dropbox.errors import WriteBackConflict
from liasse.connectors.dropbox.firm import FRENCH_LABELS, FirmFolders
from liasse.connectors.dropbox.models import FileMetadata
from liasse.connectors.dropbox.oauth import StaticToken
from liasse.connectors.dropbox.source import DropboxSource
from liasse.connectors.dropbox.writeback import DropboxWriter
from liasse.domain.filing import DEFAULT_PATTERN, processed_path, sanitise_name
from liasse.emulators.dropbox import DropboxState
from liasse.emulators.dropbox.inprocess import in_process_client
from liasse.sync.writeback import read_stamp, stamp_pdf_metadata

TOKEN = "writeback-token"
FACTS = {"issue_date": "2024-03-05", "supplier": "Acme", "number": "F-12",
         "total": "120.00", "currency": "EUR"}


@pytest.fixture
def state() -> DropboxState:
    return DropboxState(token=TOKEN)


@pytest.fixture
def client(state: DropboxState) -> Iterator[DropboxClient]:
    with in_process_client(state) as http:
        yield DropboxClient(http, StaticToken(TOKEN),
                            endpoints=DropboxEndpoints.single("http://dropbox.test"))


def make_pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, text)
    canvas.save()
    return buffer.getvalue()


def test_default_processed_path() -> None:
    assert processed_path(DEFAULT_PATTERN, "/Inbox", FACTS) == (
        "/Inbox/Processed/2024/03/2024-03-05_Acme_F-12_120.00EUR.pdf")


def test_names_are_sanitised_for_dropbox_and_desktop_clients() -> None:
    facts = {**FACTS, "supplier": 'ACME: "Paris/Lyon" <SARL>.', "number": "12|3?*"}
    path = processed_path(DEFAULT_PATTERN, "/Inbox", facts)
    name = path.rsplit("/", 1)[1]
    assert path.startswith("/Inbox/Processed/2024/03/")
    assert not set(name) & set('\\/:*?"<>|')
    assert sanitise_name("report. . ") == "report"
    long_name = sanitise_name("é" * 300 + ".pdf")
    assert long_name.endswith(".pdf") and len(long_name.encode()) <= 255
    undated = processed_path(DEFAULT_PATTERN, "/Inbox", {"supplier": None})
    assert undated == "/Inbox/Processed/undated/undated/undated_unknown_unknown_unknown.pdf"
    with pytest.raises(ValueError, match="unknown placeholder"):
        processed_path("{folder}/{nope}.pdf", "/Inbox", FACTS)


def test_stamp_keeps_original_bytes_as_prefix_and_adds_keys() -> None:
    original = make_pdf("Facture F-12")
    stamped = stamp_pdf_metadata(original, "https://liasse.example/r/42", "qonto-abc")
    assert stamped.startswith(original) and len(stamped) > len(original)
    assert read_stamp(stamped) == {"/LiasseRecord": "https://liasse.example/r/42",
                                   "/LiasseQontoId": "qonto-abc"}
    text = PdfReader(io.BytesIO(stamped)).pages[0].extract_text()
    assert "Facture F-12" in text
    assert read_stamp(stamp_pdf_metadata(original, "u", None)) == {"/LiasseRecord": "u"}


def test_write_is_idempotent_and_never_touches_the_source(
    client: DropboxClient, state: DropboxState
) -> None:
    source_meta = state.put_file("/Inbox/scan.pdf", b"original scan")
    data = stamp_pdf_metadata(make_pdf("x"), "https://liasse.example/r/1", None)
    writer = DropboxWriter(client)
    target = processed_path(DEFAULT_PATTERN, "/Inbox", FACTS)
    first = writer.write(target, data, "doc-1")
    again = writer.write(target, data, "doc-1")  # a retry after a crash
    assert (again.id, again.rev) == (first.id, first.rev)
    listing = client.list_folder("/Inbox", recursive=True)
    files = [e for e in listing.entries if isinstance(e, FileMetadata)]
    assert sorted(f.path_display for f in files) == ["/Inbox/Processed/2024/03/"
                                                     "2024-03-05_Acme_F-12_120.00EUR.pdf",
                                                     "/Inbox/scan.pdf"]
    source_now = client.get_metadata("/Inbox/scan.pdf")
    assert isinstance(source_now, FileMetadata) and source_now.rev == source_meta["rev"]


def test_write_after_a_lost_response_finds_the_file_already_there(
    client: DropboxClient, state: DropboxState
) -> None:
    data = make_pdf("lost response")
    landed = state.put_file("/Inbox/Processed/x.pdf", data)  # the upload did land earlier
    written = DropboxWriter(client).write("/Inbox/Processed/x.pdf", data, "doc-2")
    assert written.rev == landed["rev"]


def test_a_different_file_at_the_path_moves_to_a_stable_fallback(
    client: DropboxClient, state: DropboxState
) -> None:
    state.put_file("/Inbox/Processed/x.pdf", b"somebody else's file")
    writer = DropboxWriter(client)
    first = writer.write("/Inbox/Processed/x.pdf", b"ours", "key-ABCDEF123")
    assert first.path_display == "/Inbox/Processed/x [keyABCDE].pdf"
    assert writer.write("/Inbox/Processed/x.pdf", b"ours", "key-ABCDEF123").rev == first.rev
    state.put_file("/Inbox/Processed/y [keyABCDE].pdf", b"blocker")
    state.put_file("/Inbox/Processed/y.pdf", b"blocker too")
    with pytest.raises(WriteBackConflict):
        writer.write("/Inbox/Processed/y.pdf", b"ours", "key-ABCDEF123")


def test_firm_folders_are_created_once_and_survive_renames_and_moves(
    client: DropboxClient, state: DropboxState
) -> None:
    firm = FirmFolders(client)
    acme = firm.enable_client("/Clients", "Acme SARL")
    assert firm.enable_client("/Clients", "Acme SARL") == acme  # enabling twice adopts
    assert firm.resolve(acme.folder_ids["receipt"]) == (
        "/Clients/Acme SARL/Receipts")
    client.move("/Clients/Acme SARL", "/Clients/ACME (renamed)")
    client.move("/Clients/ACME (renamed)/Receipts", "/Clients/ACME (renamed)/Invoices/Tickets")
    state.put_file("/Clients/ACME (renamed)/Invoices/Tickets/t1.jpg", b"ticket")
    state.put_file("/Clients/ACME (renamed)/Invoices/f1.pdf", b"invoice")
    state.put_file("/Clients/ACME (renamed)/Sales documents/s1.pdf", b"sale")
    bolt = firm.enable_client("/Clients", "Bolt", FRENCH_LABELS)
    state.put_file("/Clients/Bolt/Reçus/r.png", b"receipt")
    locator = firm.locate([acme, bolt])
    entries = [e for page in DropboxSource(client, "/Clients").changes(None)
               for e in page.entries]
    placed = {e.path.rsplit("/", 1)[1]: locator.place(e) for e in entries}
    summary = {name: (p.client.client_name, p.kind) if p else None for name, p in placed.items()}
    assert summary == {
        "t1.jpg": ("Acme SARL", "receipt"),  # the deeper, moved folder wins over its parent
        "f1.pdf": ("Acme SARL", "invoice"),
        "s1.pdf": ("Acme SARL", "sales_document"),
        "r.png": ("Bolt", "receipt"),
    }
    client.delete("/Clients/Bolt/Reçus")
    assert firm.resolve(bolt.folder_ids["receipt"]) is None
