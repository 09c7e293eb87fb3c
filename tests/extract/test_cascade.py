"""The engine's entry point: layer choice, generated invoices with known truth, bad input."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from liasse.domain.extraction import FIELD_NAMES
from liasse.extract.cascade import ExtractOptions, extract_document, sniff
from liasse.extract.worker import IsolatedWorker, TimeLimitExceeded, WorkerError

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "einvoice"
IN_PROCESS = ExtractOptions(time_limit_seconds=0)


def invoice_pdf(*, pages: int = 1, encrypt: str | None = None) -> bytes:
    """A one-page French invoice (the demo's Cowork invoice); extra pages are blank-ish."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4, encrypt=encrypt)
    top = A4[1]
    rows = [(40, 40, "Cowork Rivoli SARL", 14), (330, 40, "FACTURE", 18),
            (40, 58, "88 rue de Rivoli - 75001 Paris", 9),
            (330, 80, "Facture n° : CR-2026-0117", 9), (330, 94, "Date de facture : 01/10/2026", 9),
            (330, 108, "Échéance : 15/10/2026", 9), (330, 150, "Facturé à", 8),
            (330, 162, "Atelier Liasse SAS", 10),
            (40, 260, "Bureau privatif 4 postes - octobre 2026", 9),
            (330, 420, "Total HT", 9), (330, 435, "TVA 20 %", 9), (330, 450, "Total TTC", 10),
            (40, 780, "Cowork Rivoli SARL au capital de 10 000 € - RCS Paris 194 127 726", 7),
            (40, 790, "TVA intracommunautaire FR40194127726 - www.cowork-rivoli.fr", 7),
            (40, 800, "IBAN FR38 3000 4052 7601 8955 5979 700", 7)]
    for x, y, text, size in rows:
        sheet.setFont("Helvetica", size)
        sheet.drawString(x, top - y, text)
    for y, amount in ((420, "1 250,00 €"), (435, "250,00 €"), (450, "1 500,00 €")):
        sheet.drawRightString(550, top - y, amount)
    sheet.showPage()
    for page in range(2, pages + 1):
        sheet.drawString(40, top - 40, f"Annexe {page}")
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


TRUTH = {
    "supplier_name": "Cowork Rivoli SARL", "supplier_vat_id": "FR40194127726",
    "supplier_siren": "194127726", "supplier_siret": None,
    "supplier_iban": "FR3830004052760189555979700", "supplier_domain": "cowork-rivoli.fr",
    "customer_name": "Atelier Liasse SAS", "customer_vat_id": None,
    "invoice_number": "CR-2026-0117", "issue_date": "2026-10-01", "due_date": "2026-10-15",
    "currency": "EUR", "net_amount": "1250.00", "tax_amount": "250.00",
    "total_amount": "1500.00", "payment_reference": None,
}


def test_a_born_digital_invoice_is_read_through_the_text_layer() -> None:
    data = invoice_pdf()
    result = extract_document(data, file="cowork.pdf", options=IN_PROCESS)
    assert result.layer == "text" and result.einvoice is None and result.errors == []
    assert result.document_type == "invoice"
    assert {name: result.value(name) for name in FIELD_NAMES} == TRUTH
    # The document is as sure as its weakest key field, never surer.
    keys = ("invoice_number", "issue_date", "total_amount")
    assert 0 < result.confidence <= min(result.fields[name].confidence for name in keys)
    assert len(result.sha256) == 64


def test_the_default_options_parse_in_the_worker_with_the_same_result() -> None:
    data = invoice_pdf()
    isolated = extract_document(data, file="cowork.pdf")
    assert {name: isolated.value(name) for name in FIELD_NAMES} == TRUTH


def test_the_own_company_is_the_customer_and_its_ids_never_the_suppliers() -> None:
    options = ExtractOptions(time_limit_seconds=0, own_names=("Cowork Rivoli SARL",),
                             own_identifiers=("FR40194127726",))
    result = extract_document(invoice_pdf(), file="x.pdf", options=options)
    assert result.value("supplier_name") != "Cowork Rivoli SARL"
    assert result.value("supplier_vat_id") is None


def test_only_max_pages_are_read_with_a_warning() -> None:
    options = ExtractOptions(time_limit_seconds=0, max_pages=2)
    result = extract_document(invoice_pdf(pages=30), file="long.pdf", options=options)
    assert result.value("total_amount") == "1500.00"
    assert any("first 2 of 30 pages" in warning for warning in result.warnings)


@pytest.mark.parametrize(("name", "data", "error"), [
    ("zero.pdf", b"", "empty"),
    ("text.pdf", b"just some text named .pdf", "not a PDF"),
    ("truncated.pdf", None, "cannot read the PDF"),
    ("corrupted.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 20, "cannot read the PDF"),
    ("encrypted.pdf", "encrypted", "password"),
])
def test_bad_input_is_an_error_entry_never_an_exception(name: str, data: bytes | str | None,
                                                        error: str) -> None:
    if data is None:
        data = invoice_pdf()[:400]
    elif data == "encrypted":
        data = invoice_pdf(encrypt="secret")
    assert isinstance(data, bytes)
    result = extract_document(data, file=name)
    assert result.errors and error in result.errors[0]
    assert result.confidence == 0.0
    assert set(result.to_json()["fields"]) == set(FIELD_NAMES)


def test_hostile_xml_is_an_error_entry() -> None:
    billion_laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                      b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><Invoice>&lol2;</Invoice>')
    result = extract_document(billion_laughs, file="bomb.xml")
    assert result.layer == "einvoice" and result.errors and result.confidence == 0.0


def test_an_image_without_ocr_is_an_error_not_a_crash() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    result = extract_document(png, file="scan.png", options=ExtractOptions(ocr="never"))
    assert result.errors and result.confidence == 0.0


def test_content_decides_the_kind_not_the_name() -> None:
    assert sniff(invoice_pdf()) == "pdf"
    assert sniff(b"\xef\xbb\xbf<?xml version='1.0'?><a/>") == "xml"
    assert sniff(b"\xff\xd8\xff\xe0rest") == "image"
    assert sniff(b"   ") == "empty"
    assert sniff(b"PK\x03\x04") == "unknown"


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared e-invoice samples not present")
def test_an_embedded_facturx_wins_and_no_einvoice_reads_the_page() -> None:
    data = (SAMPLES / "facturx" / "invoice_EN16931.pdf").read_bytes()
    structured = extract_document(data, file="fx.pdf")
    assert structured.layer == "einvoice" and structured.einvoice is not None
    assert structured.value("total_amount") is not None
    visual = extract_document(data, file="fx.pdf", options=ExtractOptions(use_einvoice=False))
    assert visual.layer == "text" and visual.einvoice is None


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared e-invoice samples not present")
def test_a_standalone_xml_is_read_and_order_x_refused() -> None:
    invoice = extract_document((SAMPLES / "cii" / "CII_example1.xml").read_bytes(), file="a.xml")
    assert invoice.layer == "einvoice" and invoice.errors == []
    order = extract_document((SAMPLES / "facturx" / "order-x-basic.xml").read_bytes(),
                             file="o.xml")
    assert order.errors and order.confidence == 0.0


def test_a_parse_that_hangs_is_stopped_at_the_time_limit() -> None:
    worker = IsolatedWorker()
    try:
        started = time.perf_counter()
        with pytest.raises(TimeLimitExceeded):
            worker.run(time.sleep, 30, seconds=0.5)
        assert time.perf_counter() - started < 10
        assert worker.run(abs, -3, seconds=10) == 3  # a fresh child took over
        with pytest.raises(WorkerError, match="ValueError"):
            worker.run(int, "not a number", seconds=10)
    finally:
        worker.close()


def test_an_ocr_failure_is_one_line_without_the_engines_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import liasse.extract.ocr as ocr

    def failing(request: object) -> None:
        raise RuntimeError('Traceback (most recent call last):\n  File "/venv/lib/infer.py",'
                           ' line 196, in __call__\n    return self.session.run()\n'
                           "RuntimeException: Status Message: std::bad_alloc\n")

    monkeypatch.setattr(ocr, "run_ocr", failing)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    result = extract_document(png, file="scan.png", options=IN_PROCESS)
    assert result.errors == ["OCR failed: RuntimeException: Status Message: std::bad_alloc"]
