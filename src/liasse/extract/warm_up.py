"""A small invoice a reader process reads before its first document, for what it leaves ready.

A reader child's first PDF cost twice what the next ones cost (11 ms more on the real
corpus): pdfium's first text page (its fonts), the lexicon's and the regular
expressions' caches, the model's per-feature tables. Read once in the zygote
(`extract.zygote`), all that is made once and shared by every child forked from it. The
page carries no attachment, so the warm-up leaves the attachment scanner unimported, as
reading most born-digital PDFs does (`text.parse_pdf`). The PDF is written here, a page
of the usual labels and values in plain PDF operators, so that no file is shipped for it
and nothing but the reader itself runs.
"""

from __future__ import annotations

# The page's lines, top to bottom (x, y from the bottom of an A4 page, text): a seller with
# its marks, a customer block, a number and dates beside their labels, a totals block.
_LINES: tuple[tuple[int, int, str], ...] = (
    (40, 800, "ACME SARL au capital de 10 000 EUR"),
    (40, 786, "12 rue des Lilas 75011 Paris - contact@acme.example"),
    (40, 772, "SIRET 732 829 320 00074 - TVA FR44732829320"),
    (330, 740, "Facture N\\260 FA-2026-0001"),
    (330, 726, "Date : 03/04/2026"),
    (330, 712, "Echeance : 03/05/2026"),
    (40, 690, "Client :"),
    (40, 676, "Dupont Conseil SAS"),
    (40, 640, "Invoice number INV-42 of March 3, 2026, due 2026-04-02"),
    (40, 600, "Description"), (330, 600, "Qty"), (480, 600, "Amount"),
    (40, 586, "Conseil"), (330, 586, "2"), (480, 586, "1 250,00 \\200"),
    (330, 540, "Total HT"), (480, 540, "2 500,00 \\200"),
    (330, 526, "TVA 20 %"), (480, 526, "500,00 \\200"),
    (330, 512, "Total TTC"), (480, 512, "3 000,00 \\200"),
    (40, 480, "IBAN FR76 3000 6000 0112 3456 7890 189"),
    (40, 466, "Loi 2008-776 du 4 ao\\373t 2008 : penalites de retard"),
)


def warm_up_pdf() -> bytes:
    """The warm-up invoice as a one-page PDF (Helvetica, WinAnsi), cross-reference and all."""
    text = "".join(f"BT /F1 9 Tf 1 0 0 1 {x} {y} Tm ({line}) Tj ET\n" for x, y, line in _LINES)
    content = text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    return pdf_of_objects(objects, version=b"1.4")


def pdf_of_objects(objects: list[bytes], *, version: bytes = b"1.7") -> bytes:
    """A PDF whose objects 1, 2, … are `objects` (object 1 the catalog), every one written
    in the clear, with a correct cross-reference table."""
    pdf = bytearray(b"%%PDF-%s\n" % version)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, table)
    return bytes(pdf)


def read_warm_up() -> None:
    """Read the warm-up invoice as a child reads a born-digital PDF, step by step."""
    # Deferred: this module is imported by the cascade, which must stay light; these are
    # what the warm-up is for.
    from liasse.extract.fields.document import read_document
    from liasse.extract.text import PdfRequest, parse_pdf

    parsed = parse_pdf(PdfRequest(warm_up_pdf(), max_pages=1, use_einvoice=True))
    read_document(parsed.pages, layer="text")
