"""Field reading of the text layer: numbers, dates, identifiers, labels, arithmetic, parties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from textpages import page_of

from liasse.extract.confidence import SURE, document_confidence
from liasse.extract.fields.dates import ParsedDate, due_from_terms, page_date_order, parse_date
from liasse.extract.fields.document import read_document
from liasse.extract.fields.geometry import build_layout
from liasse.extract.fields.numbers import find_amounts, parse_amount

# ---------------------------------------------------------------- a page from text rows


def values(rows: list[tuple[float, float, str]],
           **kwargs: tuple[str, ...]) -> dict[str, str | None]:
    reading = read_document([page_of(rows)], **kwargs)
    return {name: field.value for name, field in reading.fields.items()}


def confidences(rows: list[tuple[float, float, str]]) -> dict[str, float]:
    reading = read_document([page_of(rows)])
    return {name: field.confidence for name, field in reading.fields.items()}


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(("text", "expected"), [
    ("1 234,56", "1234.56"), ("1\u00a0234,56 €", "1234.56"), ("1\u202f234,56", "1234.56"),
    ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("1234.56", "1234.56"),
    ("EUR 12,50", "12.50"), ("€12.50", "12.50"), ("-1 250,00 €", "-1250.00"),
    ("(8.00)", "-8.00"), ("1 500 €", "1500"), ("CHF 2'345.10", "2345.10"),
])
def test_amounts_in_every_number_format(text: str, expected: str) -> None:
    parsed = parse_amount(text)
    assert parsed is not None and parsed[0].value == Decimal(expected)


@pytest.mark.parametrize("text", ["20 %", "5,5%", "01/10/2026", "FR40194127726", "page 2", "090,74",
                                  "1.234.56", "Qté 12"])
def test_percentages_dates_and_ids_are_not_amounts(text: str) -> None:
    assert find_amounts(text) == []


def test_currency_marks_give_iso_codes() -> None:
    assert [a.currency for a in find_amounts("12,00 € / $5.00 / £3.10 / 4.00 CHF / 1,00")] == [
        "EUR", "USD", "GBP", "CHF", None]


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(("text", "expected"), [
    ("01/10/2026", "2026-10-01"), ("1.10.2026", "2026-10-01"), ("2026-10-01", "2026-10-01"),
    ("1er octobre 2026", "2026-10-01"), ("15 août 2026", "2026-08-15"),
    ("October 1, 2026", "2026-10-01"), ("1 October 2026", "2026-10-01"),
    ("1. Oktober 2026", "2026-10-01"), ("3. März 2026", "2026-03-03"), ("01/10/26", "2026-10-01"),
    ("2018/02/22", "2018-02-22"), ("2018.02.22 13:34", "2018-02-22"),
])
def test_dates_in_three_languages(text: str, expected: str) -> None:
    parsed = parse_date(text)
    assert parsed is not None and parsed[0].value.isoformat() == expected


def test_impossible_dates_are_refused_and_english_slashes_are_ambiguous() -> None:
    assert parse_date("31/02/2026") is None
    parsed = parse_date("03/04/2026", order="either")
    assert parsed is not None and parsed[0].ambiguous
    unambiguous = parse_date("23/04/2026", order="either")
    assert unambiguous is not None and not unambiguous[0].ambiguous


def test_a_date_is_read_in_the_order_its_page_prints_dates() -> None:
    month_first = parse_date("03/04/2026", order="month_first")
    assert month_first is not None and month_first[0] == ParsedDate(date(2026, 3, 4), False)
    # A day past 12 is a day whatever the page's order.
    day_first = parse_date("28/12/2017", order="month_first")
    assert day_first is not None and day_first[0].value == date(2017, 12, 28)
    assert parse_date("03/04/2026")[0] == ParsedDate(date(2026, 4, 3), False)  # type: ignore[index]


def test_a_price_for_several_is_no_date() -> None:
    """"2/4.00" (two for 4.00) on a US till: both separators must be alike."""
    assert parse_date("1 @ 2.19 or 2/4.00") is None
    assert parse_date("Date 02.04.26") is not None


@pytest.mark.parametrize(("lines", "english", "order"), [
    (["Invoice date 26/02/2019", "Due 11/02/2019"], True, "day_first"),
    (["Date 12/28/2017", "Ship 12/07/2017"], True, "month_first"),
    (["Date 12/07/2017"], True, "either"),
    (["Datum 12/07/2017"], False, "day_first"),
    # A page that shows both orders tells nothing; a version number shows no order.
    (["Date 26/02/2019", "Printed 02/26/2019"], True, "either"),
    (["Software 2.15.10", "Date 12/07/2017"], True, "either"),
])
def test_the_page_shows_its_date_order(lines: list[str], english: bool, order: str) -> None:
    layout = build_layout([page_of([(50, 100 + 20 * row, text) for row, text in enumerate(lines)])])
    assert page_date_order(layout, english=english) == order


@pytest.mark.parametrize(("terms", "expected"), [
    ("Paiement à 30 jours fin de mois", "2026-11-30"), ("Payment terms: net 30", "2026-11-05"),
    ("Zahlbar innerhalb von 14 Tagen", "2026-10-20"), ("Payable à réception", "2026-10-06"),
    ("Zahlbar 30 Tage nach Monatsende", "2026-11-30"),
])
def test_due_dates_from_payment_terms(terms: str, expected: str) -> None:
    found = due_from_terms(terms, date(2026, 10, 6))
    assert found is not None and found[0].isoformat() == expected


# ---------------------------------------------------------------- a whole French invoice

FRENCH = [
    (40, 30, "Cowork Rivoli SARL"), (330, 30, "FACTURE"),
    (40, 45, "88 rue de Rivoli"), (330, 60, "Facture n° : CR-2026-0117"),
    (40, 55, "contact@cowork-rivoli.fr"), (330, 75, "Date de facture : 01/10/2026"),
    (330, 90, "Échéance : 15/10/2026"),
    (330, 130, "Facturé à"), (330, 142, "Atelier Liasse SAS"),
    (330, 154, "TVA FR85637129263"),
    (40, 250, "Bureau privatif"), (400, 250, "1 250,00"),
    (330, 400, "Total HT"), (480, 400, "1 250,00 €"),
    (330, 415, "TVA 20 %"), (480, 415, "250,00 €"),
    (330, 430, "Total TTC"), (480, 430, "1 500,00 €"),
    (40, 760, "Cowork Rivoli SARL au capital de 10 000 € - RCS Paris 194 127 726"),
    (40, 772, "SIRET 194 127 726 00012 - TVA intracommunautaire FR40194127726"),
    (40, 784, "IBAN FR38 3000 4052 7601 8955 5979 700"),
]


def test_a_french_invoice_is_read_field_by_field() -> None:
    assert values(FRENCH) == {
        "supplier_name": "Cowork Rivoli SARL", "supplier_vat_id": "FR40194127726",
        "supplier_siren": "194127726", "supplier_siret": "19412772600012",
        "supplier_iban": "FR3830004052760189555979700", "supplier_domain": "cowork-rivoli.fr",
        "customer_name": "Atelier Liasse SAS", "customer_vat_id": "FR85637129263",
        "invoice_number": "CR-2026-0117", "issue_date": "2026-10-01",
        "due_date": "2026-10-15", "currency": "EUR", "net_amount": "1250.00",
        "tax_amount": "250.00", "total_amount": "1500.00", "payment_reference": None,
    }


def test_checksummed_ids_are_sure_and_amounts_that_add_up_are_surer() -> None:
    sure = {name for name, confidence in confidences(FRENCH).items() if confidence >= SURE}
    assert {"supplier_vat_id", "supplier_iban"} <= sure
    fields = read_document([page_of(FRENCH)]).fields
    assert all("net + tax = total" in fields[name].evidence
               for name in ("net_amount", "tax_amount", "total_amount"))
    # Without the VAT line nothing adds up any more: the total loses the cross-check.
    broken = [(x, y, text) for x, y, text in FRENCH if not text.startswith(("TVA 20", "250,00"))]
    unchecked = read_document([page_of(broken)]).fields["total_amount"]
    assert unchecked.value == "1500.00"
    assert unchecked.confidence < fields["total_amount"].confidence


def test_the_own_company_is_never_the_supplier() -> None:
    swapped = [(x, y, text.replace("Cowork Rivoli SARL", "Atelier Liasse SAS"))
               for x, y, text in FRENCH]
    read = values(swapped, own_names=("Atelier Liasse SAS",),
                  own_identifiers=("FR85637129263",))
    assert read["supplier_name"] != "Atelier Liasse SAS"
    assert read["supplier_vat_id"] == "FR40194127726"
    assert read["customer_vat_id"] == "FR85637129263"


def test_a_failed_checksum_lowers_confidence() -> None:
    broken = [(x, y, text.replace("FR38 3000", "FR38 3001")) for x, y, text in FRENCH]
    reading = read_document([page_of(broken)])
    iban = reading.fields["supplier_iban"]
    assert iban.value == "FR3830014052760189555979700" and iban.confidence < 0.5


# ---------------------------------------------------------------- arithmetic and geometry


def test_arithmetic_chooses_the_total_among_candidates() -> None:
    rows = [
        (40, 30, "Papeterie Martin SARL"), (330, 60, "Invoice no. PM-48213"),
        (330, 300, "Subtotal"), (480, 300, "88.00"),
        (330, 315, "VAT 20%"), (480, 315, "17.60"),
        (330, 330, "Deposit paid"), (480, 330, "50.00"),
        (330, 345, "Total"), (400, 345, "12.00"), (480, 345, "105.60"),
    ]
    read = values(rows)
    assert (read["net_amount"], read["tax_amount"], read["total_amount"]) == (
        "88.00", "17.60", "105.60")


def test_several_vat_rates_add_up_per_rate() -> None:
    rows = [
        (40, 30, "Weber Technik GmbH"), (330, 60, "Rechnungsnr. RE-2026-0042"),
        (330, 300, "Nettobetrag"), (480, 300, "200,00 €"),
        (330, 315, "MwSt. 19%"), (480, 315, "19,00 €"),
        (330, 330, "MwSt. 7%"), (480, 330, "7,00 €"),
        (330, 345, "Gesamtbetrag"), (480, 345, "226,00 €"),
    ]
    read = values(rows)
    assert (read["net_amount"], read["tax_amount"], read["total_amount"]) == (
        "200.00", "26.00", "226.00")


def test_a_total_that_does_not_add_up_is_not_sure() -> None:
    rows = [(40, 30, "Studio Faure SAS"), (330, 40, "FACTURE"), (330, 300, "Total HT"),
            (480, 300, "100,00"),
            (330, 315, "TVA 20 %"), (480, 315, "20,00"), (330, 330, "Total TTC"),
            (480, 330, "130,00")]
    reading = read_document([page_of(rows)])
    assert reading.fields["total_amount"].value == "130.00"
    assert reading.fields["total_amount"].confidence < SURE


def test_value_below_its_label_is_found() -> None:
    rows = [(40, 30, "Bluepeak Media Ltd"), (330, 100, "Invoice number"),
            (330, 112, "INV-000318"), (450, 100, "Issue date"), (450, 112, "12 March 2026")]
    read = values(rows)
    assert read["invoice_number"] == "INV-000318" and read["issue_date"] == "2026-03-12"


def test_an_unlabelled_page_gives_no_sure_guess() -> None:
    """Whatever is found is given, but nothing without a label or a cross-check is sure."""
    rows = [(40, 30, "Hello"), (40, 60, "1 234,56"), (40, 90, "A12345")]
    sure = {name for name, confidence in confidences(rows).items() if confidence >= SURE}
    assert not sure


# ---------------------------------------------------------------- document types


@pytest.mark.parametrize(("title", "expected"), [
    ("FACTURE", "invoice"), ("Facture d'avoir", "credit_note"), ("AVOIR", "credit_note"),
    ("GUTSCHRIFT", "credit_note"), ("Credit note", "credit_note"), ("RECHNUNG", "invoice"),
    ("Ticket de caisse", "receipt"), ("Receipt", "receipt"),
    ("Avis de virement", "payment_confirmation"), ("Remittance advice", "payment_confirmation"),
    ("BON DE LIVRAISON", "other"), ("Objet : nos horaires", "other"),
])
def test_document_type_from_the_title(title: str, expected: str) -> None:
    rows = [(40, 30, "Garage Blanc SAS"), (330, 40, title), (330, 130, "Facturé à"),
            (330, 142, "Atelier Liasse SAS"), (330, 300, "Total"), (480, 300, "12,00 €")]
    assert read_document([page_of(rows)]).document_type == expected


def test_a_till_slip_titled_tax_invoice_is_a_receipt_an_invoice_paid_in_cash_is_not() -> None:
    """Many till slips say "TAX INVOICE"; cash and change, nobody billed, nothing due."""
    slip = [(40, 30, "KEDAI RUNCIT MAJU SDN BHD"), (40, 50, "TAX INVOICE"),
            (40, 300, "TOTAL"), (150, 300, "33.90"), (40, 315, "CASH"), (150, 315, "50.00"),
            (40, 330, "CHANGE"), (150, 330, "16.10")]
    assert read_document([page_of(slip, width=220)]).document_type == "receipt"
    billed = [(40, 30, "Garage Blanc SAS"), (330, 40, "FACTURE"), (330, 130, "Facturé à"),
              (330, 142, "Atelier Liasse SAS"), (330, 300, "Total"), (480, 300, "12,00 €"),
              (330, 315, "Espèces"), (480, 315, "12,00 €")]
    assert read_document([page_of(billed)]).document_type == "invoice"


def test_a_card_receipt_is_a_receipt_and_other_documents_keep_their_fields() -> None:
    receipt = [(40, 30, "Boulangerie Moreau"), (40, 300, "TOTAL"), (150, 300, "8,40 €"),
               (40, 330, "CB SANS CONTACT - Merci")]
    assert read_document([page_of(receipt)]).document_type == "receipt"
    letter = [(40, 30, "Garage Blanc SAS"), (40, 200, "Objet : nos horaires"),
              (40, 760, "Garage Blanc SAS au capital de 1 000 €")]
    reading = read_document([page_of(letter)])
    assert reading.document_type == "other"
    # No silent gate: what the letter shows is read; its type keeps it from posting.
    assert reading.fields["supplier_name"].value == "Garage Blanc SAS"
    assert document_confidence(reading.fields, reading.document_type) < SURE


def test_an_iban_with_a_space_after_its_country_code_is_read() -> None:
    rows = [(40.0, 30.0, "ACME SA"), (40.0, 60.0, "BIC: KREDBEBB - IBAN: BE 41 7360 0661 9710"),
            (40.0, 75.0, "BIC: GEBABEBB - IBAN: BE 56 0015 4298 7888")]
    fields = read_document([page_of(rows)]).fields
    assert fields["supplier_iban"].value == "BE41736006619710"


def test_a_date_that_reads_two_ways_reads_one_way_on_a_page_whose_dates_tell() -> None:
    """A US utility's scan prints "Bill date 11/02/2019" and "Due date 26/02/2019": its
    dates are day first, so 11/02 is the 11th of February, not ambiguous (it was held at
    the ambiguity ceiling, 0.75); a page that prints "8/31/2011" reads "6/1/2011" as the
    first of June."""
    from liasse.extract.candidates import all_candidates

    def dates(*lines: str) -> dict[str, bool]:
        rows = [(50, 100 + 20 * row, text) for row, text in enumerate(lines)]
        found = all_candidates(build_layout([page_of(rows)]))["date"]
        return {c.value: bool(c.features.get("ambiguous")) for c in found}

    assert dates("Thank you for your payment", "Bill date 11/02/2019",
                 "Due date 26/02/2019") == {"2019-02-11": False, "2019-02-26": False}
    assert dates("Thank you for your payment", "Service 6/1/2011 to 8/31/2011") \
        == {"2011-06-01": False, "2011-08-31": False}
    assert dates("Thank you for your payment", "Bill date 11/02/2019") == {"2019-02-11": True}
