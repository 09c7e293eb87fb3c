"""A postcode before its town is never the document's number (issue 11).

fbonnafous31's invoice prints its number with letters ("Référence facture :
NovemberRain01"), which the ranker held out from that source scored low; the seller's
"31000 Toulouse" was taken instead.
"""

from __future__ import annotations

from textpages import page_of

from liasse.extract.candidates import Candidate, all_candidates
from liasse.extract.fields.geometry import build_layout
from liasse.extract.ranking import FieldModel, RankerModel, choose

Rows = list[tuple[float, float, str]]
_POSTCODE = "a postcode before its town"


def _codes(rows: Rows) -> dict[str, Candidate]:
    found = all_candidates(build_layout([page_of(rows)]))["code"]
    return {candidate.value: candidate for candidate in found}


def test_a_postcode_before_its_town_is_excluded() -> None:
    codes = _codes([(40, 20, "Invoicing"), (40, 32, "Route de Narbonne"),
                    (40, 44, "31000 Toulouse"), (300, 44, "75015 PARIS"),
                    (40, 56, "1012 Amsterdam")])
    for postcode in ("31000", "75015", "1012"):
        assert codes[postcode].excluded == _POSTCODE, postcode


def test_numbers_that_are_no_postcodes_stay_candidates() -> None:
    """Alone, inside a sentence, before a lower-case word or a figure, or beside a number's
    label: the rule does not fire."""
    codes = _codes([(40, 20, "Atelier Martin"), (40, 40, "31000"),
                    (40, 52, "Commande 45678 Paris"), (40, 64, "12345 pieces"),
                    (40, 76, "23456 7890"), (40, 88, "Invoice No:"), (200, 88, "34567 Lyon")])
    for number in ("31000", "45678", "12345", "23456", "34567"):
        assert codes[number].excluded is None, number


def test_an_excluded_postcode_is_never_chosen() -> None:
    """A ranker that prefers the leftmost code still never answers the postcode."""
    candidates = all_candidates(build_layout([page_of(
        [(40, 20, "31000 Toulouse"), (200, 60, "Référence facture : NovemberRain01")])]))
    model = FieldModel(("x",), (0.0,), (1.0,), (-1.0,), 0.0, {})
    chosen = choose(RankerModel({"invoice_number": model}, {}), candidates)
    assert chosen["invoice_number"].value == "NovemberRain01"
