"""Receipts and scans read through OCR: the rules that keep their fields right or unsure."""

from __future__ import annotations

import pytest
from textpages import page_of

from liasse.extract.candidates import all_candidates
from liasse.extract.confidence import SURE
from liasse.extract.fields.dates import names_validity
from liasse.extract.fields.document import read_document
from liasse.extract.fields.geometry import build_layout, normalise


def _reading(rows: list[tuple[float, float, str]]) -> dict[str, tuple[str | None, float]]:
    fields = read_document([page_of(rows)]).fields
    return {name: (field.value, field.confidence) for name, field in fields.items()}


@pytest.mark.parametrize("label", [
    "Date d'expiration", "Date d’exflratigı", "Date d'expiratlon", "Card Expiry", "EXP",
    "valable jusqu'au", "valabie jusqu'au", "Gültig bis", "Ablaufdatum", "Best before",
    "Valid thru"])
def test_a_validity_label_is_read_through_ocr_slips(label: str) -> None:
    assert names_validity(tuple(normalise(label).split()))


@pytest.mark.parametrize("label", [
    "Date d'opération", "Date d'opératlon", "Date de transaction", "Datum", "Date",
    "Invoice date", "Date printed", "Expert comptable", "Variable", "Empire"])
def test_a_sale_date_label_is_no_validity_label(label: str) -> None:
    assert not names_validity(tuple(normalise(label).split()))


_CARD_SLIP = [(40, 30, "STATION SERVICE DU PONT"), (40, 60, "CARTE BANCAIRE"),
              (40, 80, "Date d’exflratigı:"), (200, 80, "31/05/28"),
              (40, 120, "TOTAL"), (200, 120, "21,74 EUR")]


def test_a_date_under_a_garbled_expiry_label_is_another_date_never_a_sure_issue_date() -> None:
    dates = all_candidates(build_layout([page_of(_CARD_SLIP)]))["date"]
    expiry = next(candidate for candidate in dates if candidate.value == "2028-05-31")
    assert expiry.features.get("left:other_date") == 1.0
    assert not expiry.features.get("left:issue_date")  # its "Date" labels no issue date
    value, confidence = _reading(_CARD_SLIP)["issue_date"]
    assert value is None or confidence < SURE


def test_the_sale_date_beside_a_garbled_expiry_date_stays_an_issue_date_candidate() -> None:
    rows = [*_CARD_SLIP, (40, 140, "Date d'opératlon:"), (200, 140, "07/04/2017")]
    dates = all_candidates(build_layout([page_of(rows)]))["date"]
    sale = next(candidate for candidate in dates if candidate.value == "2017-04-07")
    assert not sale.features.get("left:other_date")
    assert sale.features.get("left:issue_date")
