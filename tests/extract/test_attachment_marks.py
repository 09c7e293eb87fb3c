"""The pre-check that spares most PDFs the attachment scanner (`extract.attachment_marks`):
it may say "maybe" too often, never "no" for a PDF whose attachment the scanner finds."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pypdf
import pytest
from pdfattach import attach_by_annotation

from liasse.extract.attachment_marks import may_carry_attachments
from liasse.extract.attachments import scan_xml_attachments
from liasse.extract.text import PdfRequest, parse_pdf
from liasse.extract.warm_up import pdf_of_objects, warm_up_pdf
from processes import python_lines

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
XML = (b'<?xml version="1.0" encoding="UTF-8"?>\n<rsm:CrossIndustryInvoice xmlns:rsm='
       b'"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>')
SPEC = (b"<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /AFRelationship /Data "
        b"/EF << /F 5 0 R >> >>")
EMBEDDED = b"<< /Type /EmbeddedFile /Subtype /text#2Fxml /Length %d >>\nstream\n%s\nendstream" % (
    len(XML), XML)


def classic_pdf(catalog_extra: bytes = b"", *more: bytes) -> bytes:
    """One page, the catalog with `catalog_extra`, a file specification (object 4), its
    embedded XML (object 5) and `more` objects (6 on), every object in the clear, with a
    correct cross-reference."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        SPEC,
        EMBEDDED,
        *more,
    ]
    return pdf_of_objects(objects)


def packed_pdf() -> bytes:
    """The catalog (whose /AF holds the XML) and three more objects packed in a compressed
    object stream, found through a cross-reference stream: no key is left in the clear."""
    packed = [b"<< /Type /Catalog /Pages 2 0 R /AF [4 0 R] >>",
              b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>", SPEC]
    header, body = b"", b""
    for number, item in enumerate(packed, start=1):
        header += b"%d %d " % (number, len(body))
        body += item + b"\n"
    stream = zlib.compress(header + body)
    pdf = bytearray(b"%PDF-1.7\n")
    offsets = {5: len(pdf)}
    pdf += b"5 0 obj\n%s\nendobj\n" % EMBEDDED
    offsets[6] = len(pdf)
    pdf += (b"6 0 obj\n<< /Type /ObjStm /N 4 /First %d /Filter /FlateDecode /Length %d >>\n"
            b"stream\n%s\nendstream\nendobj\n" % (len(header), len(stream), stream))
    offsets[7] = len(pdf)
    rows = [bytes([0]) + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")]
    rows += [bytes([2]) + (6).to_bytes(4, "big") + index.to_bytes(2, "big")
             for index in range(4)]
    rows += [bytes([1]) + offsets[number].to_bytes(4, "big") + (0).to_bytes(2, "big")
             for number in (5, 6, 7)]
    table = b"".join(rows)
    pdf += (b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Length %d >>\n"
            b"stream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
            % (len(table), table, offsets[7]))
    return bytes(pdf)


def written(writer: pypdf.PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def one_page_writer() -> pypdf.PdfWriter:
    return pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(warm_up_pdf())))


def annotated_pdf() -> bytes:
    """The XML only in a page's FileAttachment annotation: no name tree, no /AF."""
    writer = one_page_writer()
    attach_by_annotation(writer, "factur-x.xml", XML)
    return written(writer)


def name_tree_pdf(*, encrypt: bool = False) -> bytes:
    writer = one_page_writer()
    writer.add_attachment("factur-x.xml", XML)
    if encrypt:
        writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    return written(writer)


ROUTES = {
    "name tree": name_tree_pdf,
    "catalog /AF only": lambda: classic_pdf(b"/AF [4 0 R]"),
    "catalog /AF by reference": lambda: classic_pdf(b"/AF 6 0 R", b"[4 0 R]"),
    "annotation only": annotated_pdf,
    "object stream": packed_pdf,
    "key written with escapes": lambda: classic_pdf(b"/A#46 [4 0 R]"),
    "encrypted, empty user password": lambda: name_tree_pdf(encrypt=True),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_every_route_to_an_attachment_says_maybe(route: str) -> None:
    pdf = ROUTES[route]()
    assert scan_xml_attachments(pdf).files == [("factur-x.xml", XML)]  # the scanner finds it
    assert may_carry_attachments(pdf)


def test_a_packed_catalog_hides_its_keys_from_a_byte_search() -> None:
    """Why an object stream alone says "maybe": the catalog's /AF is compressed."""
    pdf = packed_pdf()
    assert b"/AF" not in pdf and b"/EmbeddedFiles" not in pdf
    assert may_carry_attachments(pdf.replace(b"/ObjStm", b"/ObjStn")) is False


@pytest.mark.parametrize("pdf", [
    warm_up_pdf(),
    # A file specification left behind, its name tree gone: nothing leads to it.
    classic_pdf(),
    # `/AFRelationship` and a name with an unrelated escape are not `/AF`.
    classic_pdf(b"/Lang (fr) /Mark#20Info true"),
], ids=["plain", "orphan specification", "look-alike names"])
def test_a_pdf_with_no_way_to_an_attachment_says_no(pdf: bytes) -> None:
    assert scan_xml_attachments(pdf).files == []
    assert may_carry_attachments(pdf) is False


@pytest.mark.parametrize("pdf", [b"%PDF-1.7\nnot a pdf at all", b"%PDF-1.4\n" + bytes(300)])
def test_a_pdf_pdfium_cannot_open_still_gets_the_scanners_warnings(pdf: bytes) -> None:
    parsed = parse_pdf(PdfRequest(pdf, max_pages=5, use_einvoice=True))
    assert parsed.error is not None
    assert parsed.warnings == scan_xml_attachments(pdf).warnings != []


def test_a_pdf_with_an_attachment_is_read_as_before() -> None:
    """The route through the pre-check reaches the e-invoice reader, which refuses this
    empty invoice shell and says so, as without the pre-check."""
    parsed = parse_pdf(PdfRequest(packed_pdf(), max_pages=5, use_einvoice=True))
    assert parsed.error is None and parsed.page_count == 1
    assert parsed.einvoice is None and any("factur-x.xml" in w for w in parsed.warnings)


def test_reading_a_pdf_without_attachment_imports_no_scanner(tmp_path: Path) -> None:
    pdf = tmp_path / "plain.pdf"
    pdf.write_bytes(warm_up_pdf())
    script = ("import sys\nfrom liasse.extract.text import PdfRequest, parse_pdf\n"
              f"parsed = parse_pdf(PdfRequest(open({str(pdf)!r}, 'rb').read(), 5, True))\n"
              "print(len(parsed.pages[0].words) > 10, parsed.warnings, "
              "[m for m in ('pypdf', 'lxml', 'PIL') if m in sys.modules])\n")
    assert python_lines(script) == ["True [] []"]


REAL_PDFS = sorted(path for folder in (SHARED / "corpus" / "docs", SHARED / "samples" / "einvoice")
                   if folder.is_dir() for path in folder.rglob("*.pdf"))


@pytest.mark.skipif(not REAL_PDFS, reason=f"no real PDFs under {SHARED}")
def test_on_every_real_pdf_the_pre_check_changes_nothing_the_scanner_finds() -> None:
    """Over the real corpus and the e-invoice samples: where the pre-check says no, the
    scanner finds no file and has no warning; and it says no for most of them."""
    skipped = 0
    for path in REAL_PDFS:
        data = path.read_bytes()
        if not may_carry_attachments(data):
            skipped += 1
            scan = scan_xml_attachments(data)
            assert (path.name, scan.files, scan.warnings) == (path.name, [], [])
    assert skipped >= len(REAL_PDFS) // 2
