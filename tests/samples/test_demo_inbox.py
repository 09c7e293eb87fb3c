"""The demo inbox: one readable PDF per demo invoice, written once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from liasse.extract.cascade import extract_document
from liasse.samples.demo import (
    DEMO_COMPANY,
    DEMO_INVOICES,
    FRENCH_MONTHS,
    REFERENCE_DAY,
    demo_invoices,
)
from liasse.samples.inbox import render_invoice_pdf, write_demo_inbox


def test_writes_one_pdf_per_demo_invoice_then_nothing(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    written = write_demo_inbox(inbox, REFERENCE_DAY)
    assert len(written) == len(DEMO_INVOICES)
    assert sorted(written) == sorted(inbox.iterdir())
    before = {path: path.stat().st_mtime_ns for path in written}
    assert write_demo_inbox(inbox, REFERENCE_DAY) == []
    assert {path: path.stat().st_mtime_ns for path in written} == before


def test_an_existing_file_is_never_rewritten(tmp_path: Path) -> None:
    first = write_demo_inbox(tmp_path, REFERENCE_DAY)[0]
    first.write_bytes(b"edited by the user")
    first.with_name("unrelated.pdf").write_bytes(b"x")
    assert write_demo_inbox(tmp_path, REFERENCE_DAY) == []
    assert first.read_bytes() == b"edited by the user"


def test_demo_pdfs_show_their_number_total_and_supplier(tmp_path: Path) -> None:
    for invoice, path in zip(DEMO_INVOICES, write_demo_inbox(tmp_path, REFERENCE_DAY), strict=True):
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


@pytest.mark.parametrize("day", [date(2027, 1, 1), date(2027, 2, 28), date(2026, 12, 31),
                                 REFERENCE_DAY])
def test_demo_invoices_fall_in_the_month_of_their_day(day: date) -> None:
    invoices = demo_invoices(day)
    assert invoices == demo_invoices(day)  # the same day always gives the same demo
    for invoice in invoices:
        assert (invoice.issue_date.year, invoice.issue_date.month) == (day.year, day.month)
        assert invoice.issue_date <= invoice.paid_on <= day  # the sandbox already paid it
        assert invoice.paid_on <= invoice.due_date
    texts = " ".join(line.description for invoice in invoices for line in invoice.lines)
    assert str(day.year) in invoices[0].number and FRENCH_MONTHS[day.month - 1] in texts
    assert f"{day.year}-{day.month:02d}" in invoices[-1].number
    assert str(day.year - 1) not in texts + " ".join(i.number for i in invoices)


def test_the_demo_of_the_first_of_a_month_reads_as_written(tmp_path: Path) -> None:
    """Dates and numbers change with the day: the extractor still reads what is printed."""
    day = date(2027, 1, 1)
    for invoice, path in zip(demo_invoices(day), write_demo_inbox(tmp_path, day), strict=True):
        fields = extract_document(path.read_bytes(), file=path.name).fields
        assert fields["invoice_number"].value == invoice.number
        assert str(fields["issue_date"].value) == invoice.issue_date.isoformat()
        assert str(fields["due_date"].value) == invoice.due_date.isoformat()
        assert str(fields["total_amount"].value) == invoice.total_amount
