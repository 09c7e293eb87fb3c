"""Layer 1 of the extraction cascade: read a structured e-invoice XML into fields.

Syntaxes: UN/CEFACT CII D16B (Factur-X every profile, ZUGFeRD 2, XRechnung CII), ZUGFeRD 1.0
(CrossIndustryDocument), OASIS UBL 2.1 Invoice and CreditNote. Order-X and any other XML
are refused. Field formats follow `extract/model.py`; the element each field comes from is
listed in `docs/extraction-einvoice.md`.

Amount signs: amounts are copied with the sign the XML gives them. A credit note's amounts
are positive in the XML (the document type says it is a credit), so they stay positive
here and `document_type == "credit_note"` carries the meaning; an invoice whose XML total
is negative keeps its minus sign.

Exception tree::

    EInvoiceError        not a readable e-invoice: empty, not XML, truncated, too big, no data
     ├── UnsafeXml       refused unparsed: the DOCTYPE declares entities (XXE, billion laughs)
     └── NotAnInvoice    well-formed XML that is not an invoice (Order-X, UBL Order, other XML)

Use `read_einvoice` on a standalone XML file, `read_embedded_einvoice` on a PDF, and
`cross_check` to compare what the XML says with the text a person sees on the PDF.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from lxml import etree

from liasse.domain import identifiers
from liasse.domain.extraction import (
    FIELD_NAMES,
    MISSING,
    EInvoiceInfo,
    EInvoiceSyntax,
    ExtractedField,
)
from liasse.extract.xmlsafe import XmlRejected, parse_untrusted_xml

EInvoiceDocumentType = Literal["invoice", "credit_note"]

# How sure a value is, by where it came from. A value read from a typed XML element is as
# sure as the sender's software; derived or checksum-failing values are kept below the
# 0.85 auto-posting line so that they are always seen by a person.
CONFIDENCE_PRESENT = 0.99
CONFIDENCE_DERIVED = 0.95
CONFIDENCE_FROM_TERMS = 0.8
CONFIDENCE_INCONSISTENT = 0.6
CONFIDENCE_BAD_CHECKSUM = 0.5

CII_NAMESPACE = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
ZUGFERD1_NAMESPACE = "urn:ferd:CrossIndustryDocument:invoice:1p0"
UBL_INVOICE_NAMESPACE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NAMESPACE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
ORDER_X_ROOT = "SCRDMCCBDACIOMessageStructure"

# UNTDID 1001 document codes that mean "credit" (381 is the common one).
CREDIT_NOTE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420",
                               "458", "532"})
# Codes of orders, order responses and despatch advices sometimes wrapped in invoice syntax.
NOT_INVOICE_CODES = frozenset({"105", "220", "221", "222", "224", "225", "226", "227", "228",
                               "229", "230", "231", "351"})
PRO_FORMA_CODE = "325"

# Checked in order on the lower-cased guideline / customization id; ":basic" would also
# match ":basicwl", hence basicwl first.
PROFILE_MARKERS: tuple[tuple[str, str], ...] = (
    ("xrechnung", "xrechnung"),
    (":minimum", "minimum"),
    (":basicwl", "basicwl"),
    (":basic", "basic"),
    (":extended", "extended"),
    (":comfort", "comfort"),
    ("peppol", "peppol"),
    ("en16931", "en16931"),
)

# Personal mailbox providers say nothing about who the supplier is.
WEBMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "hotmail.com", "hotmail.fr",
    "outlook.com", "outlook.fr", "live.com", "live.fr", "msn.com", "icloud.com", "me.com",
    "aol.com", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "laposte.net", "gmx.de",
    "gmx.net", "gmx.fr", "web.de", "t-online.de", "protonmail.com", "proton.me",
})

# Element names too generic to be evidence alone: the parent is named as well.
GENERIC_ELEMENTS = frozenset({"ID", "Name", "URIID", "CompanyID", "DateTimeString",
                              "GlobalID", "RegistrationName", "ElectronicMail", "EndpointID"})

MESSAGES = {
    "not_invoice_root": "XML root <{root}> is not an e-invoice (expected CII, ZUGFeRD or UBL)",
    "order_x": "Order-X document: a purchase order, not an invoice",
    "not_invoice_code": "document type code {code} is not an invoice or a credit note",
    "empty_invoice": "e-invoice {source} has neither an invoice number nor a total",
    "pro_forma": "document type code 325: a pro forma invoice, not a claim for payment",
    "unknown_profile": "unrecognised e-invoice profile {guideline!r}",
    "bad_amount": "{field} {raw!r} is not a decimal amount; ignored",
    "amount_rounded": "{field} {raw} rounded to two decimals",
    "bad_date": "{field} {raw!r} is not a date; ignored",
    "bad_currency": "currency {raw!r} is not an ISO 4217 code",
    "bad_checksum": "{field} {value} fails its checksum",
    "vat_siren_mismatch": "supplier VAT id {vat} does not belong to SIREN {siren}",
    "siret_siren_mismatch": "supplier SIRET {siret} does not belong to SIREN {siren}",
    "arithmetic": "net {net} + tax {tax} = {expected}, but the total is {total}",
    "due_from_terms": "due date computed from the payment terms {terms!r}",
    "attachment_failed": "attachment {name}: {reason}",
    "no_visible_text": "the PDF has no visible text to cross-check the embedded XML against",
    "total_not_visible": "the XML total {total} does not appear in the PDF's visible text",
    "number_not_visible": "the XML invoice number {number!r} does not appear in the PDF's "
                          "visible text",
}


class EInvoiceError(ValueError):
    """The bytes are not a readable e-invoice; the message says why, for the user."""


class UnsafeXml(EInvoiceError):
    """The XML tried something hostile (entity declarations) and was refused unparsed."""


class NotAnInvoice(EInvoiceError):
    """Well-formed XML that is not an invoice or credit note (an Order-X order, for one)."""


@dataclass(frozen=True)
class EInvoiceReading:
    """What one e-invoice XML says: syntax and profile, type, every field, and warnings.

    `fields` holds every name of `FIELD_NAMES`; absent ones are `ExtractedField(None, 0.0, "")`.
    """

    source: str
    info: EInvoiceInfo
    document_type: EInvoiceDocumentType
    fields: dict[str, ExtractedField]
    warnings: list[str] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        return self.fields.get(name, MISSING).value


@dataclass(frozen=True)
class EmbeddedEInvoice:
    """The first readable e-invoice attached to a PDF (or None), and what was skipped."""

    reading: EInvoiceReading | None
    warnings: list[str] = field(default_factory=list)
    not_invoices: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- public API


def read_einvoice(xml: bytes, *, source: str) -> EInvoiceReading:
    """Read one e-invoice XML; `source` (a file name) prefixes every field's evidence.

    Raises `UnsafeXml`, `NotAnInvoice`, or `EInvoiceError` for anything else unreadable.
    """
    try:
        root = parse_untrusted_xml(xml)
    except XmlRejected as rejected:
        raise (UnsafeXml if rejected.unsafe else EInvoiceError)(str(rejected)) from rejected
    draft = _draft_for(root, source)
    reading = _finish(draft)
    if reading.value("invoice_number") is None and reading.value("total_amount") is None:
        raise EInvoiceError(MESSAGES["empty_invoice"].format(source=source))
    return reading


def read_embedded_einvoice(pdf: bytes) -> EmbeddedEInvoice:
    """The first attachment of `pdf` that reads as an e-invoice; the others become warnings."""
    # Deferred: pypdf is needed only where PDFs are parsed (the reader's child processes),
    # not in every process that reads an XML file or imports the cascade.
    from liasse.extract.attachments import scan_xml_attachments

    scan = scan_xml_attachments(pdf)
    warnings, not_invoices = list(scan.warnings), list[str]()
    for name, data in scan.files:
        try:
            return EmbeddedEInvoice(read_einvoice(data, source=name), warnings, not_invoices)
        except NotAnInvoice as refused:
            not_invoices.append(name)
            warnings.append(MESSAGES["attachment_failed"].format(name=name, reason=refused))
        except EInvoiceError as error:
            warnings.append(MESSAGES["attachment_failed"].format(name=name, reason=error))
    return EmbeddedEInvoice(None, warnings, not_invoices)


def cross_check(reading: EInvoiceReading, visible_text: str) -> list[str]:
    """Warnings for the XML facts a person reading the PDF would not see.

    The embedded XML is what gets posted, the PDF is what a person approves: when the XML's
    total or invoice number is not printed on the page, they may describe different
    invoices. Amounts are looked for in the usual printed forms ("1234.56", "1 234,56",
    "1.234,56", "1,234.56", with ordinary, non-breaking or thin spaces); the invoice number
    ignores case and spaces. An empty `visible_text` (a scan without text layer) gives one
    warning, as nothing could be confirmed. The cascade lowers confidence when the list is
    not empty; call it only for XML embedded in a PDF, not for standalone XML files.
    """
    if not visible_text.strip():
        return [MESSAGES["no_visible_text"]]
    warnings: list[str] = []
    total = reading.value("total_amount")
    if total is not None and not amount_appears(total, visible_text):
        warnings.append(MESSAGES["total_not_visible"].format(total=total))
    number = reading.value("invoice_number")
    if number is not None and _squashed(number) not in _squashed(visible_text):
        warnings.append(MESSAGES["number_not_visible"].format(number=number))
    return warnings


def amount_appears(amount: str, text: str) -> bool:
    """True when `amount` ("1234.56") is printed in `text` in any usual number format."""
    try:
        value = abs(Decimal(amount))
    except InvalidOperation:
        return False
    return _amount_pattern(value).search(_plain_spaces(text)) is not None


# --------------------------------------------------------------------------- syntax detection


@dataclass
class _Found:
    """A raw value with the element it was read from and how sure that source is."""

    text: str
    evidence: str
    confidence: float = CONFIDENCE_PRESENT


@dataclass
class _Draft:
    """Raw values read from one syntax, before normalisation and checks."""

    source: str
    syntax: EInvoiceSyntax
    guideline: str
    type_code: str | None
    credit_note_root: bool = False
    found: dict[str, _Found] = field(default_factory=dict)
    payment_terms: str | None = None
    warnings: list[str] = field(default_factory=list)


def _draft_for(root: etree._Element, source: str) -> _Draft:
    namespace, local = _split_tag(root.tag)
    if local == ORDER_X_ROOT:
        raise NotAnInvoice(MESSAGES["order_x"])
    if namespace == CII_NAMESPACE and local == "CrossIndustryInvoice":
        return _read_cii(root, source, "cii")
    if namespace == ZUGFERD1_NAMESPACE and local == "CrossIndustryDocument":
        return _read_cii(root, source, "zugferd1")
    if namespace in (UBL_INVOICE_NAMESPACE, UBL_CREDIT_NOTE_NAMESPACE) and \
            local in ("Invoice", "CreditNote"):
        return _read_ubl(root, source, credit_note_root=local == "CreditNote")
    raise NotAnInvoice(MESSAGES["not_invoice_root"].format(root=local))


def _profile(guideline: str) -> str | None:
    lowered = guideline.lower()
    for marker, profile in PROFILE_MARKERS:
        if marker in lowered:
            return profile
    return None


# --------------------------------------------------------------------------- CII and ZUGFeRD 1

# ZUGFeRD 1 and CII D16B share most names; where they differ both are listed ("a|b").
_CII_CONTEXT = "ExchangedDocumentContext|SpecifiedExchangedDocumentContext"
_CII_GUIDELINE = _CII_CONTEXT + "/GuidelineSpecifiedDocumentContextParameter/ID"
_CII_DOCUMENT = "ExchangedDocument|HeaderExchangedDocument"
_CII_TRANSACTION = "SupplyChainTradeTransaction|SpecifiedSupplyChainTradeTransaction"
_CII_AGREEMENT = (_CII_TRANSACTION + "/ApplicableHeaderTradeAgreement"
                  "|ApplicableSupplyChainTradeAgreement")
_CII_SETTLEMENT = (_CII_TRANSACTION + "/ApplicableHeaderTradeSettlement"
                   "|ApplicableSupplyChainTradeSettlement")
_CII_PAYEE_IBAN = "SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount/IBANID"
_CII_TOTALS = ("SpecifiedTradeSettlementHeaderMonetarySummation"
               "|SpecifiedTradeSettlementMonetarySummation")


def _read_cii(root: etree._Element, source: str, syntax: EInvoiceSyntax) -> _Draft:
    document = _first(root, _CII_DOCUMENT)
    draft = _Draft(
        source=source,
        syntax=syntax,
        guideline=_text(_first(root, _CII_GUIDELINE)),
        type_code=_text(_first(document, "TypeCode")) or None,
    )
    _put(draft, "invoice_number", _first(document, "ID"))
    _put(draft, "issue_date", _first(document, "IssueDateTime/DateTimeString"))
    agreement = _first(root, _CII_AGREEMENT)
    _read_cii_seller(draft, _first(agreement, "SellerTradeParty"))
    buyer = _first(agreement, "BuyerTradeParty")
    _put(draft, "customer_name", _first(buyer, "Name"))
    _put(draft, "customer_vat_id", _by_scheme(_select(buyer, "SpecifiedTaxRegistration/ID"), "VA"))
    _read_cii_settlement(draft, _first(root, _CII_SETTLEMENT))
    return draft


def _read_cii_seller(draft: _Draft, seller: etree._Element | None) -> None:
    _put(draft, "supplier_name", _first(seller, "Name"))
    registrations = _select(seller, "SpecifiedTaxRegistration/ID")
    vat = _by_scheme(registrations, "VA")
    if vat is None:
        # FC is a national tax number (e.g. a German Steuernummer): a VAT id only if it checks.
        vat = next((el for el in registrations if el.get("schemeID") == "FC"
                    and identifiers.is_valid_vat(_text(el))), None)
    _put(draft, "supplier_vat_id", vat)
    legal_ids = _select(seller, "SpecifiedLegalOrganization/ID")
    _put(draft, "supplier_siren", _either(_by_scheme(legal_ids, "0002"),
                                               _unschemed_siren(legal_ids)))
    _put(draft, "supplier_siret", _by_scheme(_select(seller, "GlobalID") + legal_ids, "0009"))
    emails = _select(seller, "URIUniversalCommunication/URIID") + \
        _select(seller, "DefinedTradeContact/EmailURIUniversalCommunication/URIID")
    _put_domain(draft, emails)


def _read_cii_settlement(draft: _Draft, settlement: etree._Element | None) -> None:
    currency = _first(settlement, "InvoiceCurrencyCode")
    _put(draft, "currency", currency)
    _put(draft, "payment_reference", _first(settlement, "PaymentReference"))
    _put(draft, "supplier_iban", _first(settlement, _CII_PAYEE_IBAN))
    terms = _select(settlement, "SpecifiedTradePaymentTerms")
    _put(draft, "due_date", _first_of(_first(term, "DueDateDateTime/DateTimeString")
                                      for term in terms))
    draft.payment_terms = _text(_first_of(_first(term, "Description") for term in terms)) or None
    totals = _first(settlement, _CII_TOTALS)
    _put(draft, "net_amount", _first(totals, "TaxBasisTotalAmount"))
    _put(draft, "tax_amount", _in_currency(_select(totals, "TaxTotalAmount"), _text(currency)))
    _put(draft, "total_amount",
         _either(_first(totals, "GrandTotalAmount"), _first(totals, "DuePayableAmount")))


def _unschemed_siren(legal_ids: list[etree._Element]) -> etree._Element | None:
    """A legal id without scheme that checks as a SIREN is one (French senders often omit 0002)."""
    return next((el for el in legal_ids if el.get("schemeID") is None
                 and re.fullmatch(r"\d{9}", identifiers.compact(_text(el)))
                 and identifiers.is_valid_siren(_text(el))), None)


# --------------------------------------------------------------------------- UBL


def _read_ubl(root: etree._Element, source: str, *, credit_note_root: bool) -> _Draft:
    draft = _Draft(
        source=source,
        syntax="ubl",
        guideline=_text(_first(root, "CustomizationID")),
        type_code=_text(_first(root, "InvoiceTypeCode|CreditNoteTypeCode")) or None,
        credit_note_root=credit_note_root,
    )
    _put(draft, "invoice_number", _first(root, "ID"))
    _put(draft, "issue_date", _first(root, "IssueDate"))
    _put(draft, "due_date", _either(_first(root, "DueDate"),
                                    _first(root, "PaymentMeans/PaymentDueDate")))
    draft.payment_terms = _text(_first(root, "PaymentTerms/Note")) or None
    currency = _first(root, "DocumentCurrencyCode")
    _put(draft, "currency", currency)
    _read_ubl_supplier(draft, _first(root, "AccountingSupplierParty/Party"))
    customer = _first(root, "AccountingCustomerParty/Party")
    _put(draft, "customer_name", _either(
        _first(customer, "PartyLegalEntity/RegistrationName"), _first(customer, "PartyName/Name")))
    _put(draft, "customer_vat_id", _ubl_vat(customer))
    _put(draft, "payment_reference", _first(root, "PaymentMeans/PaymentID"))
    _put(draft, "supplier_iban", _first(root, "PaymentMeans/PayeeFinancialAccount/ID"))
    totals = _first(root, "LegalMonetaryTotal")
    _put(draft, "net_amount", _first(totals, "TaxExclusiveAmount"))
    _put(draft, "tax_amount", _in_currency(_select(root, "TaxTotal/TaxAmount"), _text(currency)))
    _put(draft, "total_amount",
         _either(_first(totals, "TaxInclusiveAmount"), _first(totals, "PayableAmount")))
    return draft


def _read_ubl_supplier(draft: _Draft, party: etree._Element | None) -> None:
    # The registration name is the legal name (BT-27); the party name is a trading name.
    _put(draft, "supplier_name", _either(
        _first(party, "PartyLegalEntity/RegistrationName"), _first(party, "PartyName/Name")))
    _put(draft, "supplier_vat_id", _ubl_vat(party))
    legal_ids = _select(party, "PartyLegalEntity/CompanyID")
    party_ids = _select(party, "PartyIdentification/ID")
    _put(draft, "supplier_siren",
         _either(_by_scheme(legal_ids + party_ids, "0002"), _unschemed_siren(legal_ids)))
    _put(draft, "supplier_siret",
         _by_scheme(party_ids + legal_ids + _select(party, "EndpointID"), "0009"))
    emails = _select(party, "Contact/ElectronicMail") + [
        el for el in _select(party, "EndpointID") if el.get("schemeID") == "EM"]
    _put_domain(draft, emails)


def _ubl_vat(party: etree._Element | None) -> etree._Element | None:
    for scheme in _select(party, "PartyTaxScheme"):
        if _text(_first(scheme, "TaxScheme/ID")).upper() == "VAT":
            return _first(scheme, "CompanyID")
    return None


# --------------------------------------------------------------------------- normalisation


def _finish(draft: _Draft) -> EInvoiceReading:
    document_type = _document_type(draft)
    profile = _profile(draft.guideline)
    if profile is None:
        draft.warnings.append(MESSAGES["unknown_profile"].format(guideline=draft.guideline))
    fields = {name: _normalise(name, draft) for name in FIELD_NAMES}
    _derive_due_date(fields, draft)
    _derive_siren(fields, draft.warnings)
    _check_amounts(fields, draft.warnings)
    return EInvoiceReading(
        source=draft.source,
        info=EInvoiceInfo(draft.syntax, profile or "unknown"),
        document_type=document_type,
        fields=fields,
        warnings=draft.warnings,
    )


def _document_type(draft: _Draft) -> EInvoiceDocumentType:
    if "order-x" in draft.guideline.lower():
        raise NotAnInvoice(MESSAGES["order_x"])
    code = draft.type_code
    if code in NOT_INVOICE_CODES:
        raise NotAnInvoice(MESSAGES["not_invoice_code"].format(code=code))
    if code == PRO_FORMA_CODE:
        draft.warnings.append(MESSAGES["pro_forma"])
    return "credit_note" if draft.credit_note_root or code in CREDIT_NOTE_CODES else "invoice"


_AMOUNT_FIELDS = ("net_amount", "tax_amount", "total_amount")
_DATE_FIELDS = ("issue_date", "due_date")
_CHECKED_IDS = {
    "supplier_vat_id": identifiers.is_valid_vat,
    "customer_vat_id": identifiers.is_valid_vat,
    "supplier_siren": identifiers.is_valid_siren,
    "supplier_siret": identifiers.is_valid_siret,
    "supplier_iban": identifiers.is_valid_iban,
}


def _normalise(name: str, draft: _Draft) -> ExtractedField:
    found = draft.found.get(name)
    if found is None:
        return MISSING
    if name in _AMOUNT_FIELDS:
        value = _normal_amount(name, found.text, draft.warnings)
    elif name in _DATE_FIELDS:
        value = _normal_date(name, found.text, draft.warnings)
    elif name == "currency":
        value = _normal_currency(found.text, draft.warnings)
    elif name in _CHECKED_IDS:
        value = identifiers.compact(found.text)
        if not _CHECKED_IDS[name](value):
            draft.warnings.append(MESSAGES["bad_checksum"].format(field=name, value=value))
            return ExtractedField(value, CONFIDENCE_BAD_CHECKSUM, found.evidence)
    else:
        value = found.text
    if value is None:
        return ExtractedField(None, 0.0, found.evidence)
    return ExtractedField(value, found.confidence, found.evidence)


def _normal_amount(name: str, raw: str, warnings: list[str]) -> str | None:
    # xsd:decimal only: no exponent, no thousands separator, dot as decimal mark.
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", raw):
        warnings.append(MESSAGES["bad_amount"].format(field=name, raw=raw))
        return None
    exact = Decimal(raw)
    cents = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if cents != exact:
        warnings.append(MESSAGES["amount_rounded"].format(field=name, raw=raw))
    return f"{cents if cents != 0 else abs(cents):.2f}"


def _normal_date(name: str, raw: str, warnings: list[str]) -> str | None:
    """CII's format 102 (YYYYMMDD) and UBL's xsd:date (YYYY-MM-DD, maybe with a zone)."""
    match = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})(?:Z|[+-]\d{2}:\d{2})?", raw)
    try:
        if match is None:
            raise ValueError(raw)
        return date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        warnings.append(MESSAGES["bad_date"].format(field=name, raw=raw))
        return None


def _normal_currency(raw: str, warnings: list[str]) -> str | None:
    value = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", value):
        warnings.append(MESSAGES["bad_currency"].format(raw=raw))
        return None
    return value


# --------------------------------------------------------------------------- derivations, checks


def _derive_due_date(fields: dict[str, ExtractedField], draft: _Draft) -> None:
    issued = fields["issue_date"].value
    if fields["due_date"].value is not None or issued is None or draft.payment_terms is None:
        return
    due = due_date_from_terms(draft.payment_terms, date.fromisoformat(issued))
    if due is not None:
        evidence = f"{draft.source}: payment terms {draft.payment_terms[:80]!r}"
        fields["due_date"] = ExtractedField(due.isoformat(), CONFIDENCE_FROM_TERMS, evidence)
        draft.warnings.append(MESSAGES["due_from_terms"].format(terms=draft.payment_terms[:80]))


_TERMS_DAYS = re.compile(
    r"(?:net|netto)?\s*(\d{1,3})\s*(?:jours|days|tage|tagen|j\b|d\b)", re.IGNORECASE)
_TERMS_END_OF_MONTH = re.compile(r"fin de mois|end of month|monatsende|\bfdm\b", re.IGNORECASE)
_TERMS_NET = re.compile(r"\bnet\s+(\d{1,3})\b", re.IGNORECASE)
# Early-payment discount terms ("2 % Skonto innerhalb 10 Tagen") name a day count that is
# not the due date: such terms are left to a person rather than guessed.
_TERMS_DISCOUNT = re.compile(r"%|skonto|escompte|discount|rabatt|remise", re.IGNORECASE)


def due_date_from_terms(terms: str, issued: date) -> date | None:
    """The due date that terms like "30 jours fin de mois" or "net 30" give, or None."""
    if _TERMS_DISCOUNT.search(terms):
        return None
    match = _TERMS_DAYS.search(terms) or _TERMS_NET.search(terms)
    if match is None:
        return None
    due = issued + timedelta(days=int(match.group(1)))
    if _TERMS_END_OF_MONTH.search(terms):
        due = due.replace(day=calendar.monthrange(due.year, due.month)[1])
    return due


def _derive_siren(fields: dict[str, ExtractedField], warnings: list[str]) -> None:
    """Fill the SIREN from the French VAT id or the SIRET, and check the three agree."""
    vat, siret = fields["supplier_vat_id"], fields["supplier_siret"]
    if fields["supplier_siren"].value is None:
        fields["supplier_siren"] = _siren_from(vat, siret)
    siren = fields["supplier_siren"]
    if siren.value is None:
        return
    if vat.value and identifiers.siren_from_vat(vat.value) and \
            not identifiers.vat_matches_siren(vat.value, siren.value):
        warnings.append(MESSAGES["vat_siren_mismatch"].format(vat=vat.value, siren=siren.value))
        fields["supplier_siren"] = _lowered(siren, CONFIDENCE_INCONSISTENT)
    if siret.value and identifiers.siren_from_siret(siret.value) != siren.value:
        warnings.append(MESSAGES["siret_siren_mismatch"].format(siret=siret.value,
                                                                siren=siren.value))
        fields["supplier_siret"] = _lowered(siret, CONFIDENCE_INCONSISTENT)


def _siren_from(vat: ExtractedField, siret: ExtractedField) -> ExtractedField:
    if vat.value and (inner := identifiers.siren_from_vat(vat.value)) and \
            identifiers.vat_matches_siren(vat.value, inner):
        return ExtractedField(inner, min(vat.confidence, CONFIDENCE_DERIVED),
                              f"{vat.evidence} (SIREN inside the VAT id)")
    if siret.value and identifiers.is_valid_siret(siret.value):
        return ExtractedField(identifiers.siren_from_siret(siret.value),
                              min(siret.confidence, CONFIDENCE_DERIVED),
                              f"{siret.evidence} (first nine digits of the SIRET)")
    return MISSING


def _check_amounts(fields: dict[str, ExtractedField], warnings: list[str]) -> None:
    """Net + tax must equal the total to the cent (EN 16931 BR-CO-15); no tax means zero tax."""
    net, tax, total = (fields[name] for name in _AMOUNT_FIELDS)
    if net.value is None or total.value is None:
        return
    if tax.value is None:
        if Decimal(net.value) == Decimal(total.value):
            fields["tax_amount"] = ExtractedField(
                "0.00", CONFIDENCE_DERIVED, f"{total.evidence} (no tax total; net equals total)")
        return
    expected = Decimal(net.value) + Decimal(tax.value)
    if expected != Decimal(total.value):
        warnings.append(MESSAGES["arithmetic"].format(net=net.value, tax=tax.value,
                                                      expected=expected, total=total.value))
        for name in _AMOUNT_FIELDS:
            fields[name] = _lowered(fields[name], CONFIDENCE_INCONSISTENT)


def _lowered(found: ExtractedField, ceiling: float) -> ExtractedField:
    return replace(found, confidence=min(found.confidence, ceiling))


# --------------------------------------------------------------------------- element helpers


def _split_tag(tag: str) -> tuple[str, str]:
    namespace, _, local = tag.rpartition("}")
    return namespace.lstrip("{"), local


def _select(element: etree._Element | None, path: str) -> list[etree._Element]:
    """Descendants along `path` by local name ("A/B|C/D"), whatever the namespace prefix."""
    if element is None:
        return []
    current = [element]
    for step in path.split("/"):
        names = set(step.split("|"))
        current = [child for parent in current for child in parent
                   if isinstance(child.tag, str) and _split_tag(child.tag)[1] in names]
    return current


def _first(element: etree._Element | None, path: str) -> etree._Element | None:
    found = _select(element, path)
    return found[0] if found else None


def _first_of(candidates: Iterable[etree._Element | None]) -> etree._Element | None:
    return next((el for el in candidates if el is not None), None)


def _either(*candidates: etree._Element | None) -> etree._Element | None:
    """The first element found; `a or b` would be wrong, as a childless element is falsy."""
    return _first_of(candidates)


def _by_scheme(elements: list[etree._Element], scheme: str) -> etree._Element | None:
    return next((el for el in elements if (el.get("schemeID") or "").upper() == scheme), None)


def _in_currency(amounts: list[etree._Element], currency: str) -> etree._Element | None:
    """The amount in the invoice currency when a tax-currency copy is given beside it."""
    same = [el for el in amounts if el.get("currencyID") in (None, currency)]
    candidates = same or amounts
    return candidates[0] if candidates else None


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(str(part) for part in element.itertext()).split())


def _evidence(source: str, element: etree._Element) -> str:
    name = _qualified(element)
    parent = element.getparent()
    if _split_tag(element.tag)[1] in GENERIC_ELEMENTS and parent is not None:
        name = f"{_qualified(parent)}/{name}"
    return f"{source}: {name}"


def _qualified(element: etree._Element) -> str:
    local = _split_tag(element.tag)[1]
    return f"{element.prefix}:{local}" if element.prefix else local


def _put(draft: _Draft, name: str, element: etree._Element | None) -> None:
    text = _text(element)
    if element is not None and text:
        draft.found[name] = _Found(text, _evidence(draft.source, element))


def _put_domain(draft: _Draft, addresses: list[etree._Element]) -> None:
    for element in addresses:
        domain = web_domain(_text(element))
        if domain is not None:
            draft.found["supplier_domain"] = _Found(domain, _evidence(draft.source, element))
            return


def web_domain(address: str) -> str | None:
    """The company domain of an e-mail address or URL; None for webmail or no domain."""
    value = address.strip().lower().removeprefix("mailto:")
    if "@" in value:
        host = value.rpartition("@")[2]
    else:
        host = re.sub(r"^[a-z]+://", "", value).split("/", 1)[0].split(":", 1)[0]
    host = host.removeprefix("www.").strip(".")
    if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", host) or host in WEBMAIL_DOMAINS:
        return None
    return host


# --------------------------------------------------------------------------- visible-text matching

_ODD_SPACES = re.compile(r"[\u00a0\u202f\u2007\u2009\u200a]")
_THOUSANDS = ("", " ", ".", ",", "'", "\u2019")
_CURRENCY_MARK = r"\s?(?:€|EUR|\$|USD|£|GBP|CHF|,-|\.-)"


def _plain_spaces(text: str) -> str:
    return _ODD_SPACES.sub(" ", text)


def _squashed(text: str) -> str:
    return "".join(text.split()).casefold()


def _amount_pattern(value: Decimal) -> re.Pattern[str]:
    units, cents = divmod(int(value * 100), 100)
    renderings = set(_renderings(units, cents))
    alternatives = "|".join(re.escape(text) for text in sorted(renderings, key=len, reverse=True))
    whole = ""
    if cents == 0:
        grouped = "|".join(re.escape(_grouped(units, sep)) for sep in _THOUSANDS)
        whole = rf"|(?:{grouped})(?={_CURRENCY_MARK})"
    # Not part of a longer number on either side (but "1 234,56" may follow a word or "€").
    return re.compile(rf"(?<!\d)(?<!\d[.,])(?:{alternatives}{whole})(?!\d|[.,]\d)")


def _renderings(units: int, cents: int) -> Iterator[str]:
    for thousands in _THOUSANDS:
        for decimal_mark in (".", ","):
            if thousands != decimal_mark:
                yield f"{_grouped(units, thousands)}{decimal_mark}{cents:02d}"


def _grouped(units: int, separator: str) -> str:
    return f"{units:,}".replace(",", separator)
