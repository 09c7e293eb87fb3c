"""Text printed up or down a margin (a telecom invoice's legal mention) or a whole page is
turned upright under the page's foot; upright text and columns of figures are left alone."""

from __future__ import annotations

import io
import itertools

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from liasse.extract.candidates import all_candidates
from liasse.extract.fields.document import read_document
from liasse.extract.fields.geometry import build_layout
from liasse.extract.layout import Page
from liasse.extract.text import read_text_layer
from liasse.samples.realcorpus import DEFAULT_CORPUS, corpus_available, corpus_documents

MENTION = ("ACME TELECOM - Société Anonyme au capital de 712 588 399,56 € - "
           "RCS PARIS 397 480 930 - FR 74 397 480 930")


def page_with(upright: list[tuple[float, float, str]],
              sideways: list[tuple[float, float, float, str]] = ()) -> Page:
    """A4 page: upright texts at (x, y-from-top), sideways ones at (x, y-from-top, angle)."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    sheet.setFont("Helvetica", 10)
    for x, y, text in upright:
        sheet.drawString(x, A4[1] - y, text)
    for x, y, angle, text in sideways:
        sheet.saveState()
        sheet.setFont("Helvetica", 5)
        sheet.translate(x, A4[1] - y)
        sheet.rotate(angle)
        sheet.drawString(0, 0, text)
        sheet.restoreState()
    sheet.showPage()
    sheet.save()
    return read_text_layer(buffer.getvalue(), max_pages=1).pages[0]


def below_foot(page: Page) -> list[str]:
    return [word.text for word in page.words if word.y0 > page.height]


@pytest.mark.parametrize(("x", "y", "angle"), [(585, 700, 90), (20, 150, -90)])
def test_a_mention_printed_up_or_down_a_margin_is_read_as_a_line_under_the_page(
        x: float, y: float, angle: float) -> None:
    page = page_with([(50, 100, "Facture n° 2024-001")], ((x, y, angle, MENTION),))
    assert " ".join(below_foot(page)) == MENTION
    assert [w.text for w in page.words if w.y0 <= page.height] == ["Facture", "n°",
                                                                      "2024-001"]
    line = [w for w in page.words if w.y0 > page.height]
    assert len({round(w.y0, 3) for w in line}) == 1  # one line, words left to right
    assert all(a.x1 <= b.x0 for a, b in itertools.pairwise(line))


def test_its_seller_marks_become_candidates() -> None:
    page = page_with([(50, 100, "Facture n° 2024-001"), (50, 120, "Total TTC 12,99 €")],
                     ((585, 700, 90, MENTION),))
    found = all_candidates(build_layout([page]))
    assert "ACME TELECOM" in {c.value for c in found["name"]}  # its legal form set apart
    fields = read_document([page], layer="text").fields
    assert fields["supplier_vat_id"].value == "FR74397480930"
    assert fields["supplier_siren"].value == "397480930"


def test_columns_of_figures_and_glyphs_stacked_upright_stay_where_they_are() -> None:
    """A quantity column prints one figure per row, each box taller than wide: no run; nor
    is a column of capitals one under the other, however close."""
    rows = [(400, 200 + 12 * row, "1") for row in range(12)]
    rows += [(100, 200 + 12 * row, letter) for row, letter in enumerate("WMWMWM")]
    page = page_with(rows, ((585, 700, 90, "OK"),))
    assert below_foot(page) == []
    assert [w.text for w in page.words].count("1") == 12
    assert sum(w.text in {"W", "M"} for w in page.words) == 6


# A landscape invoice: (x, y from the top of the landscape sheet, text).
_LANDSCAPE = [(40, 40, "Atelier Dupont SARL"), (500, 40, "FACTURE"),
              (40, 55, "12 rue de la Paix, 75002 Paris"), (500, 60, "Facture n° F-2024-117"),
              (40, 70, "SIRET 732 829 320 00074"), (500, 75, "Date : 14/03/2024"),
              (40, 120, "Client : Boulangerie Moreau"),
              (40, 180, "Désignation"), (600, 180, "Montant"),
              (40, 200, "Réparation vitrine"), (600, 200, "250,00 €"),
              (450, 260, "Total HT"), (600, 260, "250,00 €"),
              (450, 275, "TVA 20 %"), (600, 275, "50,00 €"),
              (450, 290, "Total TTC"), (600, 290, "300,00 €")]


def landscape_on_portrait(angle: float) -> Page:
    """`_LANDSCAPE` drawn turned on a portrait A4 page: reading up (90) or down (-90)."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    if angle == 90:
        sheet.translate(A4[0], 0)
    else:
        sheet.translate(0, A4[1])
    sheet.rotate(angle)
    sheet.setFont("Helvetica", 10)
    for x, y, text in _LANDSCAPE:
        sheet.drawString(x, A4[0] - y, text)
    sheet.showPage()
    sheet.save()
    return read_text_layer(buffer.getvalue(), max_pages=1).pages[0]


@pytest.mark.parametrize("angle", [90, -90])
def test_a_page_printed_sideways_keeps_its_lines_and_columns(angle: float) -> None:
    page = landscape_on_portrait(angle)
    lines = [[segment.text for segment in line.segments]
             for line in build_layout([page]).lines]
    assert lines == [["Atelier Dupont SARL", "FACTURE"],
                     ["12 rue de la Paix, 75002 Paris", "Facture n° F-2024-117"],
                     ["SIRET 732 829 320 00074", "Date : 14/03/2024"],
                     ["Client : Boulangerie Moreau"], ["Désignation", "Montant"],
                     ["Réparation vitrine", "250,00 €"], ["Total HT", "250,00 €"],
                     ["TVA 20 %", "50,00 €"], ["Total TTC", "300,00 €"]]
    fields = read_document([page], layer="text").fields
    assert fields["invoice_number"].value == "F-2024-117"
    assert fields["issue_date"].value == "2024-03-14"
    assert fields["total_amount"].value == "300.00"
    assert fields["supplier_siret"].value == "73282932000074"


@pytest.mark.skipif(not corpus_available(), reason="../shared/corpus not present")
def test_the_real_telecom_invoice_names_its_seller_from_its_margin() -> None:
    """OCA's Bouygues Telecom invoice prints its name and VAT id only up its right margin:
    the reader took the customer for the seller and found no VAT id."""
    document = next(d for d in corpus_documents(DEFAULT_CORPUS) if d.id == "pdf-a547390cd8")
    pages = read_text_layer(document.path.read_bytes(), max_pages=5).pages
    fields = read_document(pages, own_names=(), own_identifiers=(), layer="text").fields
    assert fields["supplier_vat_id"].value == "FR74397480930"
    assert fields["supplier_name"].value == "BOUYGUES TELECOM"
    assert fields["customer_name"].value == "ALEXINUX SARL"
