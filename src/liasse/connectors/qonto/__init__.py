"""Qonto Business API v2: client, credentials, transaction sync and invoice posting.

    client = QontoClient(httpx.Client(...), ApiKeyAuth(ApiKeyCredentials(login, secret)))
    client.post_supplier_invoices([InvoiceUpload(...)])   # never twice per document
    TransactionSync(client, account_id, sink, clock=...).poll()
"""

from liasse.connectors.qonto.auth import (
    ApiKeyAuth,
    ApiKeyCredentials,
    CredentialStore,
    InMemoryCredentialStore,
    OAuthApp,
    OAuthAuth,
    OAuthCredentials,
    authenticator_for,
    authorization_url,
    exchange_code,
)
from liasse.connectors.qonto.client import SANDBOX_URL, QontoClient, connect_api_key
from liasse.connectors.qonto.errors import NeedsReconnect, QontoError, Rejected, TransientFailure
from liasse.connectors.qonto.mapping import InvoiceFacts, Organization, SupplierInvoiceRecord
from liasse.connectors.qonto.posting import InvoiceUpload, ItemResult, idempotency_key
from liasse.connectors.qonto.retry import RetryPolicy
from liasse.connectors.qonto.sync import InMemoryTransactionSink, TransactionSync

__all__ = [
    "SANDBOX_URL", "ApiKeyAuth", "ApiKeyCredentials", "CredentialStore",
    "InMemoryCredentialStore", "InMemoryTransactionSink", "InvoiceFacts", "InvoiceUpload",
    "ItemResult", "NeedsReconnect", "OAuthApp", "OAuthAuth", "OAuthCredentials", "Organization",
    "QontoClient", "QontoError", "Rejected", "RetryPolicy", "SupplierInvoiceRecord",
    "TransactionSync", "TransientFailure", "authenticator_for",
    "authorization_url", "connect_api_key", "exchange_code", "idempotency_key",
]
