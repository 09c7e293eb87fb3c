"""XML attachments of PDFs: Factur-X files built here, read back under every usual name."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from pdfattach import attach_by_annotation
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from liasse.extract.attachments import embedded_xml_files, scan_xml_attachments
from liasse.extract.einvoice import cross_check, read_embedded_einvoice
from processes import python_lines

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "einvoice"

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"e-invoice samples not found at {SAMPLES}")


def sample(relative: str) -> bytes:
    return (SAMPLES / relative).read_bytes()


def visible_page(*lines: str) -> bytes:
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=A4)
    for index, line in enumerate(lines):
        drawing.drawString(72, 760 - 18 * index, line)
    drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def writer_with_page(*lines: str) -> pypdf.PdfWriter:
    return pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(visible_page(*lines))))


def to_bytes(writer: pypdf.PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with(attachments: list[tuple[str, bytes]], *lines: str) -> bytes:
    writer = writer_with_page(*(lines or ("FACTURE F20260023", "Total TTC 104,90 EUR")))
    for name, data in attachments:
        writer.add_attachment(name, data)
    return to_bytes(writer)


@pytest.mark.parametrize("name", ["factur-x.xml", "zugferd-invoice.xml", "ZUGFeRD-invoice.xml",
                                  "xrechnung.xml", "invoice-ubl.xml", "whatever.XML"])
def test_an_embedded_factur_x_is_found_whatever_its_name(name: str) -> None:
    xml = sample("facturx/factur-x-en16931.xml")
    files = embedded_xml_files(pdf_with([(name, xml)]))
    assert files == [(name, xml)]


def test_non_xml_attachments_are_ignored_and_xml_ones_kept() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    xml = sample("ubl/ubl-tc434-example1.xml")
    files = embedded_xml_files(pdf_with([("logo.png", png), ("peppol.xml", xml)]))
    assert files == [("peppol.xml", xml)]


def test_the_canonical_name_is_read_before_other_xml_files() -> None:
    order = sample("facturx/order-x-basic.xml")
    invoice = sample("facturx/factur-x-basic.xml")
    pdf = pdf_with([("aaa-order.xml", order), ("factur-x.xml", invoice)])
    assert [name for name, _ in embedded_xml_files(pdf)] == ["factur-x.xml", "aaa-order.xml"]
    outcome = read_embedded_einvoice(pdf)
    assert outcome.reading is not None
    assert outcome.reading.source == "factur-x.xml"
    assert outcome.reading.info.profile == "basic"


def test_a_pdf_carrying_only_an_order_x_has_no_invoice_and_says_why() -> None:
    outcome = read_embedded_einvoice(pdf_with([("order-x.xml", sample(
        "facturx/order-x-comfort.xml"))]))
    assert outcome.reading is None
    assert outcome.not_invoices == ["order-x.xml"]
    assert any("Order-X" in warning for warning in outcome.warnings)


def test_a_ubl_credit_note_attached_under_a_custom_name_is_read() -> None:
    outcome = read_embedded_einvoice(pdf_with([("avoir-28865.xml", sample(
        "ubl/ubl-tc434-creditnote1.xml"))]))
    assert outcome.reading is not None
    assert outcome.reading.document_type == "credit_note"
    assert outcome.reading.value("invoice_number") == "018304 / 28865"


def test_a_file_attachment_annotation_is_found() -> None:
    writer = writer_with_page("Rechnung 471102")
    xml = sample("facturx/zugferd-comfort.xml")
    attach_by_annotation(writer, "ZUGFeRD-invoice.xml", xml)
    outcome = read_embedded_einvoice(to_bytes(writer))
    assert outcome.reading is not None
    assert outcome.reading.info.syntax == "zugferd1"
    assert outcome.reading.value("total_amount") == "529.87"


def test_an_attachment_over_the_size_cap_is_skipped_with_a_warning() -> None:
    pdf = pdf_with([("factur-x.xml", sample("facturx/factur-x-en16931.xml"))])
    scan = scan_xml_attachments(pdf, max_bytes=10_000)
    assert scan.files == []
    assert any("larger than 10000 bytes" in warning for warning in scan.warnings)


def test_a_compressed_bomb_is_stopped_at_the_cap_without_inflating_it() -> None:
    writer = writer_with_page("bomb")
    attachment = writer.add_attachment("factur-x.xml", b"<a/>")
    bomb = DecodedStreamObject()
    bomb.set_data(b"<a>" + b" " * 60_000_000 + b"</a>")  # 60 MB that deflate to ~60 KB
    encoded = bomb.flate_encode()
    encoded[NameObject("/Type")] = NameObject("/EmbeddedFile")
    embedded = attachment.pdf_object["/EF"]
    assert isinstance(embedded, DictionaryObject)
    embedded[NameObject("/F")] = writer._add_object(encoded)
    pdf = to_bytes(writer)
    assert len(pdf) < 1_000_000
    scan = scan_xml_attachments(pdf, max_bytes=1_000_000)
    assert scan.files == []
    # pypdf's decoder stops at the cap ("limit reached"), before the 60 MB exist in memory.
    assert any("could not be read" in warning and "imit" in warning for warning in scan.warnings)


def test_a_password_protected_pdf_gives_no_files_and_a_warning() -> None:
    writer = writer_with_page("secret")
    writer.add_attachment("factur-x.xml", sample("facturx/factur-x-minimum.xml"))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="AES-128")
    scan = scan_xml_attachments(to_bytes(writer))
    assert scan.files == []
    assert any("password" in warning for warning in scan.warnings)


def test_an_owner_password_only_pdf_is_still_read() -> None:
    writer = writer_with_page("owner only")
    xml = sample("facturx/factur-x-minimum.xml")
    writer.add_attachment("factur-x.xml", xml)
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    assert embedded_xml_files(to_bytes(writer)) == [("factur-x.xml", xml)]


def test_cross_check_passes_on_a_pdf_that_shows_the_xml_facts() -> None:
    pdf = pdf_with([("factur-x.xml", sample("facturx/factur-x-en16931.xml"))],
                   "FACTURE N° F20260023", "Net à payer : 104,90 €")
    outcome = read_embedded_einvoice(pdf)
    assert outcome.reading is not None
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert cross_check(outcome.reading, text) == []


def test_cross_check_warns_when_the_pdf_shows_another_invoice() -> None:
    pdf = pdf_with([("factur-x.xml", sample("facturx/factur-x-en16931.xml"))],
                   "FACTURE N° F20260099", "Net à payer : 140,90 €")
    outcome = read_embedded_einvoice(pdf)
    assert outcome.reading is not None
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    warnings = cross_check(outcome.reading, text)
    assert len(warnings) == 2
    assert "104.90" in warnings[0]
    assert "F20260023" in warnings[1]


def test_cross_check_on_the_public_factur_x_sample_pdf() -> None:
    pdf = sample("facturx/invoice_EN16931.pdf")
    outcome = read_embedded_einvoice(pdf)
    assert outcome.reading is not None
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert cross_check(outcome.reading, text) == []



def test_the_reader_answers_an_e_invoice_pdf_in_plain_types(tmp_path: Path) -> None:
    """The parent unpickles the child's answer: pypdf's or lxml's own string types in it
    would import them (a tenth of a second each) into a process that never parses."""
    pdf = tmp_path / "facture.pdf"
    pdf.write_bytes(pdf_with([("factur-x.xml", sample("facturx/factur-x-en16931.xml"))],
                             "FACTURE N° F20260023", "Net à payer : 104,90 €"))
    script = ("import sys\nfrom liasse.extract.cascade import extract_document\n"
              f"result = extract_document(open({str(pdf)!r}, 'rb').read(), file='f.pdf')\n"
              "print(result.layer, result.value('invoice_number'))\n"
              "print([name for name in ('pypdf', 'lxml') if name in sys.modules])\n")
    assert python_lines(script) == ["einvoice F20260023", "[]"]
