"""The demo inbox: one readable PDF per demo invoice, written once."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from liasse.samples.demo import DEMO_COMPANY, DEMO_INVOICES
from liasse.samples.inbox import render_invoice_pdf, write_demo_inbox


def test_writes_one_pdf_per_demo_invoice_then_nothing(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    written = write_demo_inbox(inbox)
    assert len(written) == len(DEMO_INVOICES)
    assert sorted(written) == sorted(inbox.iterdir())
    before = {path: path.stat().st_mtime_ns for path in written}
    assert write_demo_inbox(inbox) == []
    assert {path: path.stat().st_mtime_ns for path in written} == before


def test_an_existing_file_is_never_rewritten(tmp_path: Path) -> None:
    first = write_demo_inbox(tmp_path)[0]
    first.write_bytes(b"edited by the user")
    first.with_name("unrelated.pdf").write_bytes(b"x")
    assert write_demo_inbox(tmp_path) == []
    assert first.read_bytes() == b"edited by the user"


def test_demo_pdfs_show_their_number_total_and_supplier(tmp_path: Path) -> None:
    for invoice, path in zip(DEMO_INVOICES, write_demo_inbox(tmp_path), strict=True):
        document = pdfium.PdfDocument(path)
        text = document[0].get_textpage().get_text_range().replace("\u00a0", " ")
        document.close()
        euros, cents = invoice.total_amount.split(".")
        printed_total = f"{int(euros):,}".replace(",", " ") + f",{cents}"
        assert invoice.number in text
        assert printed_total in text
        assert invoice.supplier.name in text
        assert invoice.supplier.vat_id in text.replace(" ", "")
        assert DEMO_COMPANY.name in text


def test_rendering_is_reproducible() -> None:
    invoice = DEMO_INVOICES[1]
    assert render_invoice_pdf(invoice, DEMO_COMPANY) == render_invoice_pdf(invoice, DEMO_COMPANY)
