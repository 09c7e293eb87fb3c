"""The seller's VAT id is the one beside its legal mention (issue 11).

cnfilms' Factur-X sample prints the customer's block with no label ("CLIENT 1 / … /
Numero TVA FR51777888991") above the seller's legal mention ("SARL au capital de … RCS
NANTERRE … / No TVA intracommunautaire : FR 34 999 888 779"): both valid and labelled,
the first printed was taken for the supplier's.
"""

from __future__ import annotations

from textpages import page_of

from liasse.extract.fields.geometry import build_layout
from liasse.extract.fields.identifiers import read_identifiers

Rows = list[tuple[float, float, str]]
_CUSTOMER = [(40, 20, "FOURNISSEUR F"), (300, 60, "CLIENT 1"), (300, 72, "1 rue du Client"),
             (300, 84, "Numero TVA FR51777888991")]


def _vat(rows: Rows) -> str | None:
    return read_identifiers(build_layout([page_of(rows)]), frozenset())["supplier_vat_id"].value


def test_the_vat_id_beside_the_legal_mention_is_the_sellers() -> None:
    rows = [*_CUSTOMER,
            (40, 780, "SARL au capital de 50 000 Euros - R.C.S. NANTERRE 999 888 779"),
            (40, 792, "No TVA intracommunautaire : FR 34 999 888 779")]
    assert _vat(rows) == "FR34999888779"


def test_without_a_legal_mention_the_order_of_the_page_stands() -> None:
    """Nothing tells the two apart: the rule does not fire, the first printed stays."""
    rows = [*_CUSTOMER, (40, 780, "Merci de votre confiance"),
            (40, 792, "No TVA intracommunautaire : FR 34 999 888 779")]
    assert _vat(rows) == "FR51777888991"


def test_a_repeated_vat_id_still_wins_over_the_legal_mention() -> None:
    """The mention only breaks ties: the seller's id printed twice elsewhere stays ahead."""
    rows = [(40, 20, "Atelier Martin"), (40, 32, "TVA FR51777888991"),
            (40, 300, "TVA : FR51777888991"),
            (40, 780, "SARL au capital de 50 000 Euros - R.C.S. NANTERRE 999 888 779"),
            (40, 792, "No TVA intracommunautaire : FR 34 999 888 779")]
    assert _vat(rows) == "FR51777888991"
