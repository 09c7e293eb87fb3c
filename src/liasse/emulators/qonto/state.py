"""What the Qonto emulator remembers: organization, accounts, transactions, files, invoices.

Plain mutable dataclasses, owned by one `QontoState`. The ASGI app is the only writer;
`persistence.py` turns a state into JSON and back. Amounts are integer cents, times are
timezone-aware UTC datetimes; the wire format (floats, `Z` strings) lives in `wire.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass
class EmulatorConfig:
    """The knobs of the emulator; defaults are Qonto's documented values."""

    access_token_ttl: timedelta = timedelta(hours=1)
    refresh_token_ttl: timedelta = timedelta(days=90)
    refresh_grace: timedelta = timedelta(seconds=60)
    idempotency_ttl: timedelta = timedelta(minutes=30)
    attachment_url_ttl: timedelta = timedelta(minutes=30)
    # Qonto processes transaction attachments in the background: not listed at once.
    attachment_processing_delay: timedelta = timedelta(0)
    # When set, an invoice whose upload `meta` carries liasse's facts gets them as if
    # Qonto's OCR had read them, this long after creation (None: amounts stay empty).
    ocr_delay: timedelta | None = None
    rate_limit_short: tuple[int, timedelta] = (1000, timedelta(seconds=10))
    rate_limit_long: tuple[int, timedelta] = (10_000, timedelta(minutes=10))
    max_invoices_per_request: int = 20
    max_file_bytes: int = 10 * 1024 * 1024
    max_request_bytes: int = 15 * 1024 * 1024
    max_attachments_per_transaction: int = 5
    # Sandbox only: without this header the real sandbox answers an HTML login page.
    staging_token: str | None = None
    # Tests skip the consent page: GET /oauth2/auth redirects with a code at once.
    oauth_auto_approve: bool = False


@dataclass
class BankAccount:
    id: str
    slug: str
    iban: str
    bic: str
    currency: str
    name: str
    main: bool
    balance_cents: int
    status: str = "active"
    updated_at: datetime | None = None


@dataclass
class Organization:
    id: str
    slug: str
    legal_name: str
    legal_number: str
    legal_address: str
    bank_accounts: list[BankAccount] = field(default_factory=list)


@dataclass
class Transaction:
    id: str
    transaction_id: str
    bank_account_id: str
    amount_cents: int
    currency: str
    local_amount_cents: int
    local_currency: str
    side: str
    operation_type: str
    status: str
    label: str
    reference: str | None
    emitted_at: datetime
    updated_at: datetime
    settled_at: datetime | None
    category: str = "other_expense"
    note: str | None = None
    vat_amount_cents: int | None = None
    vat_rate: str | None = None
    card_last_digits: str | None = None
    counterparty_iban: str | None = None
    counterparty_bic: str | None = None
    attachment_ids: list[str] = field(default_factory=list)
    attachment_required: bool = True


@dataclass
class Attachment:
    id: str
    created_at: datetime
    file_name: str
    content_type: str
    size: int
    sha256: str
    visible_from: datetime


@dataclass
class SupplierInvoice:
    id: str
    attachment_id: str
    file_name: str
    status: str
    created_at: datetime
    updated_at: datetime
    idempotency_key: str
    meta: dict[str, Any] = field(default_factory=dict)
    # Fields Qonto's OCR fills later; empty until then (see EmulatorConfig.ocr_delay).
    extracted: dict[str, Any] = field(default_factory=dict)
    ocr_hint: dict[str, Any] = field(default_factory=dict)
    paid_at: datetime | None = None


@dataclass
class IdempotentCall:
    """The first answer to an idempotency key, replayed for `EmulatorConfig.idempotency_ttl`."""

    scope: str
    key: str
    created_at: datetime
    result_id: str


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str
    redirect_uris: list[str]


@dataclass
class OAuthCode:
    code: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    expires_at: datetime


@dataclass
class OAuthToken:
    """An access or refresh token. A rotated refresh token lives on for the grace period."""

    token: str
    client_id: str
    scopes: list[str]
    expires_at: datetime
    rotated_at: datetime | None = None


@dataclass
class QontoState:
    organization: Organization
    api_keys: dict[str, str] = field(default_factory=dict)  # login -> secret key
    transactions: dict[str, Transaction] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    supplier_invoices: dict[str, SupplierInvoice] = field(default_factory=dict)
    idempotency: dict[str, IdempotentCall] = field(default_factory=dict)
    oauth_clients: dict[str, OAuthClient] = field(default_factory=dict)
    oauth_codes: dict[str, OAuthCode] = field(default_factory=dict)
    access_tokens: dict[str, OAuthToken] = field(default_factory=dict)
    refresh_tokens: dict[str, OAuthToken] = field(default_factory=dict)
    url_signing_key: str = ""

    def account(self, account_id: str) -> BankAccount | None:
        return next((a for a in self.organization.bank_accounts if a.id == account_id), None)

    def account_by_iban(self, iban: str) -> BankAccount | None:
        compact = iban.replace(" ", "").upper()
        return next((a for a in self.organization.bank_accounts if a.iban == compact), None)


def empty_state(legal_name: str = "Emulated Organization SAS") -> QontoState:
    """A state with an organization and no account: tests add what they need."""
    slug = "-".join(legal_name.lower().split())
    return QontoState(organization=Organization(
        id="00000000-0000-4000-8000-000000000001", slug=slug, legal_name=legal_name,
        legal_number="", legal_address="",
    ))
