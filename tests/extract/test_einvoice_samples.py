"""The e-invoice reader on the public example files in ../shared/samples/einvoice/."""

from __future__ import annotations

from pathlib import Path

import pytest

from liasse.domain.extraction import FIELD_NAMES
from liasse.extract.einvoice import (
    CONFIDENCE_BAD_CHECKSUM,
    CONFIDENCE_PRESENT,
    NotAnInvoice,
    read_einvoice,
    read_embedded_einvoice,
)

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "einvoice"

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"e-invoice samples not found at {SAMPLES}")

INVOICE_FILES = sorted(
    path.relative_to(SAMPLES).as_posix()
    for path in SAMPLES.glob("*/*.xml") if not path.name.startswith("order-x")
) if SAMPLES.is_dir() else []
ORDER_FILES = ["facturx/order-x-basic.xml", "facturx/order-x-comfort.xml"]


def read(relative: str):  # type: ignore[no-untyped-def]
    path = SAMPLES / relative
    return read_einvoice(path.read_bytes(), source=path.name)


def test_the_sample_folder_holds_the_expected_files() -> None:
    assert len(INVOICE_FILES) == 41
    assert all((SAMPLES / name).is_file() for name in ORDER_FILES)


@pytest.mark.parametrize("relative", INVOICE_FILES)
def test_every_sample_reads_with_number_total_and_currency(relative: str) -> None:
    reading = read(relative)
    assert set(reading.fields) == set(FIELD_NAMES)
    for name in ("invoice_number", "total_amount", "currency"):
        assert reading.value(name), f"{relative}: {name} missing"
        assert reading.fields[name].confidence >= 0.5
        assert reading.fields[name].evidence.startswith(Path(relative).name + ": ")
    assert reading.value("issue_date") is not None
    assert reading.info.syntax in ("cii", "ubl", "zugferd1")


@pytest.mark.parametrize("relative", ORDER_FILES)
def test_order_x_is_refused_as_not_an_invoice(relative: str) -> None:
    with pytest.raises(NotAnInvoice, match="Order-X"):
        read(relative)


# (file, syntax, profile, number, issue date, total, currency, supplier, net, tax)
KNOWN = [
    ("facturx/factur-x-minimum.xml", "cii", "minimum", "F20260023", "2026-01-31", "104.90",
     "EUR", "LE FOURNISSEUR", "100.00", "4.90"),
    ("facturx/factur-x-basicwl.xml", "cii", "basicwl", "F20260023", "2026-01-31", "104.90",
     "EUR", "LE FOURNISSEUR", "100.00", "4.90"),
    ("facturx/factur-x-basic.xml", "cii", "basic", "F20260023", "2026-01-31", "104.90",
     "EUR", "LE FOURNISSEUR", "100.00", "4.90"),
    ("facturx/factur-x-en16931.xml", "cii", "en16931", "F20260023", "2026-01-31", "104.90",
     "EUR", "LE FOURNISSEUR", "100.00", "4.90"),
    ("facturx/factur-x-extended.xml", "cii", "extended", "F20260023", "2026-01-31", "104.90",
     "EUR", "LE FOURNISSEUR", "100.00", "4.90"),
    ("facturx/zugferd-basic.xml", "zugferd1", "basic", "471102", "2013-03-05", "235.62",
     "EUR", "Lieferant GmbH", "198.00", "37.62"),
    ("facturx/zugferd-comfort.xml", "zugferd1", "comfort", "471102", "2013-03-05", "529.87",
     "EUR", "Lieferant GmbH", "473.00", "56.87"),
    ("facturx/zugferd-extended.xml", "zugferd1", "extended", "KR87654321012", "2013-10-06",
     "1256.70", "EUR", "MUSTERLIEFERANT GMBH", "1056.05", "200.65"),
    ("facturx/ubl-21-en16931.xml", "ubl", "en16931", "F124212", "2026-06-17", "308.03",
     "EUR", "Au bon moulin", "273.00", "35.03"),
    ("facturx/ubl-21-extended-ctc-fr.xml", "ubl", "extended", "F124212", "2026-06-17",
     "308.03", "EUR", "Au bon moulin", "273.00", "35.03"),
    ("cii/CII_example1.xml", "cii", "en16931", "12115118", "2015-01-09", "250.33", "EUR",
     "De Koksmaat", "229.60", "20.73"),
    ("cii/CII_example3.xml", "cii", "en16931", "TOSL108", "2013-04-10", "1125.00", "DKK",
     "SubscriptionSeller", "900.00", "225.00"),
    ("cii/CII_example8.xml", "cii", "en16931", "1100512149", "2014-11-10", "1099.78", "EUR",
     "Enexis B.V.", "908.91", "190.87"),
    ("cii/CII_example9.xml", "cii", "en16931", "20150483", "2015-04-01", "177.87", "EUR",
     "Bluem BV", "147.00", "30.87"),
    ("cii/CII_business_example_02.xml", "cii", "comfort", "INV000013", "2013-08-25", "11.90",
     "EUR", "xxxx", "10.00", "1.90"),
    ("cii/CII_business_example_Z.xml", "cii", "comfort", "2016166", "2015-01-09", "11693.87",
     "EUR", "XXX AG", "11693.87", "0.00"),
    ("cii/XRechnung-O.xml", "cii", "en16931", "150377292", "2021-01-14", "385544.60", "EUR",
     "XX", "385544.60", "0.00"),
    ("cii/huf_example_cii.xml", "cii", "en16931", "21/001003559/996", "2021-10-05", "87859.00",
     "HUF", "DKV Euro Service GmbH + Co. KG", "69180.00", "18679.00"),
    ("ubl/ubl-tc434-example1.xml", "ubl", "en16931", "12115118", "2015-01-09", "250.33", "EUR",
     "De Koksmaat", "229.60", "20.73"),
    ("ubl/ubl-tc434-example2.xml", "ubl", "en16931", "TOSL108", "2013-06-30", "1801.78", "NOK",
     "Salescompany ltd.", "1436.50", "365.28"),
    ("ubl/ubl-tc434-example8.xml", "ubl", "en16931", "1100512149", "2014-11-10", "1099.78",
     "EUR", "Enexis B.V.", "908.91", "190.87"),
    ("ubl/issue116.xml", "ubl", "peppol", "2018210", None, "830.00", "SEK", "SÄLJARNAMNET",
     "700.00", "130.00"),
    ("ubl/sample-discount-price.xml", "ubl", "en16931", "test decimal 1", None, "15.15", None,
     "HEP SPLIT", "12.12", "3.03"),
    ("ubl/ubl-tc434-creditnote1.xml", "ubl", "en16931", "018304 / 28865", "2019-09-23",
     "100.11", "EUR", "My Supplier Company", "100.11", "0.00"),
]


@pytest.mark.parametrize(
    ("relative", "syntax", "profile", "number", "issued", "total", "currency", "supplier",
     "net", "tax"), KNOWN)
def test_known_values_are_read(relative: str, syntax: str, profile: str, number: str,
                               issued: str | None, total: str, currency: str | None,
                               supplier: str, net: str, tax: str) -> None:
    reading = read(relative)
    assert (reading.info.syntax, reading.info.profile) == (syntax, profile)
    assert reading.value("invoice_number") == number
    assert reading.value("total_amount") == total
    assert reading.value("net_amount") == net
    assert reading.value("tax_amount") == tax
    assert reading.value("supplier_name") == supplier
    if issued is not None:
        assert reading.value("issue_date") == issued
    if currency is not None:
        assert reading.value("currency") == currency


def test_factur_x_en16931_maps_every_french_identifier() -> None:
    reading = read("facturx/factur-x-en16931.xml")
    expected = {
        "supplier_vat_id": "FR11123456782",
        "supplier_siren": "123456782",
        "supplier_siret": "12345678200077",
        "supplier_iban": "FR2012542547256985425874698",
        "supplier_domain": "seller.com",
        "customer_name": "LE CLIENT",
        "due_date": "2026-03-02",
        "payment_reference": "F20260023BUYER",
    }
    assert {name: reading.value(name) for name in expected} == expected
    assert reading.fields["supplier_siren"].evidence == \
        "factur-x-en16931.xml: ram:SpecifiedLegalOrganization/ram:ID"
    assert reading.fields["total_amount"].evidence == \
        "factur-x-en16931.xml: ram:GrandTotalAmount"
    assert reading.fields["total_amount"].confidence == CONFIDENCE_PRESENT


def test_buyer_vat_id_with_a_bad_checksum_is_kept_compacted_but_doubted() -> None:
    reading = read("facturx/factur-x-en16931.xml")
    # The XML prints "FR 05 987 654 321"; its key should be 44 for that SIREN.
    assert reading.value("customer_vat_id") == "FR05987654321"
    assert reading.fields["customer_vat_id"].confidence == CONFIDENCE_BAD_CHECKSUM
    assert any("customer_vat_id FR05987654321" in warning for warning in reading.warnings)


def test_siren_is_derived_from_the_french_vat_id_when_absent() -> None:
    reading = read("facturx/factur-x-basic.xml")
    assert reading.value("supplier_siren") == "123456782"
    minimum = read("facturx/factur-x-minimum.xml")
    assert minimum.value("supplier_siren") == "123456782"


def test_ubl_credit_note_is_a_credit_note_with_amounts_as_printed() -> None:
    reading = read("ubl/ubl-tc434-creditnote1.xml")
    assert reading.document_type == "credit_note"
    assert reading.value("total_amount") == "100.11"  # positive in the XML, kept positive
    assert reading.value("supplier_iban") == "BE91000000143476"
    assert reading.value("payment_reference") == "010676609538"
    assert reading.value("supplier_domain") == "mysuppliercompany.be"


def test_tax_total_in_the_invoice_currency_is_chosen_over_the_tax_currency() -> None:
    # CII_example5: invoice in DKK, VAT also given in EUR (628.62).
    assert read("cii/CII_example5.xml").value("tax_amount") == "675.00"
    # UBL example 10: a second TaxTotal in SEK (2000.73).
    assert read("ubl/ubl-tc434-example10.xml").value("tax_amount") == "20.73"


def test_ubl_prefers_the_legal_registration_name_and_reads_the_siret_scheme() -> None:
    reading = read("facturx/ubl-21-en16931.xml")
    assert reading.value("supplier_name") == "Au bon moulin"
    assert reading.value("supplier_siret") == "99999999800019"
    assert reading.value("supplier_siren") == "999999998"
    assert reading.value("due_date") == "2026-07-16"
    assert reading.value("customer_vat_id") == "FR19787878784"


def test_the_total_is_the_grand_total_not_what_is_left_after_prepayment() -> None:
    # CII_example2: GrandTotal 1801.78, prepaid 1000, DuePayable 801.78.
    reading = read("cii/CII_example2.xml")
    assert reading.value("total_amount") == "1801.78"
    assert not any("but the total is" in warning for warning in reading.warnings)


def test_missing_tax_total_with_net_equal_to_total_gives_zero_tax() -> None:
    reading = read("cii/CII_example7.xml")
    assert reading.value("tax_amount") == "0.00"
    assert reading.fields["tax_amount"].confidence < CONFIDENCE_PRESENT


def test_due_date_from_payment_terms_stays_below_auto_posting() -> None:
    reading = read("ubl/ubl-tc434-example7.xml")  # "Payment within 30 days", issued 2013-03-11
    assert reading.value("due_date") == "2013-04-10"
    assert reading.fields["due_date"].confidence < 0.85


def test_the_factur_x_pdf_sample_yields_its_embedded_xml() -> None:
    outcome = read_embedded_einvoice((SAMPLES / "facturx" / "invoice_EN16931.pdf").read_bytes())
    assert outcome.reading is not None
    assert outcome.reading.source == "factur-x.xml"
    assert outcome.reading.info.profile == "en16931"
    assert outcome.reading.value("invoice_number") == "F20260023"
    assert outcome.reading.value("total_amount") == "104.90"
    assert outcome.reading.value("supplier_siret") == "12345678200077"
