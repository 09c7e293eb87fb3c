"""A "$" is the sign of many currencies: the code the page prints says which (issue 11).

Veryfi's Colombian invoice prints "TOTAL COP  $ 132,600.01" and was read as US dollars.
"""

from __future__ import annotations

from textpages import page_of

from liasse.extract.fields.amounts import read_amounts
from liasse.extract.fields.geometry import build_layout

Rows = list[tuple[float, float, str]]


def _currency(rows: Rows) -> tuple[str | None, float]:
    reading = read_amounts(build_layout([page_of(rows)]))["currency"]
    return reading.value, reading.to_field().confidence


def _invoice(total_label: str, *, note: str = "Gracias por su compra") -> Rows:
    return [(40, 20, "Francorp S.A.S."), (40, 60, note),
            (300, 100, "SUBTOTAL"), (400, 100, "$ 111,428.58"),
            (300, 115, "IVA 19.00%"), (400, 115, "$ 21,171.43"),
            (300, 130, total_label), (400, 130, "$ 132,600.01")]


def test_a_dollar_total_beside_a_printed_code_takes_the_code() -> None:
    value, confidence = _currency(_invoice("TOTAL COP"))
    assert value == "COP"
    assert confidence < 0.85  # read from a sign and a word, never sure


def test_a_bare_dollar_stays_a_dollar() -> None:
    assert _currency(_invoice("TOTAL"))[0] == "USD"


def test_a_code_in_lower_case_letters_is_a_word_no_code() -> None:
    """"Cop" or "ars" inside a sentence is no currency code: only capitals count."""
    assert _currency(_invoice("TOTAL", note="Merci cop ars"))[0] == "USD"


def test_two_dollar_codes_on_one_page_leave_the_dollar_unsure() -> None:
    value, confidence = _currency(_invoice("TOTAL CAD", note="Prices in AUD"))
    assert value == "USD" and confidence < 0.85


def test_a_code_beside_a_euro_total_changes_nothing() -> None:
    rows = [(40, 20, "Atelier Martin"), (40, 60, "Payable in CAD on request"),
            (300, 100, "Total HT"), (400, 100, "100,00 €"), (300, 115, "TVA"),
            (400, 115, "20,00 €"), (300, 130, "Total TTC"), (400, 130, "120,00 €")]
    assert _currency(rows)[0] == "EUR"


def test_a_canadian_tax_registration_makes_a_bare_dollar_canadian() -> None:
    """A Walmart Canada slip prints "$89.09" and, at its foot, its business number with
    its GST/HST account: the dollar is Canadian (it was read as US dollars)."""
    value, confidence = _currency(_invoice("TOTAL", note="GST/HST 137466199 RT 0001"))
    assert value == "CAD"
    assert confidence < 0.85  # told by a registration, never sure


def test_an_australian_business_number_makes_a_bare_dollar_australian() -> None:
    assert _currency(_invoice("TOTAL", note="ABN 51 824 753 556"))[0] == "AUD"


def test_a_printed_code_outweighs_a_tax_registration() -> None:
    """The code the page prints is what it bills in, wherever the seller is registered."""
    assert _currency(_invoice("TOTAL NZD", note="ABN 51 824 753 556"))[0] == "NZD"


def test_registrations_of_two_dollar_countries_leave_the_dollar_unsure() -> None:
    value, confidence = _currency(_invoice(
        "TOTAL", note="GST/HST 137466199 RT 0001 ABN 51 824 753 556"))
    assert value == "USD" and confidence < 0.85


def test_a_nine_digit_figure_without_its_rt_account_is_no_registration() -> None:
    assert _currency(_invoice("TOTAL", note="Ref 137466199 0001"))[0] == "USD"
