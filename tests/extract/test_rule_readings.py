"""The rule readers read only what the ranker leaves them, and the document reads the same
as when every reader ran and the ranker's choices replaced theirs (`document._rule_readings`)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_fields import FRENCH
from textpages import page_of

from liasse.domain.extraction import FIELD_NAMES, MISSING, ExtractedField
from liasse.domain.identifiers import compact
from liasse.extract.candidates import all_candidates, date_order
from liasse.extract.doctype import classify
from liasse.extract.fields import document
from liasse.extract.fields.amounts import read_amounts
from liasse.extract.fields.dates import read_dates
from liasse.extract.fields.document import read_document
from liasse.extract.fields.geometry import build_layout
from liasse.extract.fields.identifiers import read_identifiers
from liasse.extract.fields.parties import PARTY_FIELDS, read_parties
from liasse.extract.fields.reading import FieldReading
from liasse.extract.fields.references import REFERENCE_FIELDS, read_references
from liasse.extract.layout import Page
from liasse.extract.ranking import FIELD_KINDS, RankerModel, shipped_model

_SETTLING = [
    (40, 40, "Banque Exemple SA"), (40, 60, "Avis de virement"),
    (40, 90, "En règlement de la facture F-2026-0042"), (40, 110, "Date : 03/11/2026"),
    (40, 130, "Montant 1 500,00 €"), (40, 150, "Référence RF18539007547034"),
    (40, 170, "contact@banque-exemple.fr"),
]
_TERMS = [
    (40, 40, "Atelier Bois SARL"), (40, 60, "Facture n° AB-77"), (40, 80, "Date : 01/10/2026"),
    (40, 100, "Paiement à 30 jours net"), (40, 130, "Total TTC"), (300, 130, "120,00 €"),
]


def _every_reader(pages: list[Page], model: RankerModel,
                  own_names: tuple[str, ...] = ()) -> tuple[dict[str, ExtractedField], str]:
    """The long way: every rule reader on every field, then the ranker's choices over them."""
    layout = build_layout(pages)
    readings: dict[str, FieldReading] = {}
    readings.update(read_amounts(layout))
    readings.update(read_dates(layout, order=date_order(layout)))
    readings.update(read_identifiers(layout, frozenset(compact(i) for i in ())))
    readings.update(read_parties(layout, own_names))
    readings.update(read_references(layout))
    kind = classify(layout, has_amounts=readings["total_amount"].value is not None)
    fields = {name: readings[name].to_field() if name in readings else MISSING
              for name in FIELD_NAMES}
    chosen = document._chosen(all_candidates(layout), model, "text", own_names)
    fields.update({name: document._as_field(choice) for name, choice in chosen.items()})
    if kind.document_type == "payment_confirmation" \
            and readings["related_invoice"].value is not None:
        fields["invoice_number"] = readings["related_invoice"].to_field()
    return fields, kind.document_type


def _without(model: RankerModel, names: tuple[str, ...]) -> RankerModel:
    """The model with no weights for `names`: the rule readers must give those fields."""
    return replace(model,
                   fields={k: v for k, v in model.fields.items() if k not in names},
                   text_fields={k: v for k, v in model.text_fields.items() if k not in names})


@pytest.mark.parametrize("rows", [FRENCH, _SETTLING, _TERMS])
@pytest.mark.parametrize("unweighed", [(), ("issue_date", "due_date"),
                                       ("supplier_name", "customer_name", "invoice_number"),
                                       tuple(FIELD_KINDS)])
def test_the_fields_are_those_every_reader_then_the_ranker_give(
        rows: list[tuple[float, float, str]], unweighed: tuple[str, ...]) -> None:
    model = _without(shipped_model(), unweighed)
    reading = read_document([page_of(rows)], model=model)
    assert (reading.fields, reading.document_type) == _every_reader([page_of(rows)], model)


def test_a_field_the_ranker_has_no_weights_for_is_read_by_rule() -> None:
    """The due date from payment terms, the supplier from its legal mention: rule readings."""
    model = _without(shipped_model(), ("due_date", "supplier_name"))
    fields = read_document([page_of(FRENCH)], model=model).fields
    assert fields["due_date"].value == "2026-10-15"
    assert fields["supplier_name"].value == "Cowork Rivoli SARL"
    assert "au capital" in fields["supplier_name"].evidence


def test_a_payment_confirmation_is_numbered_by_the_invoice_it_settles() -> None:
    reading = read_document([page_of(_SETTLING)])
    assert reading.document_type == "payment_confirmation"
    assert reading.fields["invoice_number"].value == "F-2026-0042"


@pytest.mark.parametrize("wanted", [(), ("supplier_name",), ("supplier_domain",),
                                    ("customer_name",), ("supplier_domain", "customer_name")])
def test_the_parties_read_are_the_wanted_ones_read_as_all_are(wanted: tuple[str, ...]) -> None:
    layout = build_layout([page_of(FRENCH)])
    every = read_parties(layout, ())
    assert set(every) == set(PARTY_FIELDS)
    assert read_parties(layout, (), wanted) == {name: every[name] for name in wanted}


@pytest.mark.parametrize("wanted", [(), ("invoice_number",), ("related_invoice",),
                                    ("payment_reference", "related_invoice")])
def test_the_references_read_are_the_wanted_ones_read_as_all_are(
        wanted: tuple[str, ...]) -> None:
    layout = build_layout([page_of(_SETTLING)])
    every = read_references(layout)
    assert set(every) == set(REFERENCE_FIELDS)
    assert every["related_invoice"].value == "F-2026-0042"
    assert read_references(layout, wanted) == {name: every[name] for name in wanted}
