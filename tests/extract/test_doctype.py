"""The document type: the page's own title decides, not the other documents it refers to."""

from __future__ import annotations

import pytest
from textpages import page_of

from liasse.extract import doctype
from liasse.extract.doctype import classify
from liasse.extract.fields.geometry import build_layout, normalise
from liasse.extract.fields.lexicon import DOCUMENT_TYPE_WORDS

_TOTALS = [(40, 500, "Bruttosumme"), (300, 500, "3.273,00")]


def _type(rows: list[tuple[float, float, str]]) -> str:
    return classify(build_layout([page_of(rows + _TOTALS)]), has_amounts=True).document_type


def test_an_invoice_that_refers_to_its_order_and_delivery_note_is_an_invoice() -> None:
    """German viewers print the order and the delivery note as labelled references above
    the parties, and a "Betreff:" remark under them: the title line is what names it."""
    rows = [(40, 60, "Handelsrechnung (380) Nr. 471102 vom 15.11.2024"),
            (40, 80, "Bestellung Nr. Kunde:"), (300, 80, "4444444444"),
            (40, 95, "Lieferschein:"), (300, 95, "27010181"),
            (40, 200, "Betreff:"), (300, 200, "REG Regulatory information")]
    assert _type(rows) == "invoice"


@pytest.mark.parametrize("title", ["Teilrechnung Bau (875) Nr. 210111",
                                   "Schlussrechnung Nr. 12"])
def test_a_german_compound_ending_in_rechnung_titles_an_invoice(title: str) -> None:
    assert _type([(40, 60, title)]) == "invoice"


def test_a_word_that_only_starts_like_quote_does_not_make_a_quote() -> None:
    """"Devise de la facture : Euro" (the currency) is no "devis" (a quote)."""
    rows = [(40, 60, "Devise de la facture : Euro"), (40, 80, "FACTURE")]
    assert _type(rows) == "invoice"


@pytest.mark.parametrize(("rows", "expected"), [
    ([(40, 60, "BON DE LIVRAISON"), (40, 80, "Facture à suivre")], "other"),
    ([(40, 60, "Lieferschein Nr. 27010181")], "other"),
    ([(40, 60, "Objet : relance"), (40, 80, "Facture n° 12 impayée")], "other"),
    ([(40, 60, "FACTURE"), (40, 80, "Objet : maintenance de mars")], "invoice"),
])
def test_a_delivery_note_or_a_letter_keeps_its_type(rows: list[tuple[float, float, str]],
                                                    expected: str) -> None:
    """A title that names another kind of document, or a subject line above any invoice
    title, still makes it no invoice; a subject line under the invoice's title does not."""
    assert _type(rows) == expected


def test_a_titles_heads_hold_exactly_the_phrases_it_is_titled_by() -> None:
    """`_heads` looks phrases up in a set instead of comparing each with each title: it
    must say yes exactly where the comparison does (the phrase is the whole title, or its
    first words followed by a space), for every phrase the classifier asks about."""
    phrases = {*doctype._NOT_FINANCIAL, *doctype._SUBJECT, "devis", "facture d",
               *(word for words in DOCUMENT_TYPE_WORDS.values() for word in words)}
    printed = ["Devise de la facture : Euro", "FACTURE", "Facture d'avoir n° 12", "",
               "Bon de livraison", "Bon de livraisons", "Payment confirmation for invoice 12",
               "Gutschrift " + "lang " * 30, "Objet : relance", "Credit note"]
    titles = {normalise(text) for text in printed} | {normalise(phrase) for phrase in phrases}
    for title in titles:
        heads = doctype._heads(title)
        for phrase in phrases:
            long_way = title == phrase or title.startswith(phrase + " ")
            assert (phrase in heads) == long_way, (title, phrase)


def _untitled(*rows: tuple[float, float, str], has_amounts: bool = True) -> str:
    slip = [(40, 20, "The Home Depot"), (40, 40, "2250 SOUTHGATE RD"),
            (40, 200, "HAMMER 16OZ"), (300, 200, "24.97"), *rows]
    return classify(build_layout([page_of(slip)]), has_amounts=has_amounts).document_type


def test_an_untitled_slip_with_a_labelled_total_is_a_receipt() -> None:
    """Many till slips print no title, no cash line and no invoice number: a total beside
    its label, nobody billed, nothing due. Typed "other", they were capped under the review
    line and never posted (12 of the real corpus's 312 receipt photos)."""
    assert _untitled((40, 300, "TOTAL"), (300, 300, "$34.95")) == "receipt"


@pytest.mark.parametrize(("rows", "has_amounts"), [
    (((40, 300, "TOTAL"), (300, 300, "$34.95"), (40, 320, "Due date"),
      (300, 320, "30/06/2024")), True),  # something falls due: someone is billed
    (((40, 100, "Bill to:"), (200, 100, "Dupont SARL"), (40, 300, "TOTAL"),
      (300, 300, "$34.95")), True),  # an untitled invoice, maybe: never a receipt
    (((40, 300, "Thank you"),), True),  # amounts, but no total's label
    (((40, 300, "TOTAL"),), False),  # a total's label with no amount read
])
def test_an_untitled_page_without_a_receipts_marks_stays_other(
        rows: tuple[tuple[float, float, str], ...], has_amounts: bool) -> None:
    assert _untitled(*rows, has_amounts=has_amounts) == "other"


@pytest.mark.parametrize("copy", ["CUSTOMER'S COPY", "CUSTOMER'SCOPY", "Customer’s copy"])
def test_a_customers_copy_is_no_customer_block(copy: str) -> None:
    """Malaysian till slips titled "TAX INVOICE" end with "CUSTOMER'S COPY" (OCR glues it):
    a possessive speaks of the customer and heads no block of theirs, so the slip, which
    prints its cash and change, stays a till receipt (seven of the corpus's were invoices)."""
    rows = [(40, 20, "GARDENIA BAKERIES (KL) SDN BHD"), (40, 40, "TAX INVOICE"),
            (40, 200, "Total Payable:"), (300, 200, "94.19"), (40, 220, "CASH"),
            (300, 220, "100.00"), (40, 240, "CHANGE"), (300, 240, "5.81"),
            (40, 300, copy)]
    layout = build_layout([page_of(rows)])
    assert "customer_block" not in layout.hits
    assert classify(layout, has_amounts=True).document_type == "receipt"


def test_a_customer_label_still_heads_its_block() -> None:
    for label in ("Customer:", "CUSTOMER", "Kunde/Customer"):
        layout = build_layout([page_of([(40, 100, label), (200, 100, "Dupont SARL")])])
        assert "customer_block" in layout.hits, label


@pytest.mark.parametrize("means", ["CASH", "VISA", "Card"])
def test_pay_by_a_means_of_payment_sets_nothing_due(means: str) -> None:
    """"Pay By : CASH" on a till slip says how it was paid: no due date's label, so the
    slip, which prints its cash and change, is a till receipt (two of the corpus's were
    invoices); "Pay by 30/06/2024" still labels a due date."""
    rows = [(40, 20, "SYARIKAT PERNIAGAAN GIN KEE"), (40, 40, "TAX INVOICE"),
            (40, 200, "TOTAL"), (300, 200, "68.90"), (40, 220, "CASH"),
            (300, 220, "100.00"), (40, 240, "CHANGE"), (300, 240, "31.10"),
            (40, 300, f"Pay By : {means}")]
    layout = build_layout([page_of(rows)])
    assert "due_date" not in layout.hits
    assert classify(layout, has_amounts=True).document_type == "receipt"
    dated = build_layout([page_of([(40, 100, "Pay by"), (200, 100, "30/06/2024")])])
    assert "due_date" in dated.hits
