"""The matcher's vocabulary: its settings, the prepared documents and transactions, decisions.

Documents and transactions are prepared once (normalised names, IBANs, day numbers) so
that scoring a pair is arithmetic and set look-ups, whatever the volume.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from liasse.domain.documents import DocumentFacts
from liasse.domain.identifiers import compact
from liasse.domain.matching.fx import FxRates
from liasse.domain.matching.references import find_rf_references, number_keys, text_keys
from liasse.domain.money import Money
from liasse.domain.suppliers import OwnCompany, normalise_name
from liasse.domain.transactions import BankTransaction

Kind = Literal["payment", "confirmation", "credit", "double_charge", "duplicate"]
Band = Literal["auto", "review"]
Role = Literal["payable", "sales", "confirmation", "ignored"]


@dataclass(frozen=True)
class MatchConfig:
    """Every knob of the matcher, with the defaults the benchmark was tuned on."""

    account_currency: str = "EUR"
    days_before: int = 10  # a card is often charged before the invoice is dated
    days_after: int = 120  # invoices are paid late, rarely later than this
    fee_cap_minor: int = 500  # a gap up to 5.00 can be a bank fee (review only)
    fx_tolerance: Decimal = Decimal("0.02")  # card amount vs invoice in its own currency
    auto_margin: float = 0.15  # score lead needed where evidence cannot rank (batches, etc.)
    clear_days: int = 10  # same evidence: the winner must be this many days closer
    review_from: float = 0.5  # below this a pair is not worth a person's time
    double_charge_days: int = 5
    subset_max_documents: int = 12
    subset_max_size: int = 6
    confirmation_days: int = 10
    fx_rates: FxRates = field(default_factory=FxRates)
    own_company: OwnCompany = field(default_factory=OwnCompany)
    sales_document_ids: frozenset[str] = frozenset()
    sales_folders: tuple[str, ...] = ()
    ignored_operation_types: frozenset[str] = frozenset({"qonto_fee"})


@dataclass(frozen=True)
class MatchDecision:
    """One decision: a transaction and the documents it concerns, with the reasons why."""

    transaction_id: str
    document_ids: tuple[str, ...]
    kind: Kind
    score: float
    band: Band
    reasons: tuple[str, ...]
    converted: Money | None = None  # the document total in the account currency (FX)
    # for review: the other (transaction id, document id, score) that could fit, best first
    candidates: tuple[tuple[str, str, float], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"transaction_id": self.transaction_id, "document_ids": list(self.document_ids),
                "kind": self.kind, "score": round(self.score, 4), "band": self.band,
                "reasons": list(self.reasons)}


class PreparedDocument:
    """A document with the normalised keys the matcher compares."""

    __slots__ = ("currency", "day", "facts", "iban", "ibans", "issue_day", "keys", "label", "minor",
                 "name", "name_key", "party_keys", "role", "settled_by", "supplier_key")

    def __init__(self, facts: DocumentFacts, role: Role, settled_by: tuple[str, ...]) -> None:
        self.facts = facts
        self.role: Role = role
        self.settled_by = settled_by
        total = facts.total
        self.minor = total.minor if total else 0
        self.currency = total.currency if total else ""
        issue = facts.issue_date
        expected = facts.due_date or issue
        self.issue_day = issue.toordinal() if issue else (expected.toordinal() if expected else 0)
        self.day = expected.toordinal() if expected else self.issue_day
        self.iban = compact(facts.supplier_iban) if facts.supplier_iban else None
        # the IBANs this supplier is known to use; `share_supplier_ibans` adds its other ones
        self.ibans: frozenset[str] = frozenset({self.iban}) if self.iban else frozenset()
        self.name = (facts.customer_name if role == "sales" else facts.supplier_name) or ""
        self.name_key = normalise_name(self.name)
        number_like = [value for value in (facts.invoice_number, facts.payment_reference) if value]
        self.keys = frozenset().union(*(number_keys(value) for value in number_like))
        vat = facts.supplier_vat_id
        self.supplier_key = compact(vat) if vat else (self.iban or self.name_key)
        # every way this party may be recognised; one document may lack its VAT id
        self.party_keys = frozenset(key for key in (compact(vat) if vat else None, self.iban,
                                                    self.name_key) if key)
        self.label = facts.invoice_number or facts.file or facts.id

    @property
    def id(self) -> str:
        return self.facts.id


class PreparedTransaction:
    """A bank line with its day number, IBAN and name key; reference keys built on demand."""

    __slots__ = ("_keys", "day", "iban", "index", "name_key", "tx")

    def __init__(self, tx: BankTransaction, index: int) -> None:
        self.tx = tx
        self.index = index
        self.day = tx.booked_at.date().toordinal()
        self.iban = compact(tx.counterparty_iban) if tx.counterparty_iban else None
        self.name_key = counterparty_key(tx.counterparty_name)
        self._keys: frozenset[str] | None = None

    @property
    def keys(self) -> frozenset[str]:
        """Invoice-number and RF keys found in the label, reference and note (cached)."""
        if self._keys is None:
            texts = (self.tx.reference, self.tx.label, self.tx.note)
            self._keys = text_keys(*texts) | frozenset(find_rf_references(*texts))
        return self._keys


# Card and direct-debit labels start with the payment scheme, which names nobody.
SCHEME_WORDS = frozenset({"CB", "CARTE", "PRLV", "PRELEVEMENT", "SEPA", "VIR", "VIREMENT",
                          "INST", "PAIEMENT", "PAYMENT", "SDD", "DD", "ECH", "ECHEANCE"})
# What banks print around a name that names nobody: a card processor ("PAYPAL *", "SUMUP *"),
# a masked card number ("CB*4905", "CARTE X2297"), the day ("21/08"), a postcode. Their
# digits would otherwise read as a different shop number ("GARAGE 12" vs "GARAGE 12 21 08").
_PROCESSOR = re.compile(r"^\s*(?:PAYPAL|SUMUP|SQ|STRIPE|ZETTLE|IZETTLE|SP)\s*\*\s*",
                        re.IGNORECASE)
_CARD_MASK = re.compile(r"(?:\bCB\s*\*\s*|(?<![0-9A-Z])X)\d{4}\b", re.IGNORECASE)
_DAY = re.compile(r"(?<![0-9])\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?(?![0-9])")
_POSTCODE = re.compile(r"(?<![0-9])\d{5}(?![0-9])")


def counterparty_key(raw: str) -> str:
    """The name a bank line names: "CARTE X2297 21/08 HERMINE-TELECOM 2 75011 PARIS" →
    "HERMINE TELECOM 2 PARIS" (towns stay: a name compared word by word ignores them)."""
    cleaned = _PROCESSOR.sub(" ", raw)
    for noise in (_CARD_MASK, _DAY, _POSTCODE):
        cleaned = noise.sub(" ", cleaned)
    return strip_scheme_words(normalise_name(cleaned))


def strip_scheme_words(name_key: str) -> str:
    """"PRLV SEPA FIBRE OUEST" → "FIBRE OUEST"; a name made only of scheme words is kept."""
    words = name_key.split(" ")
    start = 0
    while start < len(words) - 1 and words[start] in SCHEME_WORDS:
        start += 1
    return " ".join(words[start:])


def share_supplier_ibans(documents: list[PreparedDocument]) -> None:
    """A document without an IBAN borrows those its supplier (same VAT id) printed elsewhere."""
    by_vat: dict[str, set[str]] = {}
    for document in documents:
        vat = document.facts.supplier_vat_id
        if vat and document.iban and document.role == "payable":
            by_vat.setdefault(compact(vat), set()).add(document.iban)
    for document in documents:
        vat = document.facts.supplier_vat_id
        if vat and document.role == "payable" and compact(vat) in by_vat:
            document.ibans = document.ibans | by_vat[compact(vat)]


def document_role(facts: DocumentFacts, config: MatchConfig,
                  declared: Mapping[str, str] | None = None) -> Role:
    """Payable, sales (the workspace issued it), payment confirmation, or nothing to match."""
    declared_role = (declared or {}).get(facts.id)
    if declared_role in ("payable", "sales", "confirmation", "ignored"):
        return declared_role  # type: ignore[return-value]
    if facts.total is None or facts.total.minor == 0:
        return "ignored"
    if facts.document_type == "payment_confirmation":
        return "confirmation"
    if facts.id in config.sales_document_ids or _in_sales_folder(facts.file, config):
        return "sales"
    issuer_ids = (facts.supplier_vat_id, facts.supplier_siren, facts.supplier_siret)
    if config.own_company.own_company_reason(facts.supplier_name, issuer_ids) is not None:
        return "sales"
    if facts.document_type in ("invoice", "credit_note", "receipt"):
        return "payable"
    return "ignored"


def _in_sales_folder(path: str, config: MatchConfig) -> bool:
    lowered = "/" + path.replace("\\", "/").lower().lstrip("/")
    return any(f"/{folder.strip('/').lower()}/" in lowered for folder in config.sales_folders)
