"""The reader's rules on small hand-made invoices: types, signs, checks, terms, cross-check."""

from __future__ import annotations

from datetime import date

import pytest

from liasse.domain.extraction import MISSING, EInvoiceInfo, ExtractedField
from liasse.extract.einvoice import (
    CONFIDENCE_BAD_CHECKSUM,
    CONFIDENCE_INCONSISTENT,
    CONFIDENCE_PRESENT,
    EInvoiceReading,
    amount_appears,
    cross_check,
    due_date_from_terms,
    read_einvoice,
    web_domain,
)


def cii(*, type_code: str = "380", net: str = "100.00", tax: str = "20.00",
        total: str = "120.00", seller: str = "", guideline: str = "urn:cen.eu:en16931:2017",
        issue: str = '<udt:DateTimeString format="102">20250115</udt:DateTimeString>',
        terms: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice
  xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>
  <ram:ID>{guideline}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument><ram:ID>FA-2025-001</ram:ID><ram:TypeCode>{type_code}</ram:TypeCode>
  <ram:IssueDateTime>{issue}</ram:IssueDateTime></rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Papeterie Martin SARL</ram:Name>{seller}</ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Atelier Demo</ram:Name></ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   {terms}
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:TaxBasisTotalAmount>{net}</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">{tax}</ram:TaxTotalAmount>
    <ram:GrandTotalAmount>{total}</ram:GrandTotalAmount>
    <ram:DuePayableAmount>{total}</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>""".encode()


def seller_ids(*, vat: str = "", siren: str = "", siret: str = "", email: str = "") -> str:
    parts = []
    if siret:
        parts.append(f'<ram:GlobalID schemeID="0009">{siret}</ram:GlobalID>')
    if siren:
        parts.append(f"<ram:SpecifiedLegalOrganization><ram:ID>{siren}</ram:ID>"
                     "</ram:SpecifiedLegalOrganization>")
    if email:
        parts.append(f'<ram:URIUniversalCommunication><ram:URIID schemeID="EM">{email}'
                     "</ram:URIID></ram:URIUniversalCommunication>")
    if vat:
        parts.append(f'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{vat}</ram:ID>'
                     "</ram:SpecifiedTaxRegistration>")
    return "".join(parts)


def test_a_cii_381_is_a_credit_note_and_keeps_its_printed_sign() -> None:
    reading = read_einvoice(cii(type_code="381"), source="avoir.xml")
    assert reading.document_type == "credit_note"
    assert reading.value("total_amount") == "120.00"


def test_negative_amounts_printed_negative_stay_negative() -> None:
    reading = read_einvoice(cii(net="-100", tax="-20", total="-120.0"), source="x.xml")
    assert reading.document_type == "invoice"
    assert [reading.value(n) for n in ("net_amount", "tax_amount", "total_amount")] == \
        ["-100.00", "-20.00", "-120.00"]
    assert reading.warnings == []


def test_amounts_with_more_decimals_are_rounded_with_a_warning() -> None:
    reading = read_einvoice(cii(net="100.004", tax="20.00", total="120.00"), source="x.xml")
    assert reading.value("net_amount") == "100.00"
    assert any("rounded" in warning for warning in reading.warnings)


def test_a_malformed_amount_is_dropped_not_guessed() -> None:
    reading = read_einvoice(cii(total="1 234,56"), source="x.xml")
    assert reading.fields["total_amount"].value is None
    assert reading.fields["total_amount"].confidence == 0.0
    assert any("not a decimal amount" in warning for warning in reading.warnings)


def test_arithmetic_disagreement_warns_and_lowers_all_three_amounts() -> None:
    reading = read_einvoice(cii(net="100.00", tax="20.00", total="125.00"), source="x.xml")
    assert any("the total is 125.00" in warning for warning in reading.warnings)
    for name in ("net_amount", "tax_amount", "total_amount"):
        assert reading.fields[name].confidence == CONFIDENCE_INCONSISTENT


def test_consistent_french_identifiers_are_confident() -> None:
    ids = seller_ids(vat="FR 44 732 829 320", siren="732829320", siret="73282932000074",
                     email="compta@papeterie-martin.fr")
    reading = read_einvoice(cii(seller=ids), source="x.xml")
    assert reading.value("supplier_vat_id") == "FR44732829320"
    assert reading.value("supplier_siren") == "732829320"  # no schemeID but a valid SIREN
    assert reading.value("supplier_siret") == "73282932000074"
    assert reading.value("supplier_domain") == "papeterie-martin.fr"
    assert all(reading.fields[n].confidence == CONFIDENCE_PRESENT
               for n in ("supplier_vat_id", "supplier_siren", "supplier_siret"))
    assert reading.warnings == []


def test_a_vat_id_of_another_siren_is_flagged() -> None:
    ids = seller_ids(vat="FR44732829320", siren="552100554")
    reading = read_einvoice(cii(seller=ids), source="x.xml")
    assert reading.fields["supplier_siren"].confidence == CONFIDENCE_INCONSISTENT
    assert any("does not belong to SIREN 552100554" in w for w in reading.warnings)


def test_a_bad_vat_checksum_keeps_the_value_with_low_confidence() -> None:
    reading = read_einvoice(cii(seller=seller_ids(vat="FR45732829320")), source="x.xml")
    assert reading.value("supplier_vat_id") == "FR45732829320"
    assert reading.fields["supplier_vat_id"].confidence == CONFIDENCE_BAD_CHECKSUM
    assert reading.value("supplier_siren") is None  # never derived from a bad VAT id


def test_a_webmail_address_gives_no_supplier_domain() -> None:
    reading = read_einvoice(cii(seller=seller_ids(email="martin.papeterie@gmail.com")),
                            source="x.xml")
    assert reading.fields["supplier_domain"] == MISSING


def test_the_profile_comes_from_the_guideline_id() -> None:
    guideline = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    assert read_einvoice(cii(guideline=guideline), source="x.xml").info == \
        EInvoiceInfo("cii", "xrechnung")
    unknown = read_einvoice(cii(guideline="urn:example:custom"), source="x.xml")
    assert unknown.info.profile == "unknown"
    assert any("unrecognised e-invoice profile" in w for w in unknown.warnings)


def test_a_pro_forma_is_read_but_flagged() -> None:
    reading = read_einvoice(cii(type_code="325"), source="x.xml")
    assert any("pro forma" in warning for warning in reading.warnings)


def test_an_unreadable_date_is_dropped_with_a_warning() -> None:
    issue = '<udt:DateTimeString format="102">20251340</udt:DateTimeString>'
    reading = read_einvoice(cii(issue=issue), source="x.xml")
    assert reading.value("issue_date") is None
    assert any("issue_date" in warning for warning in reading.warnings)


def test_due_date_is_computed_from_terms_when_no_due_date_is_given() -> None:
    terms = ("<ram:SpecifiedTradePaymentTerms><ram:Description>Paiement à 30 jours fin de "
             "mois</ram:Description></ram:SpecifiedTradePaymentTerms>")
    reading = read_einvoice(cii(terms=terms), source="x.xml")
    assert reading.value("due_date") == "2025-02-28"
    assert reading.fields["due_date"].confidence < 0.85


@pytest.mark.parametrize(("terms", "expected"), [
    ("Net 30", date(2025, 2, 14)),
    ("30 jours net", date(2025, 2, 14)),
    ("Zahlbar innerhalb 14 Tagen", date(2025, 1, 29)),
    ("45 jours fin de mois", date(2025, 3, 31)),
    ("Payment within 60 days end of month", date(2025, 3, 31)),
    ("3 % Skonto innerhalb 10 Tagen", None),
    ("Payable upon receipt", None),
])
def test_due_date_from_terms(terms: str, expected: date | None) -> None:
    assert due_date_from_terms(terms, date(2025, 1, 15)) == expected


@pytest.mark.parametrize(("address", "domain"), [
    ("compta@Papeterie-Martin.fr", "papeterie-martin.fr"),
    ("mailto:billing@www.example.de", "example.de"),
    ("https://www.acme.io/contact", "acme.io"),
    ("someone@orange.fr", None),
    ("not an address", None),
])
def test_web_domain(address: str, domain: str | None) -> None:
    assert web_domain(address) == domain


@pytest.mark.parametrize("text", [
    "Total TTC 1234.56", "Total TTC : 1 234,56 €", "Gesamtbetrag 1.234,56 EUR",
    "Total due $1,234.56", "Net à payer\u00a01\u202f234,56\u00a0€", "Montant: 1'234.56 CHF",
])
def test_amounts_are_found_in_every_usual_print_format(text: str) -> None:
    assert amount_appears("1234.56", text)


@pytest.mark.parametrize("text", [
    "Total 11234.56", "Total 1234.567", "Total 234.56", "Total 1234.5", "Total 1 234,65",
])
def test_other_amounts_do_not_count_as_the_total(text: str) -> None:
    assert not amount_appears("1234.56", text)


def test_a_round_amount_may_be_printed_without_cents_next_to_its_currency() -> None:
    assert amount_appears("1500.00", "Total : 1 500 €")
    assert not amount_appears("1500.00", "Article 1500 quantité 3")


def reading_of(number: str, total: str) -> EInvoiceReading:
    fields = {"invoice_number": ExtractedField(number, 0.99, "x"),
              "total_amount": ExtractedField(total, 0.99, "x")}
    return EInvoiceReading("x.xml", EInvoiceInfo("cii", "en16931"), "invoice", fields)


def test_cross_check_ignores_case_and_spaces_in_the_invoice_number() -> None:
    text = "FACTURE n° fa - 2025 - 001\nTotal TTC 120,00 €"
    assert cross_check(reading_of("FA-2025-001", "120.00"), text) == []


def test_cross_check_reports_each_missing_fact() -> None:
    warnings = cross_check(reading_of("FA-2025-001", "120.00"), "Facture FA-2025-002, 121,00 €")
    assert len(warnings) == 2


def test_cross_check_without_visible_text_says_nothing_could_be_confirmed() -> None:
    assert cross_check(reading_of("FA-2025-001", "120.00"), "  \n ") == [
        "the PDF has no visible text to cross-check the embedded XML against"]
