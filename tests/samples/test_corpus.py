"""The development corpus: deterministic, varied, and its ground truth agrees with the page."""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from PIL import Image

from liasse.domain import identifiers
from liasse.domain.extraction import FIELD_NAMES
from liasse.samples import formats
from liasse.samples.corpus import CorpusDocument, build_spec, generate, is_valid_identifier
from liasse.samples.layouts import LAYOUTS

AMOUNT = re.compile(r"-?\d+\.\d{2}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
COMPACT = re.compile(r"[0-9A-Z]+")


def page_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


@pytest.fixture(scope="module")
def born_digital() -> list[CorpusDocument]:
    return list(generate(400, seed=0, scans=False))


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not() -> None:
    def digests(seed: int) -> list[str]:
        return [hashlib.sha256(doc.data).hexdigest() for doc in generate(24, seed=seed)]

    first = digests(7)
    assert first == digests(7)
    assert first != digests(8)


def test_a_short_corpus_is_a_prefix_of_a_long_one(born_digital: list[CorpusDocument]) -> None:
    short = list(generate(20, seed=0, scans=False))
    assert [doc.data for doc in short] == [doc.data for doc in born_digital[:20]]


def test_four_hundred_documents_over_at_least_fifteen_layouts(
        born_digital: list[CorpusDocument]) -> None:
    assert len(born_digital) == 400
    assert len({doc.layout for doc in born_digital}) >= 15
    assert len({doc.name for doc in born_digital}) == 400
    held_out = {doc.layout for doc in born_digital if doc.held_out}
    assert 2 <= len(held_out) < len(LAYOUTS) // 2


def test_document_types_languages_and_multi_page_are_all_there(
        born_digital: list[CorpusDocument]) -> None:
    types = Counter(doc.document_type for doc in born_digital)
    assert set(types) == {"invoice", "credit_note", "receipt", "payment_confirmation", "other"}
    assert types["invoice"] > 250
    assert {doc.language for doc in born_digital} == {"fr", "en", "de"}
    assert any(doc.pages >= 3 for doc in born_digital)
    currencies = {doc.truth["currency"] for doc in born_digital}
    assert {"EUR", "USD", "GBP", "CHF"} <= currencies


def test_truth_uses_the_contract_field_names_and_formats(
        born_digital: list[CorpusDocument]) -> None:
    for doc in born_digital:
        assert tuple(doc.truth) == FIELD_NAMES
        for name in ("net_amount", "tax_amount", "total_amount"):
            assert doc.truth[name] is None or AMOUNT.fullmatch(doc.truth[name] or ""), doc.name
        for name in ("issue_date", "due_date"):
            assert doc.truth[name] is None or DATE.fullmatch(doc.truth[name] or ""), doc.name
        for name in ("supplier_vat_id", "supplier_siren", "supplier_siret", "supplier_iban",
                     "customer_vat_id"):
            assert doc.truth[name] is None or COMPACT.fullmatch(doc.truth[name] or ""), doc.name
        if doc.document_type == "other":
            assert set(doc.truth.values()) == {None}


def test_net_plus_tax_is_the_total_to_the_cent(born_digital: list[CorpusDocument]) -> None:
    checked = 0
    for doc in born_digital:
        net, tax, total = (doc.truth[n] for n in ("net_amount", "tax_amount", "total_amount"))
        if net is not None and tax is not None and total is not None:
            assert Decimal(net) + Decimal(tax) == Decimal(total), doc.name
            checked += 1
    assert checked > 300
    credit_notes = [doc for doc in born_digital if doc.document_type == "credit_note"]
    assert any(Decimal(doc.truth["total_amount"] or 0) < 0 for doc in credit_notes)


def test_identifiers_are_valid_except_the_ones_labelled_invalid(
        born_digital: list[CorpusDocument]) -> None:
    invalid_seen = 0
    for doc in born_digital:
        for name in ("supplier_siren", "supplier_siret", "supplier_vat_id", "supplier_iban"):
            value = doc.truth[name]
            if value is None:
                continue
            assert is_valid_identifier(name, value) == (name not in doc.invalid_fields), doc.name
        invalid_seen += bool(doc.invalid_fields)
        vat, siren = doc.truth["supplier_vat_id"], doc.truth["supplier_siren"]
        if vat and siren and vat.startswith("FR") and not doc.invalid_fields:
            assert identifiers.vat_matches_siren(vat, siren), doc.name
    assert 10 <= invalid_seen <= 80


def test_what_the_truth_says_is_printed_on_the_page(born_digital: list[CorpusDocument]) -> None:
    for index, doc in enumerate(born_digital[:60]):
        if doc.document_type == "other":
            continue
        spec = build_spec(index, seed=0)
        text = page_text(doc.data).replace("\u00a0", " ")
        squeezed = re.sub(r"[\s\u00a0]+", "", text)
        assert str(doc.truth["supplier_name"]) in text, doc.name
        assert str(doc.truth["invoice_number"]) in text, doc.name
        for name in ("supplier_vat_id", "supplier_siret", "supplier_iban", "payment_reference"):
            value = doc.truth[name]
            assert value is None or value.replace(" ", "") in squeezed, (doc.name, name)
        for name in ("supplier_domain", "customer_name"):
            value = doc.truth[name]
            assert value is None or value in text, (doc.name, name)
        total = Decimal(doc.truth["total_amount"] or "0")
        printed_total = formats.format_number(total, spec.style.number_style)
        assert printed_total.replace("\u00a0", " ") in text, doc.name
        issue = formats.format_date(spec.issue_date, spec.style)
        assert issue in text, doc.name


def test_scanned_variants_have_no_text_layer_and_scanner_resolution() -> None:
    scans = [doc for doc in generate(60, seed=0) if doc.scanned]
    assert {doc.suffix for doc in scans} >= {".pdf", ".jpg"}
    for doc in scans:
        if doc.suffix == ".pdf":
            assert page_text(doc.data).strip() == "", doc.name
        else:
            image = Image.open(io.BytesIO(doc.data))
            assert 200 <= round(image.info["dpi"][0]) <= 300
            assert image.width > 600


def test_the_corpus_cites_a_laws_date_in_its_boilerplate(born_digital: list[CorpusDocument],
                                                           ) -> None:
    """A class no real document shows (issue 11, point 7): the late-payment law's own date
    in French boilerplate ("loi n° 2008-776 du 4 août 2008"), which is no due date."""
    texts = [(document, page_text(document.data)) for document in born_digital]
    legal = [document for document, text in texts if "2008-776" in text]
    assert legal and all(d.truth.get("due_date") != "2008-08-04" for d in legal)
